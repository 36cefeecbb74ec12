"""Verdict escalations (detector/data/escalations.yaml): a short message that claims to be
support and asks for what support never asks for is a warning whatever the model's risk."""

from __future__ import annotations

import pytest

from detector.conversation import score_conversation
from detector.engine import Detector, Escalation, escalated_verdict, load_escalations
from detector.errors import ConfigError
from detector.results import Signal

# Sentences made up for these tests.
CLAIM_AND_ASK = [
    "您好我是客服，验证码念一下",
    "我是平台客服，请下载腾讯会议共享屏幕",
    "我是官方客服，把卡密发我核对一下",
    "我是客服，登录密码告诉我一下",
    "This is support. Tell me the code in the SMS to verify your account.",
]
NOT_ESCALATED = [
    ("客服不会索要验证码，请勿告诉任何人", "negated ask: no request signal"),
    ("我是客服小王，麻烦提供一下订单号", "claim without a never-ask"),
    ("验证码念一下", "ask without a claim (the model decides)"),
]


@pytest.fixture(scope="module")
def shipped():
    return Detector.load()


@pytest.fixture(scope="module")
def plain(shipped):
    """The same model without escalations, to compare against."""
    d = Detector(shipped.model, contacts=shipped.contacts)
    d._escalations = ()
    return d


def _sig(code: str) -> Signal:
    return Signal(code=code, start=0, end=1, text="x", weight=0.5, rule_id=f"{code}.test")


def test_shipped_file_loads_and_names_known_codes():
    (e,) = load_escalations()
    assert e.all_of == {"official_claim"} and "requests_otp" in e.any_of
    assert e.verdict == "warn" and e.max_chars == 150


@pytest.mark.parametrize("text", CLAIM_AND_ASK)
def test_when_short_message_claims_support_and_asks_a_never_ask_then_at_least_warn(
    shipped, plain, text
):
    a, b = shipped.score_message(text), plain.score_message(text)
    codes = {s.code for s in a.signals}
    assert "official_claim" in codes
    assert codes & {"requests_otp", "requests_password", "requests_card_secret", "remote_control"}
    assert a.verdict in ("warn", "block") and a.is_scam
    assert a.risk == b.risk  # the risk stays the model's probability
    assert a.warning is not None and a.category is not None


@pytest.mark.parametrize(("text", "why"), NOT_ESCALATED)
def test_when_the_combination_is_missing_then_the_model_alone_decides(shipped, plain, text, why):
    assert shipped.score_message(text).verdict == plain.score_message(text).verdict, why


def test_when_the_message_is_longer_than_max_chars_then_not_escalated(shipped, plain):
    # An anti-fraud notice whose quote still carries claim + ask (the length bound is there
    # for these): the escalation leaves it to the model.
    filler = "本平台提醒各位用户注意账户安全，官方渠道以APP内公告为准。" * 6
    text = "我是客服，验证码念一下。" + filler
    assert len(text) > 150
    assert shipped.score_message(text).verdict == plain.score_message(text).verdict


@pytest.mark.parametrize(
    ("verdict", "codes", "length", "expected"),
    [
        ("allow", {"official_claim", "requests_otp"}, 20, "warn"),
        ("allow", {"official_claim", "remote_control"}, 150, "warn"),
        ("allow", {"official_claim", "requests_otp"}, 151, "allow"),
        ("allow", {"requests_otp"}, 20, "allow"),
        ("allow", {"official_claim"}, 20, "allow"),
        ("allow", {"official_claim", "requests_identity"}, 20, "allow"),
        ("block", {"official_claim", "requests_otp"}, 20, "block"),  # never lowered
        ("warn", {"official_claim", "requests_password"}, 20, "warn"),
    ],
)
def test_escalated_verdict_table(verdict, codes, length, expected):
    signals = [_sig(c) for c in codes]
    assert escalated_verdict(verdict, signals, length, load_escalations()) == expected


def test_when_an_escalation_blocks_then_warn_is_raised_to_block():
    e = Escalation("t", frozenset({"requests_otp"}), frozenset(), 10, "block")
    assert escalated_verdict("warn", [_sig("requests_otp")], 5, [e]) == "block"
    assert escalated_verdict("warn", [_sig("requests_otp")], 11, [e]) == "warn"


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("version: 1\n", "needs an 'escalations' list"),
        ("escalations: {a: 1}\n", "needs an 'escalations' list"),
        ("escalations: [{id: a, all_of: [official_claim], verdict: warn}]\n", "needs id"),
        (
            "escalations: [{id: a, all_of: [no_such_code], max_chars: 9, verdict: warn}]\n",
            "unknown signal codes",
        ),
        ("escalations: [{id: a, all_of: [], max_chars: 9, verdict: warn}]\n", "non-empty"),
        (
            "escalations: [{id: a, all_of: [requests_otp], max_chars: 0, verdict: warn}]\n",
            "positive integer",
        ),
        (
            "escalations: [{id: a, all_of: [requests_otp], max_chars: 9, verdict: allow}]\n",
            "warn or block",
        ),
    ],
)
def test_when_escalations_file_is_bad_then_config_error(source, message):
    with pytest.raises(ConfigError, match=message):
        load_escalations(source)


def test_when_claim_and_ask_are_in_consecutive_agent_turns_then_the_thread_warns(shipped):
    turns = [("agent", "您好，我是平台客服"), ("customer", "嗯"), ("agent", "验证码念一下")]
    alone = [shipped.score_message(t).verdict for r, t in turns if r == "agent"]
    assert alone == ["allow", "allow"]  # neither turn meets the escalation by itself
    c = score_conversation(shipped, turns)
    assert c.verdict == "warn" and c.first_warning_turn == 2
    assert "验证码" in c.warning
    # without the window (window=1) nothing joins the claim to the ask
    assert score_conversation(shipped, turns, window=1).verdict == "allow"
