"""The official registry: organisations and their official contacts (``admin`` scope)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response

from api.db.store import NotFoundError
from api.deps import AdminAccess, ServicesDep
from api.schemas import OfficialContactIn, OfficialContactOut, OrgIn, OrgOut
from detector.contacts import parse_contact
from detector.registry import Organization, official_contact

router = APIRouter(prefix="/v1/registry", tags=["registry"])
OrgSlug = Annotated[str, Path(pattern=r"^[a-z0-9][a-z0-9_-]{1,63}$")]


def _org_or_404(services, org: str) -> Organization:
    found = services.registry.snapshot().organization(org)
    if found is None or found.slug != org:
        raise NotFoundError(f"no organisation {org!r}", org=org)
    return found


@router.get("/orgs", response_model=list[OrgOut])
def list_orgs(services: ServicesDep, _: AdminAccess) -> list[dict]:
    return [o.to_dict() for o in services.registry.snapshot().organizations]


@router.post("/orgs", status_code=201, response_model=OrgOut)
def upsert_org(body: OrgIn, services: ServicesDep, _: AdminAccess) -> dict:
    org = Organization(body.slug, body.name, tuple(body.aliases), body.region)
    services.registry.upsert_organization(org)
    services.reload_registry()
    return org.to_dict()


@router.get("/orgs/{org}/contacts", response_model=list[OfficialContactOut])
def list_contacts(org: OrgSlug, services: ServicesDep, _: AdminAccess) -> list[dict]:
    _org_or_404(services, org)
    return [c.to_dict() for c in services.registry.snapshot().contacts_of(org)]


@router.post("/orgs/{org}/contacts", status_code=201, response_model=OfficialContactOut)
def add_contact(
    org: OrgSlug, body: OfficialContactIn, services: ServicesDep, _: AdminAccess
) -> dict:
    contact = official_contact(org, body.value, body.type, body.source, body.verified_at, body.note)
    services.registry.add_contact(contact)
    services.reload_registry()
    return contact.to_dict()


@router.delete("/orgs/{org}/contacts", status_code=204, response_class=Response)
def remove_contact(
    org: OrgSlug,
    services: ServicesDep,
    _: AdminAccess,
    value: Annotated[str, Query(min_length=1, max_length=512)],
    type: Annotated[str | None, Query(max_length=20)] = None,
) -> Response:
    contact = parse_contact(value, type)
    if not services.registry.remove_contact(org, *contact.key):
        raise NotFoundError(f"{org} has no official {contact.type} with that value", org=org)
    services.reload_registry()
    return Response(status_code=204)
