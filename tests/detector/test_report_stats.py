"""The service's plain-Python report aggregates equal aggregate_reports (the definition)."""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from detector.report_stats import stats_by_contact
from detector.reports import Report, aggregate_reports, reports_frame, stats_from_row

NOW = datetime(2025, 6, 1, 12, 30, tzinfo=UTC)


def _random_reports(seed: int) -> list[Report]:
    rng = np.random.default_rng(seed)
    contacts = [("phone", "+8613812345678"), ("qq", "12345678"), ("url", "pay-help.top")]
    out = []
    for _ in range(int(rng.integers(1, 60))):
        kind, value = contacts[int(rng.integers(0, len(contacts)))]
        age = timedelta(
            days=float(rng.choice([rng.exponential(15), 7.0, 30.0, -2.0])),
            microseconds=int(rng.integers(0, 10**6)),
        )
        at = NOW - age
        if rng.random() < 0.2:
            at = at.replace(tzinfo=None)  # naive means UTC, as stored by SQLite
        out.append(
            Report(
                kind,
                value,
                at,
                reporter_hash=[None, "r1", "r2", "r3", "r4"][int(rng.integers(0, 5))],
                flagged=[None, True, False][int(rng.integers(0, 3))],
            )
        )
    return out


@pytest.mark.parametrize("seed", range(40))
def test_stats_by_contact_equals_aggregate_reports(seed):
    reports = _random_reports(seed)
    now = None if seed % 10 == 0 else NOW
    at = now or datetime.now(UTC)
    table = aggregate_reports(reports_frame(reports), now=at)
    expected = {key: stats_from_row(row) for key, row in table.iterrows()}
    got = stats_by_contact(reports, now=at)
    assert set(got) == set(expected)
    for key, stats in got.items():
        want = asdict(expected[key])
        have = asdict(stats)
        assert have.pop("weighted") == pytest.approx(want.pop("weighted"), rel=1e-12, abs=1e-15)
        assert have.pop("flagged_share") == pytest.approx(want.pop("flagged_share"), rel=1e-15)
        assert have == want


def test_no_reports_means_no_contacts():
    assert stats_by_contact([], now=NOW) == {}
