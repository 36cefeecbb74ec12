"""Conversation scoring: running risk, the turn it turned risky, customer turns, validation."""

from __future__ import annotations

import json

import pytest

from detector.conversation import (
    MAX_TURNS,
    ROLES,
    ConversationAssessment,
    score_conversation,
)
from detector.engine import Detector, load_warnings
from detector.errors import InvalidInputError, TextTooLongError

# Conversations: lists of (role, text). Sentences made up for these tests.
BENIGN_ZH = [
    ("customer", "我昨天充的月卡到现在还没到账，怎么回事？"),
    ("agent", "您好，很高兴为您服务"),
    ("agent", "麻烦发一下订单号和付款的截图，我这边帮您查询"),
    ("customer", "你们这什么破平台，钱扣了东西没到，再不处理我就投诉！"),
    ("agent", "已经帮您提交加急处理了，预计半小时内到账"),
]
BENIGN_EN = [
    ("customer", "I paid two hours ago and still nothing! This is ridiculous."),
    ("agent", "Hi, thanks for contacting support. How can I help?"),
    ("agent", "Could you share the order number and a screenshot of the payment?"),
    ("customer", "Unbelievable. Fine, here it is."),
    ("agent", "Thanks, I have escalated it and it should arrive within the hour."),
]
SCAM_ZH = [
    ("agent", "您好，我是平台客服小王"),
    ("agent", "系统显示您的订单异常，需要给您办理退款"),
    ("customer", "好的，怎么退？"),
    ("agent", "这边退款需要加客服QQ 88776655 处理"),  # 3: the ask moves off the platform
    ("customer", "加了"),
    ("agent", "请把手机收到的验证码发我，我帮您操作退款"),
]
SCAM_EN = [
    ("customer", "Hi, I was charged twice for my order"),
    ("agent", "Hello, this is the platform support team."),
    ("agent", "Your order shows an abnormal status and needs a refund."),
    ("agent", "Please add our refund agent on WhatsApp +1 415 555 0134 to continue."),
    ("customer", "ok, done"),
    ("agent", "Send me the 6-digit code we just texted you so I can process the refund."),  # 5
]
# Two agent turns, a claim and a threat, with a customer turn between them.
SPREAD_EN = [
    ("agent", "This is Amazon support."),
    ("customer", "What happened?"),
    ("agent", "Your account will be suspended."),
]
REPORT_ZH = [
    ("customer", "有人自称客服让我把验证码发给他，这是真的吗？"),
    ("agent", "平台客服不会向您索要验证码，请不要告诉任何人"),
    ("customer", "他还让我加QQ 88776655，说订单异常要退款"),
    ("agent", "这是诈骗，请不要添加，我们已经记录了这个号码"),
]
REPORT_EN = [
    ("customer", "He told me: send me the code you received or your account will be suspended."),
    ("agent", "Real support never asks for your code. Please do not share it with anyone."),
]


def _dicts(turns):
    return [{"role": r, "text": t} for r, t in turns]


def _first_risky_agent_turn(detector, result: ConversationAssessment) -> int | None:
    """The first agent turn that is risky on its own or read with the agent turns before it."""
    for t in result.turns:
        if t.role == "agent" and (
            t.assessment.verdict != "allow" or t.context_risk >= detector.warn_threshold
        ):
            return t.index
    return None


@pytest.fixture
def count_calls(monkeypatch):
    """Wrap ``score_messages`` of a detector; returns the list of the text lists it got."""

    def install(detector):
        calls = []
        original = detector.score_messages

        def wrapper(texts, *args, **kwargs):
            calls.append(list(texts))
            return original(texts, *args, **kwargs)

        monkeypatch.setattr(detector, "score_messages", wrapper)
        return calls

    return install


@pytest.fixture(scope="module")
def contact_detector(tiny_model_dir):
    """The tiny model with the demo registry, so contacts can raise a verdict under a claim."""
    from detector.contact_check import ContactChecker
    from detector.model import load_message_model
    from detector.registry import demo_registry

    return Detector(
        load_message_model(tiny_model_dir), contacts=ContactChecker.load(demo_registry())
    )


# -- verdicts --


