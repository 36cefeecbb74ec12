"""Result types. One shape for a finding, however it was found."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Explanation:
    """Why a signal fired: which rule, what it is, what it matched in the normalized text."""

    rule_id: str
    description: str
    normalized_text: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule_id": self.rule_id,
            "description": self.description,
            "normalized_text": self.normalized_text,
        }


@dataclass(frozen=True, slots=True)
class Signal:
    """One piece of evidence: a signal code and the span of the *original* text behind it."""

    code: str
    start: int
    end: int
    text: str
    weight: float
    rule_id: str
    explanation: Explanation | None = field(default=None, compare=False)

    def to_dict(self, explain: bool = False) -> dict[str, Any]:
        out: dict[str, Any] = {
            "code": self.code,
            "start": self.start,
            "end": self.end,
            "text": self.text,
            "weight": self.weight,
        }
        if explain and self.explanation is not None:
            out["explanation"] = self.explanation.to_dict()
        return out


@dataclass(frozen=True, slots=True)
class MessageAssessment:
    """The answer for one message (DESIGN.md): risk, verdict, evidence and a warning."""

    risk: float
    verdict: str  # allow | warn | block
    is_scam: bool
    category: str | None
    signals: tuple[Signal, ...]
    contacts: tuple[dict[str, Any], ...]
    warning: str | None
    model_version: str

    def to_dict(self, explain: bool = False) -> dict[str, Any]:
        return {
            "risk": round(self.risk, 4),
            "verdict": self.verdict,
            "is_scam": self.is_scam,
            "category": self.category,
            "signals": [s.to_dict(explain=explain) for s in self.signals],
            "contacts": list(self.contacts),
            "warning": self.warning,
            "model_version": self.model_version,
        }


@dataclass(frozen=True, slots=True)
class Reason:
    """One machine-readable reason (``code``) with a sentence for people (``message``)."""

    code: str
    message: str

    def to_dict(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message}


#: Contact types, in the order DESIGN.md names them.
CONTACT_TYPES = ("phone", "short_number", "qq", "wechat", "url", "email", "bank_card")


@dataclass(frozen=True, slots=True)
class Contact:
    """A contact found in a text, or given on its own.

    ``value`` is what was written (``original[start:end]`` when found in a text);
    ``normalized`` is the lookup key: E.164 for phones (``+8613800138000``), digits for short
    numbers, QQ numbers and bank cards, the lower-cased ID for WeChat, the registered domain
    for URLs (``example.com.cn``; the full host is in ``detail``), the lower-cased address for
    e-mails. ``start``/``end`` are -1 for a contact given on its own.
    """

    type: str
    value: str
    normalized: str
    start: int = -1
    end: int = -1
    detail: str | None = None

    @property
    def key(self) -> tuple[str, str]:
        """What registries and report stores index: ``(type, normalized)``."""
        return (self.type, self.normalized)


@dataclass(frozen=True, slots=True)
class NumberInfo:
    """What a phone or short number is (detector/numbers.py)."""

    raw: str
    e164: str | None
    valid: bool
    possible: bool
    region: str | None
    carrier: str | None
    geo: str | None
    line_class: str
    reasons: tuple[Reason, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "e164": self.e164,
            "region": self.region,
            "line_type": self.line_class,
            "carrier": self.carrier,
            "geo": self.geo,
        }


@dataclass(frozen=True, slots=True)
class ReportStats:
    """Aggregates of the user reports against one contact (detector/reports.py)."""

    count: int = 0
    distinct_reporters: int = 0
    first_seen: str | None = None  # ISO 8601, UTC
    last_seen: str | None = None
    count_7d: int = 0
    count_30d: int = 0
    flagged_share: float = 0.0  # share of report texts the message model flags
    weighted: float = 0.0  # reporter-weighted, time-decayed evidence (see reports.py)

    def to_dict(self) -> dict[str, Any]:
        return {
            "count": self.count,
            "distinct_reporters": self.distinct_reporters,
            "first_seen": self.first_seen,
            "last_seen": self.last_seen,
            "count_7d": self.count_7d,
            "count_30d": self.count_30d,
            "flagged_share": round(self.flagged_share, 4),
            "weighted": round(self.weighted, 4),
        }


@dataclass(frozen=True, slots=True)
class ContactAssessment:
    """The answer for one contact (DESIGN.md)."""

    value: str
    normalized: str
    type: str
    verdict: str  # official | unverified | suspicious | known_scam | invalid
    risk: float
    official_for: tuple[str, ...]
    reasons: tuple[Reason, ...]
    number: NumberInfo | None = None
    reports: ReportStats | None = None
    start: int = -1
    end: int = -1

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "value": self.value,
            "normalized": self.normalized,
            "type": self.type,
            "verdict": self.verdict,
            "risk": round(self.risk, 4),
            "official_for": list(self.official_for),
            "reasons": [r.to_dict() for r in self.reasons],
            "number": self.number.to_dict() if self.number else None,
            "reports": self.reports.to_dict() if self.reports else None,
        }
        if self.start >= 0:
            out["start"], out["end"] = self.start, self.end
        return out
