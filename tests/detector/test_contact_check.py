"""ContactAssessment: registry, claims, channel rules, reports and the number model together."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from detector.contact_check import ContactChecker
from detector.registry import demo_registry
from detector.reports import Report, stats_for
from detector.results import ReportStats

NOW = datetime(2026, 11, 27, tzinfo=UTC)


class FakeReports:
    """A ReportSource over a list, as the service's store is over its table."""

    def __init__(self, reports):
        self.reports = reports

    def stats_for_many(self, keys, now=None):
        out = {}
        for key in keys:
            mine = [r for r in self.reports if (r.type, r.normalized) == key]
            if mine:
                out[key] = stats_for(mine, now=now)
        return out


def reports_against(key, n_reporters, flagged=True, days=1):
    return [
        Report(key[0], key[1], NOW - timedelta(days=days), f"r{i}", flagged=flagged)
        for i in range(n_reporters)
    ]


@pytest.fixture(scope="module")
def checker():
    return ContactChecker.load(demo_registry())


def codes(assessment):
    return {r.code for r in assessment.reasons}


@pytest.mark.parametrize(
    ("value", "type_", "claimed", "channel", "verdict", "must_have"),
    [
        # The platform's real contacts, claimed or not.
        ("400-820-5678", None, None, None, "official", {"official_contact"}),
        ("400-820-5678", None, "示例卡盟", "chat", "official", {"official_contact"}),
        # 400/800 lines do not send SMS: a text from one is spoofed.
        ("400-820-5678", None, "示例卡盟", "sms", "suspicious", {"service_line_as_sms_sender"}),
        # Banks and carriers do call out sometimes: a warning reason, not a verdict.
        ("95588", None, None, "call", "unverified", {"service_line_as_caller"}),
        ("800012345", "qq", "示例卡盟", None, "official", {"official_contact"}),
        ("https://kefu.kameng-demo.com/refund", None, "KamengDemo", None, "official", set()),
        # A real line of one organisation presented as another's.
        ("400-690-1234", None, "示例卡盟", None, "suspicious", {"not_official_for_claimed_org"}),
        # Unknown contacts that claim the platform.
        ("13912345678", None, "示例卡盟", "call", "suspicious", {"not_official_for_claimed_org"}),
        (
            "kefu_kameng888",
            "wechat",
            "示例卡盟",
            None,
            "suspicious",
            {"not_official_for_claimed_org"},
        ),
        ("800099999", "qq", "demo-kameng", None, "suspicious", {"not_official_for_claimed_org"}),
        # Look-alike domains.
        ("kameng-demo-refund.cn", None, None, None, "suspicious", {"lookalike_domain"}),
        # A service line shown as a caller is spoofed, even the official one.
        ("400-820-5678", None, None, "call", "suspicious", {"service_line_as_caller"}),
        # Nothing known, nothing claimed.
        ("13912345678", None, None, None, "unverified", set()),
        ("example.org", None, None, None, "unverified", set()),
        # Not a working number.
        ("99999999999", "phone", None, None, "invalid", {"invalid_number"}),
    ],
)
def test_when_contact_checked_then_verdict_and_reasons(
    checker, value, type_, claimed, channel, verdict, must_have
):
    a = checker.check(value, type_, claimed_org=claimed, channel=channel, now=NOW)
    assert a.verdict == verdict, a.reasons
    assert must_have <= codes(a)
    assert 0.0 <= a.risk <= 1.0


def test_when_official_then_official_for_names_the_org(checker):
    a = checker.check("support@kameng-demo.com")
    assert a.official_for == ("demo-kameng",)
    assert a.to_dict()["official_for"] == ["demo-kameng"]


def test_when_phone_then_number_facts_in_dict(checker):
    out = checker.check("+86 138 0013 8000").to_dict()
    assert out["number"]["e164"] == "+8613800138000"
    assert out["number"]["line_type"] == "mobile"
    assert out["type"] == "phone"


def test_when_many_fresh_reporters_then_known_scam():
    key = ("phone", "+8617012345678")
    checker = ContactChecker.load(demo_registry(), FakeReports(reports_against(key, 40)))
    a = checker.check("17012345678", now=NOW)
    assert a.verdict == "known_scam"
    assert "reported" in codes(a)
    assert a.reports.distinct_reporters == 40


def test_when_two_reports_then_not_condemned():
    key = ("phone", "+8613912345678")
    checker = ContactChecker.load(demo_registry(), FakeReports(reports_against(key, 2)))
    a = checker.check("13912345678", now=NOW)
    assert a.verdict in ("unverified", "suspicious")
    assert a.verdict != "known_scam"


@pytest.mark.parametrize(
    ("reporters", "flagged", "code"),
    [
        (60, True, "spoofing_suspected"),  # reports read like scams
        (60, False, "spoofing_suspected"),  # many independent victims in their own words
        (3, False, "malicious_marking"),  # a few reports with no scam evidence
    ],
)
def test_when_official_line_is_reported_then_never_flagged(reporters, flagged, code):
    key = ("phone", "+864008205678")
    reports = FakeReports(reports_against(key, reporters, flagged=flagged))
    a = ContactChecker.load(demo_registry(), reports).check("400-820-5678", now=NOW)
    assert a.verdict == "official"
    assert code in codes(a)


def test_when_more_reporters_then_risk_never_lower():
    key = ("phone", "+8613912345678")
    risks = []
    for n in (0, 1, 2, 3, 5, 10, 30, 100):
        checker = ContactChecker.load(demo_registry(), FakeReports(reports_against(key, n)))
        risks.append(checker.check("13912345678", now=NOW).risk)
    assert risks == sorted(risks)


def test_when_messages_contacts_checked_together_then_one_report_query():
    calls = []

    class Counting(FakeReports):
        def stats_for_many(self, keys, now=None):
            calls.append(list(keys))
            return super().stats_for_many(keys, now)

    from detector.contacts import default_extractor

    checker = ContactChecker.load(demo_registry(), Counting([]))
    found = default_extractor().extract("加QQ 800099999 或拨打 13912345678")
    out = checker.assess_many(found, claimed_org="示例卡盟")
    assert len(calls) == 1 and len(calls[0]) == 2
    assert [a.verdict for a in out] == ["suspicious", "suspicious"]


def test_when_no_reports_then_reports_field_is_none(checker):
    assert checker.check("13912345678").reports is None
    assert ReportStats().count == 0