@pytest.mark.parametrize("turns", [BENIGN_ZH, BENIGN_EN], ids=["zh", "en"])
def test_when_benign_support_thread_then_allow_and_quiet(tiny_detector, turns):
    c = score_conversation(tiny_detector, _dicts(turns))
    assert (c.verdict, c.is_scam, c.first_warning_turn, c.warning) == ("allow", False, None, None)
    assert c.risk < tiny_detector.warn_threshold
    assert [(t.index, t.role) for t in c.turns] == [(i, r) for i, (r, _) in enumerate(turns)]
    assert all(t.context_risk == 0.0 for t in c.turns if t.role == "customer")


@pytest.mark.parametrize(
    ("turns", "dangerous", "lang_word"),
    [(SCAM_ZH, 3, "验证码"), (SCAM_EN, 5, "verification code")],
    ids=["zh", "en"],
)
def test_when_scam_turns_dangerous_then_first_warning_at_that_turn(
    tiny_detector, turns, dangerous, lang_word
):
    c = score_conversation(tiny_detector, _dicts(turns))
    assert c.verdict in ("warn", "block") and c.is_scam
    assert c.risk >= tiny_detector.warn_threshold
    assert c.first_warning_turn == dangerous
    assert c.first_warning_turn == _first_risky_agent_turn(tiny_detector, c)
    assert turns[c.first_warning_turn][0] == "agent"
    # The strongest request of the whole thread names the warning, in its language.
    assert lang_word in c.warning
    assert any(s["code"] == "requests_otp" for s in c.signals)


def test_when_agent_turns_follow_each_other_then_context_risk_is_the_joined_window(
    tiny_detector,
):
    c = score_conversation(tiny_detector, SPREAD_EN)
    agent = [t for t in c.turns if t.role == "agent"]
    assert agent[0].context_risk == 0.0  # the first agent turn has no window
    joined = "\n".join(text for role, text in SPREAD_EN if role == "agent")
    assert agent[1].context_risk == pytest.approx(tiny_detector.score_message(joined).risk)
    # the running risk is the largest of the agent turns' own and context risks
    assert c.risk == pytest.approx(max(max(t.assessment.risk, t.context_risk) for t in agent))
    alone = score_conversation(tiny_detector, SPREAD_EN, window=1)
    assert all(t.context_risk == 0.0 for t in alone.turns)
    assert alone.risk == pytest.approx(max(t.assessment.risk for t in agent))


@pytest.mark.parametrize("turns", [REPORT_ZH, REPORT_EN], ids=["zh", "en"])
def test_when_customer_reports_or_quotes_a_scam_then_allow(contact_detector, turns):
    c = score_conversation(contact_detector, _dicts(turns), claimed_org="示例卡盟")
    assert (c.verdict, c.first_warning_turn, c.warning) == ("allow", None, None)
    assert all(
        s["turn"] in {i for i, (r, _) in enumerate(turns) if r == "agent"} for s in c.signals
    )
    assert len(c.turns) == len(turns)


def test_when_customer_turn_is_risky_on_its_own_then_kept_but_not_counted(contact_detector):
    # Under a claim, the customer's quoted QQ number makes that turn "warn" by itself.
    c = score_conversation(contact_detector, REPORT_ZH, claimed_org="示例卡盟")
    quoted = c.turns[2]
    assert quoted.role == "customer" and quoted.assessment.verdict == "warn"
    assert quoted.assessment.contacts and quoted.context_risk == 0.0
    assert c.verdict == "allow"


def test_when_agent_gives_unofficial_contact_under_claim_then_warn(contact_detector):
    turns = [
        ("customer", "充值没到账"),
        ("agent", "您好，请问是哪一笔订单？"),
        ("agent", "我们售后的电话是 13800138000"),
    ]
    plain = score_conversation(contact_detector, turns)
    assert plain.verdict == "allow"
    c = score_conversation(contact_detector, turns, claimed_org="示例卡盟")
    assert c.turns[2].assessment.verdict == "warn"
    assert c.verdict in ("warn", "block") and c.first_warning_turn == 2
    # Raised by the contact alone (the text is harmless): the warning says what is wrong.
    assert c.risk < contact_detector.warn_threshold and c.signals == ()
    assert c.warning == load_warnings()["unofficial_contact"]["zh"]


