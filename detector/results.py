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
