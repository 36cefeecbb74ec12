"""User reports in (202: stored, aggregated on read)."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter

from api.deps import ReportAccess, ServicesDep
from api.schemas import ReportAccepted, ReportIn
from detector.contacts import parse_contact
from detector.errors import InvalidInputError
from detector.reports import Report, hash_reporter

router = APIRouter(prefix="/v1/reports", tags=["reports"])


@router.post("", status_code=202, response_model=ReportAccepted)
def create_report(body: ReportIn, services: ServicesDep, _: ReportAccess) -> dict:
    """Store one user report. The reporter id is kept only as a keyed hash; the text is
    scored by the message model so aggregates know how many reports read like scams."""
    contact = parse_contact(body.contact, body.type)
    now = datetime.now(UTC)
    at = body.reported_at or now
    at = at if at.tzinfo else at.replace(tzinfo=UTC)
    if at > now:
        raise InvalidInputError("reported_at is in the future")
    reporter_hash = None
    if body.reporter_id:
        salt = services.settings.reporter_salt
        if salt is None:
            raise InvalidInputError(
                "the server has no KEFUGUARD_REPORTER_SALT: send no reporter_id"
            )
        reporter_hash = hash_reporter(body.reporter_id, salt.get_secret_value())
    flagged = None
    if body.text:
        (a,) = services.detector.score_messages([body.text], with_contacts=False)
        flagged = a.verdict != "allow"
    services.reports.add(
        [
            Report(
                type=contact.type,
                normalized=contact.normalized,
                reported_at=at,
                reporter_hash=reporter_hash,
                channel=body.channel,
                category=body.category,
                text=body.text,
                flagged=flagged,
            )
        ]
    )
    return {"accepted": True, "type": contact.type, "normalized": contact.normalized}
