"""Is this contact really the organisation's? Incoming contacts, contact checks, reports."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query
from fastapi.responses import JSONResponse

from api.deps import ReportAccess, ScoringServices, ServicesDep
from api.observability import VERDICTS
from api.schemas import (
    ContactAssessmentOut,
    ContactBatchOut,
    ContactCheckBatchIn,
    ContactCheckIn,
    ContactReportsOut,
    IncomingContactIn,
    IncomingContactOut,
)
from detector.contacts import parse_contact
from detector.incoming import score_incoming

router = APIRouter(prefix="/v1/contacts", tags=["contacts"])


@router.post("/score", response_model=IncomingContactOut)
async def score_contact(body: IncomingContactIn, services: ScoringServices) -> JSONResponse:
    """The headline check: an incoming call, SMS, chat, e-mail, QQ or WeChat contact — sender
    and content together — in one verdict with the reasons from both."""
    result = score_incoming(
        services.detector,
        services.fresh_checker(),
        channel=body.channel,
        sender=body.sender,
        text=body.text,
        claimed_org=body.claimed_org,
        display_name=body.display_name,
    )
    VERDICTS.labels("contacts_score", result["verdict"]).inc()
    return JSONResponse(result)


@router.post("/check", response_model=ContactAssessmentOut)
async def check_contact(body: ContactCheckIn, services: ScoringServices) -> JSONResponse:
    """Before showing contact info: official, unverified, suspicious, known scam or invalid."""
    a = services.fresh_checker().check(
        body.value, body.type, claimed_org=body.claimed_org, channel=body.channel
    )
    VERDICTS.labels("contacts_check", a.verdict).inc()
    return JSONResponse(a.to_dict())


@router.post("/check-batch", response_model=ContactBatchOut)
def check_batch(body: ContactCheckBatchIn, services: ScoringServices) -> dict:
    checker = services.fresh_checker()
    items = []
    for item in body.items:
        a = checker.check(item.value, item.type, claimed_org=item.claimed_org, channel=item.channel)
        VERDICTS.labels("contacts_check", a.verdict).inc()
        items.append(a.to_dict())
    return {"items": items}


@router.get("/{value}/reports", response_model=ContactReportsOut)
def contact_reports(
    value: Annotated[str, Path(min_length=1, max_length=512)],
    services: ServicesDep,
    _: ReportAccess,
    type: Annotated[str | None, Query(max_length=20)] = None,
) -> dict:
    """Aggregates of the user reports against one contact."""
    contact = parse_contact(value, type)
    stats = services.reports.stats_for_many([contact.key]).get(contact.key)
    return {
        "type": contact.type,
        "normalized": contact.normalized,
        "official_for": list(services.fresh_checker().registry.orgs_for(contact)),
        "stats": stats.to_dict() if stats else None,
    }
