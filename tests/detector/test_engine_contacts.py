"""Contacts inside messages: found with spans, checked, and raising the verdict under a claim."""

from __future__ import annotations

import pytest

from detector.contact_check import ContactChecker
from detector.engine import Detector, load_warnings
from detector.registry import demo_registry


@pytest.fixture(scope="module")
def detector(tiny_model_dir):
    from detector.model import load_message_model

    return Detector(
        load_message_model(tiny_model_dir), contacts=ContactChecker.load(demo_registry())
    )


def test_when_claimed_org_and_foreign_contact_then_warn_with_contact_warning(detector):
    text = "有问题请加QQ 800099999 联系"
    a = detector.score_message(text, claimed_org="示例卡盟")
    (contact,) = a.contacts
    assert contact["verdict"] == "suspicious"
    assert text[contact["start"] : contact["end"]] == "800099999"
    assert a.verdict in ("warn", "block") and a.is_scam
    if a.verdict == "warn" and a.risk < detector.warn_threshold:
        assert a.warning == load_warnings()["unofficial_contact"]["zh"]


def test_when_claimed_org_and_its_own_contact_then_verdict_unchanged(detector):
    text = "有问题请拨打 400-820-5678 联系"
    plain = detector.score_message(text)
    claimed = detector.score_message(text, claimed_org="示例卡盟")
    assert claimed.contacts[0]["verdict"] == "official"
    assert (claimed.verdict, claimed.risk) == (plain.verdict, plain.risk)


def test_when_no_claim_then_unknown_contact_does_not_raise_verdict(detector):
    text = "有问题请加QQ 800099999 联系"
    a = detector.score_message(text)
    assert a.contacts[0]["verdict"] == "unverified"
    assert a.verdict == Detector(detector.model).score_message(text).verdict


def test_when_with_contacts_false_then_no_contacts(detector):
    (a,) = detector.score_messages(["加QQ 800099999"], with_contacts=False)
    assert a.contacts == ()


def test_when_obfuscated_phone_in_message_then_found_with_original_span(detector):
    text = "客服电话：幺三八 零零一三 八零零零"
    (contact,) = detector.score_message(text).contacts
    assert contact["normalized"] == "+8613800138000"
    assert text[contact["start"] : contact["end"]] == contact["value"]
