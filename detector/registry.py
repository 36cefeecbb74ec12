"""The official registry: organisations and the contacts they really use.

A :class:`Registry` is an in-memory snapshot (registries are small: thousands of contacts),
built from a registry file (:func:`load_registry_file`) or from the service database
(``api/db``). Every contact is keyed by ``(type, normalized)`` exactly as
:mod:`detector.contacts` normalizes what it finds in a message, so a lookup is one dict hit.
URLs are keyed by registered domain: an official ``example.com`` covers ``kefu.example.com``.

Registry file (YAML, or CSV with one contact a row)::

    organizations:
      - slug: demo-kameng
        name: 示例卡盟
        aliases: [示例卡盟平台, KamengDemo]
        region: CN
        contacts:
          - {type: phone, value: "400-800-1234", source: "...", verified_at: 2026-11-01}
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from detector.errors import ConfigError, InvalidInputError
from detector.normalize import DATA_DIR, default_normalizer
from detector.results import CONTACT_TYPES, Contact

DEMO_REGISTRY = DATA_DIR / "demo_registry.yaml"
MAX_REGISTRY_BYTES = 20 * 1024 * 1024
_SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]{1,63}$")
CSV_COLUMNS = ("org", "org_name", "type", "value", "source", "verified_at", "note")


@dataclass(frozen=True, slots=True)
class Organization:
    slug: str
    name: str
    aliases: tuple[str, ...] = ()
    region: str = "CN"

    @property
    def names(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)

    def to_dict(self) -> dict[str, object]:
        return {
            "slug": self.slug,
            "name": self.name,
            "aliases": list(self.aliases),
            "region": self.region,
        }


@dataclass(frozen=True, slots=True)
class OfficialContact:
    org: str
    type: str
    value: str
    normalized: str
    source: str
    verified_at: str | None = None  # ISO date
    note: str | None = None

    @property
    def key(self) -> tuple[str, str]:
        return (self.type, self.normalized)

    def to_dict(self) -> dict[str, object]:
        return {
            "org": self.org,
            "type": self.type,
            "value": self.value,
            "normalized": self.normalized,
            "source": self.source,
            "verified_at": self.verified_at,
            "note": self.note,
        }


def official_contact(
    org: str,
    value: str,
    type: str | None = None,
    source: str = "manual",
    verified_at: str | date | None = None,
    note: str | None = None,
) -> OfficialContact:
    """Build an :class:`OfficialContact`, normalizing ``value`` as messages are normalized."""
    from detector.contacts import parse_contact

    contact = parse_contact(value, type)
    if isinstance(verified_at, date):
        verified_at = verified_at.isoformat()
    return OfficialContact(
        org=org,
        type=contact.type,
        value=value.strip(),
        normalized=contact.normalized,
        source=source,
        verified_at=verified_at,
        note=note,
    )


@dataclass
class Registry:
    """Organisations and their official contacts, indexed for lookups."""

    organizations: tuple[Organization, ...] = ()
    contacts: tuple[OfficialContact, ...] = ()
    _by_key: dict[tuple[str, str], tuple[OfficialContact, ...]] = field(init=False, repr=False)
    _orgs: dict[str, Organization] = field(init=False, repr=False)
    _names: dict[str, str] = field(init=False, repr=False)
    _name_pattern: re.Pattern[str] | None = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._orgs = {o.slug: o for o in self.organizations}
        by_key: dict[tuple[str, str], list[OfficialContact]] = {}
        for c in self.contacts:
            if c.org not in self._orgs:
                raise ConfigError(f"contact {c.value!r} names unknown organisation {c.org!r}")
            by_key.setdefault(c.key, []).append(c)
        self._by_key = {k: tuple(v) for k, v in by_key.items()}
        norm = default_normalizer()
        self._names = {}
        for o in self.organizations:
            self._names[o.slug] = o.slug
            for name in o.names:
                key = norm.normalize(name).text.strip()
                if key:
                    self._names.setdefault(key, o.slug)
        # Longest names first so "示例卡盟平台" wins over "示例卡盟".
        names = sorted((n for n in self._names if len(n) >= 2), key=len, reverse=True)
        self._name_pattern = re.compile("|".join(map(re.escape, names))) if names else None

    def __len__(self) -> int:
        return len(self.contacts)

    def lookup(self, contact: Contact | tuple[str, str]) -> tuple[OfficialContact, ...]:
        """Official entries for this contact (any organisation)."""
        key = contact.key if isinstance(contact, Contact) else contact
        return self._by_key.get(key, ())

    def orgs_for(self, contact: Contact | tuple[str, str]) -> tuple[str, ...]:
        return tuple(sorted({c.org for c in self.lookup(contact)}))

    def organization(self, name: str | None) -> Organization | None:
        """Resolve a claimed organisation by slug, name or alias (normalized)."""
        if not name:
            return None
        if name in self._orgs:
            return self._orgs[name]
        key = default_normalizer().normalize(name).text.strip()
        slug = self._names.get(key) or self._names.get(name.strip().lower())
        return self._orgs.get(slug) if slug else None

    def claims_in(self, normalized_text: str) -> tuple[str, ...]:
        """Organisations named in a (normalized) text, in order of first mention."""
        if self._name_pattern is None:
            return ()
        seen: dict[str, None] = {}
        for m in self._name_pattern.finditer(normalized_text):
            seen.setdefault(self._names[m.group()], None)
        return tuple(seen)

    def contacts_of(self, org: str) -> tuple[OfficialContact, ...]:
        return tuple(c for c in self.contacts if c.org == org)


class _ContactEntry(BaseModel):
    model_config = ConfigDict(extra="forbid")
    type: str | None = None
    value: str = Field(min_length=1, max_length=512)
    source: str = Field(min_length=1, max_length=500)
    verified_at: date | None = None
    note: str | None = Field(default=None, max_length=500)

    @field_validator("type")
    @classmethod
    def _type(cls, value: str | None) -> str | None:
        if value is not None and value not in CONTACT_TYPES:
            raise ValueError(f"unknown contact type {value!r}; known: {', '.join(CONTACT_TYPES)}")
        return value


class _OrgEntry(BaseModel):
    model_config = ConfigDict(extra="forbid")
    slug: str
    name: str = Field(min_length=1, max_length=200)
    aliases: list[str] = Field(default_factory=list, max_length=50)
    region: str = Field(default="CN", min_length=2, max_length=2)
    contacts: list[_ContactEntry] = Field(default_factory=list, max_length=10_000)

    @field_validator("slug")
    @classmethod
    def _slug(cls, value: str) -> str:
        if not _SLUG.match(value):
            raise ValueError("slug must be 2-64 chars of a-z, 0-9, '-' or '_'")
        return value


class _RegistryFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    organizations: list[_OrgEntry] = Field(min_length=1)


def _registry_from_entries(entries: list[_OrgEntry], where: str) -> Registry:
    orgs, contacts, seen = [], [], set()
    for org in entries:
        if org.slug in seen:
            raise ConfigError(f"{where}: organisation {org.slug!r} is listed twice")
        seen.add(org.slug)
        orgs.append(Organization(org.slug, org.name, tuple(org.aliases), org.region.upper()))
        for i, c in enumerate(org.contacts):
            try:
                contacts.append(
                    official_contact(org.slug, c.value, c.type, c.source, c.verified_at, c.note)
                )
            except InvalidInputError as exc:
                raise ConfigError(
                    f"{where}: {org.slug} contact #{i + 1} ({c.value!r}): {exc.message}"
                ) from None
    return Registry(tuple(orgs), tuple(contacts))


def parse_registry(text: str, fmt: str, where: str = "registry") -> Registry:
    """Parse a registry document (``fmt`` is ``yaml`` or ``csv``)."""
    try:
        if fmt == "csv":
            entries = _entries_from_csv(text, where)
        else:
            data = yaml.safe_load(text)
            entries = _RegistryFile.model_validate(data).organizations
    except yaml.YAMLError as exc:
        raise ConfigError(f"{where}: not valid YAML: {exc}") from None
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = ".".join(str(p) for p in first["loc"])
        raise ConfigError(f"{where}: {loc}: {first['msg']}", errors=exc.error_count()) from None
    return _registry_from_entries(entries, where)


def _entries_from_csv(text: str, where: str) -> list[_OrgEntry]:
    reader = csv.DictReader(io.StringIO(text))
    missing = {"org", "value", "source"} - set(reader.fieldnames or ())
    if missing:
        raise ConfigError(f"{where}: CSV needs the columns {sorted(missing)}", columns=CSV_COLUMNS)
    orgs: dict[str, dict] = {}
    for row in reader:
        slug = (row.get("org") or "").strip()
        org = orgs.setdefault(slug, {"slug": slug, "name": slug, "contacts": []})
        if row.get("org_name"):
            org["name"] = row["org_name"].strip()
        org["contacts"].append(
            {
                "type": (row.get("type") or "").strip() or None,
                "value": row.get("value") or "",
                "source": row.get("source") or "",
                "verified_at": (row.get("verified_at") or "").strip() or None,
                "note": (row.get("note") or "").strip() or None,
            }
        )
    if not orgs:
        raise ConfigError(f"{where}: the CSV has no rows")
    return _RegistryFile.model_validate({"organizations": list(orgs.values())}).organizations


def load_registry_file(path: Path | str) -> Registry:
    """Read a registry file (``.yaml``/``.yml`` or ``.csv``), validated."""
    path = Path(path)
    if not path.is_file():
        raise InvalidInputError(f"registry file not found: {path}", path=str(path))
    if path.stat().st_size > MAX_REGISTRY_BYTES:
        raise InvalidInputError(f"{path} is larger than {MAX_REGISTRY_BYTES} bytes")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidInputError(f"{path} is not UTF-8: {exc.reason}") from None
    fmt = "csv" if path.suffix.lower() == ".csv" else "yaml"
    return parse_registry(text, fmt, where=path.name)


@lru_cache(maxsize=1)
def demo_registry() -> Registry:
    """The shipped demo registry (a fictional marketplace), for ``make run`` and tests."""
    return load_registry_file(DEMO_REGISTRY)


def merge(registries: Iterable[Registry]) -> Registry:
    orgs: dict[str, Organization] = {}
    contacts: dict[tuple[str, str, str], OfficialContact] = {}
    for reg in registries:
        for o in reg.organizations:
            orgs[o.slug] = o
        for c in reg.contacts:
            contacts[(c.org, *c.key)] = c
    return Registry(tuple(orgs.values()), tuple(contacts.values()))
