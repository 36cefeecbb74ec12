"""Report aggregates of a few contacts in plain Python, for the service's request path.

:func:`detector.reports.aggregate_reports` is the definition (vectorized pandas, for audits
over millions of rows). The service aggregates the handful of reports of the contacts in one
message; building a DataFrame for that costs more than the arithmetic and would load pandas
(90 MB with pyarrow) into every worker. :func:`stats_by_contact` computes the same
:class:`~detector.results.ReportStats`, rule for rule: each named reporter counts once with
their freshest report, anonymous reports count half each, evidence decays with the
half-life, reports dated after ``now`` count as of ``now``. Tests compare the two on random
report sets.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import UTC, datetime

from detector.reports import ANONYMOUS_WEIGHT, HALF_LIFE_DAYS, Report
from detector.results import ReportStats


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _stats(reports: list[Report], now: datetime, half_life_days: float) -> ReportStats:
    stamps = [_utc(r.reported_at) for r in reports]
    ages = [max((now - at).total_seconds() / 86400.0, 0.0) for at in stamps]
    decays = [math.pow(0.5, age / half_life_days) for age in ages]
    freshest: dict[str, float] = {}
    anonymous: list[float] = []
    for report, decay in zip(reports, decays, strict=True):
        if report.reporter_hash is None:
            anonymous.append(decay)
        elif decay > freshest.get(report.reporter_hash, -1.0):
            freshest[report.reporter_hash] = decay
    flags = [float(r.flagged) for r in reports if r.flagged is not None]
    weighted = math.fsum(freshest.values()) + math.fsum(anonymous) * ANONYMOUS_WEIGHT
    return ReportStats(
        count=len(reports),
        distinct_reporters=len(freshest) + len(anonymous),
        first_seen=min(stamps).isoformat(),
        last_seen=max(stamps).isoformat(),
        count_7d=sum(age <= 7 for age in ages),
        count_30d=sum(age <= 30 for age in ages),
        flagged_share=sum(flags) / len(flags) if flags else 0.0,
        weighted=weighted,
    )


def stats_by_contact(
    reports: Iterable[Report],
    now: datetime | None = None,
    half_life_days: float = HALF_LIFE_DAYS,
) -> dict[tuple[str, str], ReportStats]:
    """``{(type, normalized): ReportStats}`` of the contacts the reports name."""
    now_utc = _utc(now or datetime.now(UTC))
    groups: dict[tuple[str, str], list[Report]] = {}
    for report in reports:
        groups.setdefault((str(report.type), str(report.normalized)), []).append(report)
    return {key: _stats(group, now_utc, half_life_days) for key, group in groups.items()}