def test_when_only_customer_turns_then_zero_risk(tiny_detector):
    c = score_conversation(tiny_detector, [("customer", "请把手机收到的验证码发我")])
    assert (c.risk, c.verdict, c.signals, c.turns[0].context_risk) == (0.0, "allow", (), 0.0)


# -- roles and input shapes --


@pytest.mark.parametrize(
    ("given", "role"),
    [
        ("agent", "agent"),
        ("Support", "agent"),
        ("KEFU", "agent"),
        (" staff ", "agent"),
        ("customer", "customer"),
        ("User", "customer"),
        ("buyer", "customer"),
    ],
)
def test_when_role_alias_then_canonical_role(tiny_detector, given, role):
    c = score_conversation(tiny_detector, [{"role": given, "text": "您好"}])
    assert c.turns[0].role == role in ROLES


def test_when_pairs_or_mappings_then_same_result(tiny_detector):
    aliased = [("kefu" if r == "agent" else "buyer", t) for r, t in SCAM_ZH]
    results = [
        score_conversation(tiny_detector, SCAM_ZH).to_dict(),
        score_conversation(tiny_detector, _dicts(SCAM_ZH)).to_dict(),
        score_conversation(tiny_detector, [list(p) for p in aliased]).to_dict(),
    ]
    assert results[0] == results[1] == results[2]


TOO_LONG = object()  # placeholder: a text one character over the detector's limit


@pytest.mark.parametrize(
    ("turns", "error", "turn"),
    [
        ([], InvalidInputError, None),
        ("agent: hello", InvalidInputError, None),
        ([("agent", "hi")] * (MAX_TURNS + 1), InvalidInputError, MAX_TURNS),
        ([("agent", "hi"), ("scammer", "hi")], InvalidInputError, 1),
        ([("agent", "hi"), ("customer", "hi"), (None, "hi")], InvalidInputError, 2),
        ([("agent", "hi"), ("agent", None)], InvalidInputError, 1),
        ([("agent", "hi"), ("agent", b"hi")], InvalidInputError, 1),
        ([("agent", 42)], InvalidInputError, 0),
        ([("agent", "hi"), {"role": "agent"}], InvalidInputError, 1),
        ([("agent", "hi"), "hello"], InvalidInputError, 1),
        ([("agent", "hi", "extra")], InvalidInputError, 0),
        ([("agent", "hi"), ("customer", TOO_LONG)], TextTooLongError, 1),
    ],
    ids=[
        "empty",
        "not-a-list",
        "too-many",
        "bad-role",
        "none-role",
        "none-text",
        "bytes-text",
        "int-text",
        "missing-text",
        "bare-string-turn",
        "triple",
        "too-long",
    ],
)
def test_when_invalid_turns_then_error_names_the_turn(tiny_detector, turns, error, turn):
    if isinstance(turns, list):
        too_long = "x" * (tiny_detector.max_chars + 1)
        turns = [
            (t[0], too_long) if isinstance(t, tuple) and t[-1] is TOO_LONG else t for t in turns
        ]
    with pytest.raises(error) as info:
        score_conversation(tiny_detector, turns)
    if turn is None:
        assert "turn" not in info.value.details
    else:
        assert info.value.details["turn"] == turn
        assert f"turn {turn}" in info.value.message
    json.dumps(info.value.to_dict())


@pytest.mark.parametrize("window", [0, -1, 11, 2.0, True, "3"])
def test_when_bad_window_then_error(tiny_detector, window):
    with pytest.raises(InvalidInputError):
        score_conversation(tiny_detector, SCAM_ZH, window=window)


