"""The analyzer as a whole: span contract, explanations, hostile input."""

from __future__ import annotations

import pytest

from detector.errors import TextTooLongError
from detector.normalize import MAX_TEXT_CHARS, normalize
from detector.signals import default_analyzer

SCAM = (
    "您好，我是速充卡盟客服，订单异常需退款，请加薇信 kf8899，并把驗\u200b證碼发给我，否则账号冻结"
)


def test_when_scam_then_every_span_indexes_the_original():
    signals = default_analyzer().analyze(SCAM)
    codes = {s.code for s in signals}
    assert {"official_claim", "off_platform", "requests_otp", "urgency_threat"} <= codes
    for s in signals:
        assert SCAM[s.start : s.end] == s.text
        assert 0 < s.weight <= 1
        assert s.explanation is None


def test_when_explain_then_each_signal_names_its_rule():
    signals = default_analyzer().analyze(SCAM, explain=True)
    otp = next(s for s in signals if s.code == "requests_otp")
    assert otp.explanation.rule_id == "requests_otp.zh"
    assert "验证码" in otp.explanation.normalized_text
    assert otp.to_dict(explain=True)["explanation"]["rule_id"] == "requests_otp.zh"
    assert "explanation" not in otp.to_dict()


def test_when_given_normalized_text_then_same_answer():
    a = default_analyzer()
    assert a.analyze(normalize(SCAM)) == a.analyze(SCAM)


def test_when_signals_returned_then_ordered_by_position():
    starts = [s.start for s in default_analyzer().analyze(SCAM)]
    assert starts == sorted(starts)


ADVERSARIAL = [
    "",
    "\x00" * 1000,
    "\u200b" * 10_000,
    "😀" * 10_000,
    "验" * MAX_TEXT_CHARS,
    "请提供" * (MAX_TEXT_CHARS // 3),
    ("把" + "验证码" * 3 + "，") * (MAX_TEXT_CHARS // 11),
    "send " * (MAX_TEXT_CHARS // 5),
    ("a" * 39 + " ") * (MAX_TEXT_CHARS // 40),
    "1 " * (MAX_TEXT_CHARS // 2),
    "一-" * (MAX_TEXT_CHARS // 2),
    ("qq" + "1" * 19 + " ") * (MAX_TEXT_CHARS // 22),
    "http://" + "a" * (MAX_TEXT_CHARS - 7),
    "\ud800" * 5000,
]


@pytest.mark.parametrize("text", ADVERSARIAL, ids=lambda t: f"{t[:6]!r}x{len(t)}")
def test_when_adversarial_text_then_answers_without_hanging(text, deadline):
    with deadline(20):
        signals = default_analyzer().analyze(text)
    for s in signals:
        assert text[s.start : s.end] == s.text


def test_when_megabyte_of_text_then_clear_error(deadline):
    with deadline(10), pytest.raises(TextTooLongError):
        default_analyzer().analyze("验证码发给我" * 200_000)


QUOTES = [
    # (text, fires): a request inside quotation marks is someone else's words when what leads
    # into the quote negates it, reports speech, judges it or names a scammer
    ("本平台不会以“订单异常，请把验证码发给我”为由联系您", False),
    ("骗子常用话术：“您好，请把验证码发给我，帮您退款”", False),
    ("他说“请把验证码发给我”，我没理", False),
    ("凡是说「把短信验证码告诉我」的都不是客服", False),
    ('Scammers often say "please send me the verification code" to steal accounts', False),
    # the writer's own quote, or a quote that closed before the ask, still counts
    ("客服：“请把验证码发给我，我帮您退款”", True),
    ("我们注意到“订单异常”，请把验证码发给我", True),
    ("您好，“官方客服”提醒您，请把验证码发给我", True),
    ('"Please send me the verification code," the agent wrote.', True),
]


@pytest.mark.parametrize(("text", "fires"), QUOTES)
def test_when_request_is_quoted_then_the_lead_decides(text, fires):
    codes = {s.code for s in default_analyzer().analyze(text)}
    assert ("requests_otp" in codes) is fires
