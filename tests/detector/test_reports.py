"""Report aggregates: one reporter counts once, evidence decays, dates and ids are handled."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from detector.errors import InvalidInputError
from detector.reports import (
    ANONYMOUS_WEIGHT,
    HALF_LIFE_DAYS,
    Report,
    aggregate_reports,
    hash_reporter,
    reports_frame,
    stats_for,
)

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
KEY = ("phone", "+8613800138000")


def rep(days: float, reporter: str | None = "r1", flagged: bool | None = None, key=KEY) -> Report:
    return Report(key[0], key[1], NOW - timedelta(days=days), reporter, flagged=flagged)


@pytest.mark.parametrize(
    ("reports", "count", "distinct", "c7", "c30", "weighted"),
    [
        ([], 0, 0, 0, 0, 0.0),
        ([rep(0)], 1, 1, 1, 1, 1.0),
        ([rep(0), rep(0), rep(0)], 3, 1, 3, 3, 1.0),  # one reporter, three reports: one unit
        ([rep(0, "a"), rep(0, "b")], 2, 2, 2, 2, 2.0),
        ([rep(HALF_LIFE_DAYS, "a")], 1, 1, 0, 1, 0.5),  # one half-life old: half the weight
        ([rep(2 * HALF_LIFE_DAYS, "a")], 1, 1, 0, 0, 0.25),
        ([rep(0, None)], 1, 1, 1, 1, ANONYMOUS_WEIGHT),
        ([rep(40, "a"), rep(1, "a")], 2, 1, 1, 1, 0.5 ** (1 / HALF_LIFE_DAYS)),  # freshest counts
        ([rep(-3, "a")], 1, 1, 1, 1, 1.0),  # a future date counts as now
    ],
)
def test_when_reports_aggregate_then_counts_and_weight(reports, count, distinct, c7, c30, weighted):
    stats = stats_for(reports, now=NOW)
    assert (stats.count, stats.distinct_reporters, stats.count_7d, stats.count_30d) == (
        count,
        distinct,
        c7,
        c30,
    )
    assert stats.weighted == pytest.approx(weighted, rel=1e-6)


def test_when_texts_flagged_then_share_counts_only_scored_texts():
    stats = stats_for([rep(1, "a", True), rep(1, "b", False), rep(1, "c", None)], now=NOW)
    assert stats.flagged_share == pytest.approx(0.5)


def test_when_first_and_last_seen_then_iso_utc():
    stats = stats_for([rep(10, "a"), rep(1, "b")], now=NOW)
    assert stats.first_seen == (NOW - timedelta(days=10)).isoformat()
    assert stats.last_seen == (NOW - timedelta(days=1)).isoformat()


def test_when_reports_of_two_contacts_then_stats_for_refuses():
    with pytest.raises(InvalidInputError):
        stats_for([rep(1), rep(1, key=("qq", "12345678"))], now=NOW)


def test_when_many_contacts_then_one_row_each_matching_single_contact_stats():
    reports = [rep(d, f"r{d % 3}", key=("qq", str(10000 + d % 4))) for d in range(20)]
    table = aggregate_reports(reports_frame(reports), now=NOW)
    assert len(table) == 4
    for (_type, value), row in table.iterrows():
        one = stats_for([r for r in reports if r.normalized == value], now=NOW)
        assert row["count"] == one.count
        assert row["weighted"] == pytest.approx(one.weighted)


def test_when_naive_timestamps_then_treated_as_utc():
    frame = pd.DataFrame(
        {"type": ["qq"], "normalized": ["12345"], "reported_at": ["2026-11-26 12:00:00"]}
    )
    table = aggregate_reports(frame, now=NOW)
    assert table.iloc[0]["count_7d"] == 1
    assert table.iloc[0]["distinct_reporters"] == 1  # no reporter column: anonymous


def test_when_hashing_reporters_then_keyed_and_stable():
    a = hash_reporter("user-42", "s" * 16)
    assert a == hash_reporter("user-42", "s" * 16)
    assert a != hash_reporter("user-42", "t" * 16)
    assert "user-42" not in a
    with pytest.raises(InvalidInputError):
        hash_reporter("user-42", "")


@settings(max_examples=100, deadline=None)
@given(
    ages=st.lists(st.floats(min_value=0, max_value=400), min_size=1, max_size=12),
    extra=st.floats(min_value=0, max_value=400),
)
def test_property_a_new_reporter_never_lowers_the_evidence(ages, extra):
    base = [rep(a, f"r{i}") for i, a in enumerate(ages)]
    before = stats_for(base, now=NOW)
    after = stats_for([*base, rep(extra, "newcomer")], now=NOW)
    assert after.weighted >= before.weighted
    assert after.distinct_reporters == before.distinct_reporters + 1
