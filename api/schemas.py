"""Request and response bodies. Requests are bounded field by field; responses mirror the
result types of ``detector/results.py`` (DESIGN.md shapes)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from detector.reports import REPORT_CATEGORIES, REPORT_CHANNELS

MAX_TEXT = 5_000
EARLIEST_REPORT = datetime(2000, 1, 1, tzinfo=UTC)
MAX_ITEMS = 1_000
MAX_TURNS = 200
Short = Field(default=None, max_length=200)

Channel = Literal["call", "sms", "chat", "email", "qq", "wechat"]
ContactType = Literal["phone", "short_number", "qq", "wechat", "url", "email", "bank_card"]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=False)


# Requests


class MessageIn(_In):
    text: str = Field(min_length=1, max_length=MAX_TEXT)
    claimed_org: str | None = Short
    sender_role: Literal["agent", "customer"] | None = Field(
        default=None,
        description="Who sent the message. Informational: a single message is scored the same "
        "either way; POST /v1/conversations/score reads roles (customer turns are scored but "
        "never raise the thread's risk).",
    )
    conversation_id: str | None = Field(
        default=None,
        max_length=100,
        description="Your id for the thread. Informational: the service keeps no per-thread "
        "state; send the whole thread to POST /v1/conversations/score.",
    )
    channel: Channel | None = None


class MessageBatchIn(_In):
    items: list[MessageIn] = Field(min_length=1, max_length=MAX_ITEMS)


class TurnIn(_In):
    role: str = Field(min_length=1, max_length=20)
    text: str = Field(min_length=1, max_length=MAX_TEXT)


class ConversationIn(_In):
    turns: list[TurnIn] = Field(min_length=1, max_length=MAX_TURNS)
    claimed_org: str | None = Short


class ContactCheckIn(_In):
    value: str = Field(min_length=1, max_length=512)
    type: ContactType | None = None
    claimed_org: str | None = Short
    channel: Channel | None = None


class ContactCheckBatchIn(_In):
    items: list[ContactCheckIn] = Field(min_length=1, max_length=MAX_ITEMS)


class IncomingContactIn(_In):
    channel: Channel
    sender: str = Field(min_length=1, max_length=512)
    text: str | None = Field(default=None, max_length=MAX_TEXT)
    claimed_org: str | None = Short
    display_name: str | None = Short


class ReportIn(_In):
    contact: str = Field(min_length=1, max_length=512)
    type: ContactType | None = None
    reporter_id: str | None = Field(default=None, max_length=200)
    channel: Literal[REPORT_CHANNELS] = "other"  # type: ignore[valid-type]
    category: Literal[REPORT_CATEGORIES] = "other"  # type: ignore[valid-type]
    text: str | None = Field(default=None, max_length=MAX_TEXT)
    reported_at: datetime | None = None

    @field_validator("reported_at")
    @classmethod
    def _plausible(cls, value: datetime | None) -> datetime | None:
        if value is None:
            return None
        value = value if value.tzinfo else value.replace(tzinfo=UTC)
        if not EARLIEST_REPORT <= value <= datetime.now(UTC) + timedelta(days=1):
            raise ValueError("reported_at must be between 2000-01-01 and now")
        return value.astimezone(UTC)


class OrgIn(_In):
    slug: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{1,63}$")
    name: str = Field(min_length=1, max_length=200)
    aliases: list[str] = Field(default_factory=list, max_length=50)
    region: str = Field(default="CN", pattern=r"^[A-Z]{2}$")


class OfficialContactIn(_In):
    value: str = Field(min_length=1, max_length=512)
    type: ContactType | None = None
    source: str = Field(min_length=1, max_length=500)
    verified_at: date | None = None
    note: str | None = Field(default=None, max_length=500)


# Responses


class SignalOut(BaseModel):
    code: str
    start: int
    end: int
    text: str
    weight: float


class ReasonOut(BaseModel):
    code: str
    message: str


class NumberOut(BaseModel):
    e164: str | None
    region: str | None
    line_type: str
    carrier: str | None
    geo: str | None


class ReportStatsOut(BaseModel):
    count: int
    distinct_reporters: int
    first_seen: str | None
    last_seen: str | None
    count_7d: int
    count_30d: int
    flagged_share: float
    weighted: float


class ContactAssessmentOut(BaseModel):
    value: str
    normalized: str
    type: str
    verdict: Literal["official", "unverified", "suspicious", "known_scam", "invalid"]
    risk: float = Field(ge=0, le=1)
    official_for: list[str]
    reasons: list[ReasonOut]
    number: NumberOut | None
    reports: ReportStatsOut | None
    start: int | None = None
    end: int | None = None


class MessageAssessmentOut(BaseModel):
    risk: float = Field(ge=0, le=1)
    verdict: Literal["allow", "warn", "block"]
    is_scam: bool
    category: str | None
    signals: list[SignalOut]
    contacts: list[ContactAssessmentOut]
    warning: str | None
    model_version: str


class MessageBatchOut(BaseModel):
    items: list[MessageAssessmentOut]


class ContactBatchOut(BaseModel):
    items: list[ContactAssessmentOut]


class CombinedReasonOut(ReasonOut):
    source: Literal["sender", "content"]


class IncomingContactOut(BaseModel):
    verdict: Literal["allow", "warn", "block"]
    risk: float = Field(ge=0, le=1)
    reasons: list[CombinedReasonOut]
    warning: str | None
    sender: ContactAssessmentOut
    content: MessageAssessmentOut | None


class TurnOut(MessageAssessmentOut):
    index: int
    role: Literal["agent", "customer"]
    context_risk: float


class ConversationOut(BaseModel):
    risk: float = Field(ge=0, le=1)
    verdict: Literal["allow", "warn", "block"]
    is_scam: bool
    first_warning_turn: int | None
    turns: list[TurnOut]
    warning: str | None
    model_version: str


class ReportAccepted(BaseModel):
    accepted: bool
    type: str
    normalized: str


class ContactReportsOut(BaseModel):
    type: str
    normalized: str
    official_for: list[str]
    stats: ReportStatsOut | None


class OrgOut(BaseModel):
    slug: str
    name: str
    aliases: list[str]
    region: str


class OfficialContactOut(BaseModel):
    org: str
    type: str
    value: str
    normalized: str
    source: str
    verified_at: str | None
    note: str | None


class ErrorDetail(BaseModel):
    code: str
    message: str
    details: dict


class ErrorOut(BaseModel):
    error: ErrorDetail


class AuditOut(BaseModel):
    id: str
    state: Literal["queued", "running", "done", "failed"]
    input: str
    rows_total: int | None
    rows_done: int
    progress: float | None
    summary: dict | None
    error: str | None
    created_at: str
    updated_at: str
    links: dict[str, str]
