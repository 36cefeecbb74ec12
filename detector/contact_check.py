"""Is this contact really the organisation's? One contact in, one ContactAssessment out.

Reading order of :meth:`ContactChecker.assess`: registry lookup → number intelligence (phones
and short numbers) → report aggregates → number risk model → rules that name what is wrong
(claimed organisation, spoofed service line, look-alike domain, reports against an official
line) → verdict. Report aggregates come in as values (:class:`ReportStats`) from whoever owns
the storage; nothing here does I/O.

Verdicts: ``invalid`` (not a working contact) · ``official`` (in the registry of the claimed
organisation, or of some organisation when none is claimed) · ``known_scam`` (the risk model is
over its known-scam threshold *and* enough distinct people reported it) · ``suspicious`` (over
the suspicious threshold, or a rule found a concrete problem) · ``unverified`` (nothing known).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from functools import lru_cache
from typing import Protocol

from detector.contacts import parse_contact
from detector.number_model import NumberModel, load_number_model
from detector.numbers import NumberAnalyzer, default_analyzer
from detector.registry import Registry
from detector.results import Contact, ContactAssessment, NumberInfo, Reason, ReportStats

#: Distinct reporters needed before a contact may be called a known scam.
MIN_REPORTERS_FOR_KNOWN_SCAM = 3
#: Independent reporters of an official line that make spoofing, not mis-marking, the
#: likelier story (their texts are often the victim's own words, which the model reads as
#: benign).
SPOOFING_REPORTERS = 5
#: Number reasons that are concrete evidence of deception on their own.
STRONG_NUMBER_REASONS = frozenset(
    {
        "service_line_as_caller",
        "service_line_as_sms_sender",
        "international_presented_as_domestic",
        "service_number_with_foreign_prefix",
    }
)
#: Banks (95xxx) and carriers (100xx) do sometimes call out: for them a service number as
#: the caller is a warning sign in the reasons, not a verdict on its own.
_CALLS_OUT_SOMETIMES = frozenset({"service_95_96", "carrier_service"})
_NUMBER_TYPES = frozenset({"phone", "short_number"})


class ReportSource(Protocol):
    """Where report aggregates come from (the service's database, an audit's frame…)."""

    def stats_for_many(
        self, keys: Sequence[tuple[str, str]], now: datetime | None = None
    ) -> Mapping[tuple[str, str], ReportStats]: ...


class ContactChecker:
    """Assess contacts against a registry, report aggregates and the number risk model."""

    def __init__(
        self,
        registry: Registry | None = None,
        number_model: NumberModel | None = None,
        numbers: NumberAnalyzer | None = None,
        reports: ReportSource | None = None,
    ):
        self.registry = registry or Registry()
        self.number_model = number_model
        self.numbers = numbers or default_analyzer()
        self.reports = reports

    @classmethod
    def load(
        cls,
        registry: Registry | None = None,
        reports: ReportSource | None = None,
        number_model_dir=None,
    ) -> ContactChecker:
        return cls(registry, load_number_model(number_model_dir), reports=reports)

    # The one entry point for a value typed by a person or sent by an API client.
    def check(
        self,
        value: str,
        type: str | None = None,
        *,
        claimed_org: str | None = None,
        channel: str | None = None,
        now: datetime | None = None,
    ) -> ContactAssessment:
        contact = parse_contact(value, type)
        return self.assess_many([contact], claimed_org=claimed_org, channel=channel, now=now)[0]

    def assess_many(
        self,
        contacts: Sequence[Contact],
        *,
        claimed_org: str | None = None,
        claimed_orgs: Sequence[str] = (),
        channel: str | None = None,
        now: datetime | None = None,
    ) -> list[ContactAssessment]:
        """Assess contacts (e.g. all those found in one message) with one report query."""
        if not contacts:
            return []
        stats: Mapping[tuple[str, str], ReportStats] = {}
        if self.reports is not None:
            stats = self.reports.stats_for_many([c.key for c in contacts], now=now)
        claimed = self._claimed(claimed_org, claimed_orgs)
        return [
            self.assess(c, claimed=claimed, channel=channel, stats=stats.get(c.key), now=now)
            for c in contacts
        ]

    def _claimed(self, claimed_org: str | None, claimed_orgs: Sequence[str]) -> tuple[str, ...]:
        names = [claimed_org] if claimed_org else []
        names.extend(claimed_orgs)
        out: dict[str, None] = {}
        for name in names:
            org = self.registry.organization(name)
            # An organisation we do not know is still a claim: nothing can be official for it.
            out.setdefault(org.slug if org else name.strip(), None)
        return tuple(out)

    def assess(
        self,
        contact: Contact,
        *,
        claimed: Sequence[str] = (),
        channel: str | None = None,
        stats: ReportStats | None = None,
        now: datetime | None = None,
        risk: float | None = None,
        info: NumberInfo | None = None,
    ) -> ContactAssessment:
        """Assess one contact. Audits pass ``risk`` (from one vectorized model call) and
        ``info`` (already analyzed) so nothing is computed twice."""
        reasons: list[Reason] = []
        official_for = self.registry.orgs_for(contact)
        official_ok = bool(official_for) and (not claimed or bool(set(claimed) & set(official_for)))

        if info is None and contact.type in _NUMBER_TYPES:
            domestic = any(self._region(o) == "CN" for o in claimed) or bool(official_for)
            info = self.numbers.analyze(
                contact.normalized, channel=channel, presented_as_domestic=domestic
            )
        if info is not None:
            reasons.extend(info.reasons)

        if official_for:
            names = ", ".join(self._name(o) for o in official_for)
            reasons.append(Reason("official_contact", f"Listed as an official contact of {names}."))
        for org in claimed:
            if org not in official_for:
                msg = f"Not an official contact of {self._name(org)}, the claimed sender."
                if official_for:
                    msg += f" It belongs to {', '.join(self._name(o) for o in official_for)}."
                reasons.append(Reason("not_official_for_claimed_org", msg))
        reasons.extend(self._lookalike(contact, official_for))

        stats = stats or ReportStats()
        if risk is None:
            risk = self._risk(info, contact, stats, bool(official_for), now)
        if stats.count:
            reasons.append(self._report_reason(stats, bool(official_for)))

        codes = {r.code for r in reasons}
        if info is not None and info.line_class in _CALLS_OUT_SOMETIMES:
            codes.discard("service_line_as_caller")
        thresholds = self.number_model.thresholds if self.number_model else {}
        suspicious_at = thresholds.get("suspicious", 0.5)
        known_at = thresholds.get("known_scam", 0.9)
        if info is not None and info.line_class == "invalid":
            verdict = "invalid"
        elif official_ok and not codes & STRONG_NUMBER_REASONS:
            verdict = "official"
        elif (
            not official_for
            and risk >= known_at
            and stats.distinct_reporters >= MIN_REPORTERS_FOR_KNOWN_SCAM
        ):
            verdict = "known_scam"
        elif (
            (risk >= suspicious_at and not official_for)
            or codes & STRONG_NUMBER_REASONS
            or codes & {"not_official_for_claimed_org", "lookalike_domain"}
        ):
            verdict = "suspicious"
        else:
            verdict = "unverified"
        return ContactAssessment(
            value=contact.value,
            normalized=contact.normalized,
            type=contact.type,
            verdict=verdict,
            risk=risk,
            official_for=official_for,
            reasons=tuple(reasons),
            number=info,
            reports=stats if stats.count else None,
            start=contact.start,
            end=contact.end,
        )

    def _risk(
        self,
        info: NumberInfo | None,
        contact: Contact,
        stats: ReportStats,
        official: bool,
        now: datetime | None,
    ) -> float:
        if self.number_model is None:
            return 0.0
        number = contact.type in _NUMBER_TYPES and info is not None
        line_class = info.line_class if number else None
        valid = info.valid if number else False
        # Risk depends on the report timestamps only through ages: to the hour is plenty, and
        # a contact without reports does not depend on the time at all.
        hour = None
        if stats.count:
            hour = (now or datetime.now(UTC)).replace(minute=0, second=0, microsecond=0)
        return self._cached_risk(line_class, valid, official, stats, hour)

    @lru_cache(maxsize=65_536)  # noqa: B019 - one checker lives as long as the process
    def _cached_risk(
        self,
        line_class: str | None,
        valid: bool,
        official: bool,
        stats: ReportStats,
        hour: datetime | None,
    ) -> float:
        info = None
        if line_class is not None:
            info = NumberInfo("", None, valid, valid, None, None, None, line_class)
        # Same value as predict_risk(features_for_one(...))[0], without a DataFrame.
        return self.number_model.risk_for_one(info, stats, official, hour)

    @staticmethod
    def _report_reason(stats: ReportStats, official: bool) -> Reason:
        summary = (
            f"{stats.count} report(s) from {stats.distinct_reporters} reporter(s), "
            f"{stats.count_30d} in the last 30 days"
        )
        if not official:
            return Reason("reported", f"Reported by users: {summary}.")
        if stats.flagged_share >= 0.5 or stats.distinct_reporters >= SPOOFING_REPORTERS:
            return Reason(
                "spoofing_suspected",
                f"An official line reported as a scam ({summary}): someone is probably "
                "impersonating this number; the line itself is not flagged.",
            )
        return Reason(
            "malicious_marking",
            f"An official line marked by users ({summary}) without scam evidence in the "
            "reports: likely mis-marking; the line itself is not flagged.",
        )

    def _lookalike(self, contact: Contact, official_for: Sequence[str]) -> list[Reason]:
        """A domain that embeds an official domain's name without being it."""
        if contact.type != "url" or official_for:
            return []
        host = (contact.detail or contact.normalized).lower()
        out = []
        for entry in self.registry.contacts:
            if entry.type != "url":
                continue
            label = entry.normalized.split(".", 1)[0]
            if len(label) >= 4 and label in host and entry.org not in {r for r in out}:
                out.append(entry.org)
        return [
            Reason(
                "lookalike_domain",
                f"Looks like the official domain of {self._name(org)} but is not one.",
            )
            for org in out
        ]

    def _name(self, slug: str) -> str:
        org = self.registry.organization(slug)
        return org.name if org else slug

    def _region(self, slug: str) -> str | None:
        org = self.registry.organization(slug)
        return org.region if org else None
