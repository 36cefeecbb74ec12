"""Stores: the registry and the user reports, over SQLAlchemy sessions.

Each store hands the scoring core plain values (a :class:`~detector.registry.Registry`
snapshot, :class:`~detector.results.ReportStats`), so ``detector/`` never touches the
database.
"""

from __future__ import annotations

import json
import threading
import time
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime

from sqlalchemy import Engine, delete, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, sessionmaker

from api.db.models import OfficialContactRow, OrganizationRow, ReportRow
from detector.errors import InvalidInputError
from detector.registry import OfficialContact, Organization, Registry
from detector.report_stats import stats_by_contact
from detector.reports import Report
from detector.results import ReportStats


class NotFoundError(InvalidInputError):
    code = "not_found"


_REPORT_FIELDS = ("type", "normalized", "reporter_hash", "channel", "category", "text", "flagged")


def _now() -> datetime:
    return datetime.now(UTC)


def _as_utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _upsert(session: Session, table, values: dict, index: Sequence[str], update: Sequence[str]):
    """INSERT … ON CONFLICT DO UPDATE on SQLite and PostgreSQL."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = insert(table).values(**values)
    stmt = stmt.on_conflict_do_update(
        index_elements=list(index), set_={k: stmt.excluded[k] for k in update}
    )
    session.execute(stmt)


class RegistryStore:
    def __init__(self, engine: Engine):
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    def upsert_organization(self, org: Organization) -> None:
        with self._sessions.begin() as s:
            values = {
                "slug": org.slug,
                "name": org.name,
                "aliases": json.dumps(list(org.aliases), ensure_ascii=False),
                "region": org.region,
                "created_at": _now(),
            }
            _upsert(s, OrganizationRow, values, ["slug"], ["name", "aliases", "region"])

    def add_contact(self, contact: OfficialContact) -> None:
        with self._sessions.begin() as s:
            if s.get(OrganizationRow, contact.org) is None:
                raise NotFoundError(f"no organisation {contact.org!r}", org=contact.org)
            values = {
                "org": contact.org,
                "type": contact.type,
                "value": contact.value,
                "normalized": contact.normalized,
                "source": contact.source,
                "verified_at": contact.verified_at,
                "note": contact.note,
                "created_at": _now(),
            }
            _upsert(
                s,
                OfficialContactRow,
                values,
                ["org", "type", "normalized"],
                ["value", "source", "verified_at", "note"],
            )

    def remove_contact(self, org: str, type: str, normalized: str) -> bool:
        with self._sessions.begin() as s:
            result = s.execute(
                delete(OfficialContactRow).where(
                    OfficialContactRow.org == org,
                    OfficialContactRow.type == type,
                    OfficialContactRow.normalized == normalized,
                )
            )
            return result.rowcount > 0

    def import_registry(self, registry: Registry) -> dict[str, int]:
        """Upsert every organisation and contact of ``registry`` (idempotent)."""
        for org in registry.organizations:
            self.upsert_organization(org)
        for contact in registry.contacts:
            self.add_contact(contact)
        return {"organizations": len(registry.organizations), "contacts": len(registry.contacts)}

    def snapshot(self) -> Registry:
        """The whole registry as an in-memory :class:`Registry`."""
        with self._sessions() as s:
            orgs = tuple(
                Organization(r.slug, r.name, tuple(json.loads(r.aliases or "[]")), r.region)
                for r in s.scalars(select(OrganizationRow).order_by(OrganizationRow.slug))
            )
            contacts = tuple(
                OfficialContact(
                    org=r.org,
                    type=r.type,
                    value=r.value,
                    normalized=r.normalized,
                    source=r.source,
                    verified_at=r.verified_at,
                    note=r.note,
                )
                for r in s.scalars(
                    select(OfficialContactRow).order_by(
                        OfficialContactRow.org, OfficialContactRow.type, OfficialContactRow.id
                    )
                )
            )
        return Registry(orgs, contacts)


class ReportStore:
    """User reports. Aggregates read for scoring are cached for ``cache_seconds`` per contact
    (reports written through this store refresh them at once; another worker's writes show
    after at most ``cache_seconds``): a chat message's contacts usually have no reports, and
    the same few scam numbers recur."""

    def __init__(self, engine: Engine, cache_seconds: float = 10.0, cache_size: int = 100_000):
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        self._ttl = cache_seconds
        self._cache: OrderedDict[tuple[str, str], tuple[float, ReportStats | None]] = OrderedDict()
        self._cache_size = cache_size
        self._lock = threading.Lock()

    def add(self, reports: Iterable[Report]) -> int:
        now = _now()
        rows = [
            ReportRow(
                **{f: getattr(r, f) for f in _REPORT_FIELDS},
                # SQLite keeps no offset: store UTC everywhere, read naive values as UTC.
                reported_at=_as_utc(r.reported_at),
                received_at=now,
            )
            for r in reports
        ]
        with self._sessions.begin() as s:
            s.add_all(rows)
        with self._lock:
            for r in rows:
                self._cache.pop((r.type, r.normalized), None)
        return len(rows)

    def reports_for(self, type: str, normalized: str, limit: int = 10_000) -> list[Report]:
        with self._sessions() as s:
            rows = s.scalars(
                select(ReportRow)
                .where(ReportRow.type == type, ReportRow.normalized == normalized)
                .order_by(ReportRow.reported_at.desc())
                .limit(limit)
            )
            return [
                Report(
                    **{f: getattr(r, f) for f in _REPORT_FIELDS},
                    reported_at=_as_utc(r.reported_at),
                )
                for r in rows
            ]

    def stats_for_many(
        self, keys: Iterable[tuple[str, str]], now: datetime | None = None
    ) -> dict[tuple[str, str], ReportStats]:
        """Aggregates for several contacts in one query (contacts without reports are absent).

        With ``now`` None (scoring as of now) answers come from the cache when fresh."""
        keys = list(dict.fromkeys(keys))
        if not keys:
            return {}
        out: dict[tuple[str, str], ReportStats] = {}
        if now is None and self._ttl > 0:
            fresh = time.monotonic() - self._ttl
            missing = []
            with self._lock:
                for key in keys:
                    hit = self._cache.get(key)
                    if hit is not None and hit[0] >= fresh:
                        if hit[1] is not None:
                            out[key] = hit[1]
                    else:
                        missing.append(key)
            if missing:
                found = self._query(missing, None)
                stamp = time.monotonic()
                with self._lock:
                    for key in missing:
                        self._cache[key] = (stamp, found.get(key))
                        self._cache.move_to_end(key)
                    while len(self._cache) > self._cache_size:
                        self._cache.popitem(last=False)
                out.update(found)
            return out
        return self._query(keys, now)

    def _query(
        self, keys: list[tuple[str, str]], now: datetime | None
    ) -> dict[tuple[str, str], ReportStats]:
        out: dict[tuple[str, str], ReportStats] = {}
        with self._sessions() as s:
            for type_ in {t for t, _ in keys}:
                values = [n for t, n in keys if t == type_]
                rows = s.execute(
                    select(
                        ReportRow.type,
                        ReportRow.normalized,
                        ReportRow.reported_at,
                        ReportRow.reporter_hash,
                        ReportRow.flagged,
                    ).where(ReportRow.type == type_, ReportRow.normalized.in_(values))
                ).all()
                reports = [
                    Report(t, n, _as_utc(at), reporter, flagged=flagged)
                    for t, n, at, reporter, flagged in rows
                ]
                # A few reports per contact: plain Python (same numbers as aggregate_reports).
                out.update(stats_by_contact(reports, now=now))
        return out

    def count(self) -> int:
        with self._sessions() as s:
            return int(s.scalar(select(func.count()).select_from(ReportRow)) or 0)