def test_when_exactly_max_turns_then_scored(tiny_detector):
    c = score_conversation(
        tiny_detector, [("agent", "好的"), ("customer", "嗯")] * (MAX_TURNS // 2)
    )
    assert len(c.turns) == MAX_TURNS


# -- output shape and evidence --


@pytest.mark.parametrize("turns", [SCAM_ZH, SCAM_EN, BENIGN_ZH, SPREAD_EN])
def test_to_dict_is_json_and_signal_spans_point_into_their_turn(tiny_detector, turns):
    c = score_conversation(tiny_detector, turns)
    d = json.loads(json.dumps(c.to_dict(), ensure_ascii=False))
    assert set(d) == {
        "risk",
        "verdict",
        "is_scam",
        "first_warning_turn",
        "turns",
        "signals",
        "warning",
        "model_version",
    }
    assert d["model_version"] == tiny_detector.model_version
    for i, t in enumerate(d["turns"]):
        assert (t["index"], t["role"]) == (i, turns[i][0])
        assert {"context_risk", "risk", "verdict", "signals", "contacts"} <= set(t)
        for s in t["signals"]:
            assert turns[i][1][s["start"] : s["end"]] == s["text"]
    for s in d["signals"]:
        assert turns[s["turn"]][0] == "agent"
        assert turns[s["turn"]][1][s["start"] : s["end"]] == s["text"]
    keys = [(s["turn"], s["code"], s["start"], s["end"]) for s in d["signals"]]
    assert len(keys) == len(set(keys))


def test_at_most_two_vectorized_calls_and_windows_hold_agent_text_only(tiny_detector, count_calls):
    calls = count_calls(tiny_detector)
    score_conversation(tiny_detector, SCAM_ZH, window=3)
    assert len(calls) == 2
    assert calls[0] == [t for _, t in SCAM_ZH]
    agent = [t for r, t in SCAM_ZH if r == "agent"]
    expected = ["\n".join(agent[max(0, k - 2) : k + 1]) for k in range(1, len(agent))]
    assert calls[1] == expected

    calls.clear()
    score_conversation(tiny_detector, [("agent", "您好"), ("customer", "验证码是多少")])
    assert len(calls) == 1  # one agent turn: no window to score


def test_when_window_is_longer_than_limit_then_keeps_the_recent_text(tiny_model_dir, count_calls):
    from detector.model import load_message_model

    small = Detector(load_message_model(tiny_model_dir), max_chars=30)
    turns = [
        ("agent", "您好，我是平台客服小王，请问有什么可以帮您"),
        ("agent", "系统显示您的订单异常，需要给您办理退款"),
        ("agent", "请把手机收到的验证码发我"),
    ]
    calls = count_calls(small)
    c = score_conversation(small, turns)
    windows = calls[1]
    assert all(len(w) <= 30 for w in windows)
    assert windows[-1].endswith(turns[-1][1])
    for s in c.signals:
        assert turns[s["turn"]][1][s["start"] : s["end"]] == s["text"]


# -- shipped model: sanity only (slower) --


@pytest.fixture(scope="module")
def shipped_detector():
    return Detector.load()


def test_shipped_model_flags_the_scam_thread_by_the_off_platform_turn(shipped_detector):
    c = score_conversation(shipped_detector, SCAM_ZH)
    assert c.verdict in ("warn", "block")
    assert 1 <= c.first_warning_turn <= 3
    assert c.first_warning_turn == _first_risky_agent_turn(shipped_detector, c)


def test_shipped_model_keeps_a_benign_thread_with_claim_and_refund_quiet(shipped_detector):
    turns = [
        ("customer", "月卡充值失败了，钱扣了，你们再不处理我就投诉！"),
        ("agent", "您好，我是平台客服小王"),
        ("agent", "麻烦发一下订单号和付款的截图，我这边帮您查询"),
        ("agent", "查到了，您的充值失败了，已经给您原路退款"),
        ("agent", "非常抱歉给您带来不便，我们会尽快处理"),
        *REPORT_ZH,
    ]
    c = score_conversation(shipped_detector, turns)
    assert (c.verdict, c.first_warning_turn) == ("allow", None)


# No single turn of this thread asks for anything; read together they walk the victim into a
# "百万保障" cancellation in a payment app. Made up for this test.
SPREAD_ZH = [
    ("agent", "我是抖音客服"),
    ("customer", "嗯"),
    ("agent", "您的百万保障服务今天到期，不关闭会影响征信"),
    ("agent", "我教您在支付宝里操作一下"),
]


def test_shipped_model_warns_when_the_ask_is_spread_over_agent_turns(shipped_detector):
    c = score_conversation(shipped_detector, SPREAD_ZH)
    agent = [t for t in c.turns if t.role == "agent"]
    assert all(t.assessment.verdict == "allow" for t in agent)  # no single turn says enough
    assert c.verdict in ("warn", "block") and c.first_warning_turn in (2, 3)
    assert score_conversation(shipped_detector, SPREAD_ZH, window=1).verdict == "allow"
