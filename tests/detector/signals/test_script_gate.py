"""The analyzer skips a rule for texts without the script all its matches need: same answers."""

from __future__ import annotations

import copy
import csv

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from detector.signals import default_analyzer
from detector.signals.analyzer import SignalAnalyzer, required_script
from training.corpus.build import ensure_corpus


@pytest.mark.parametrize(
    ("pattern", "script"),
    [
        ("验证码", "cjk"),
        ("(?:验证码)|(?:校验码)", "cjk"),
        (r"(?<![a-z0-9])(?:(?:otp)|(?:one[- ]time code))(?![a-z0-9])", "latin"),
        (r"[\u4e00-\u9fff]{2}", "cjk"),
        (r"(?:qq)|(?:微信)", None),  # one branch is Latin, the other Chinese
        (r"\d{6}", None),
        (r"(?:验证)?码", "cjk"),  # the optional part does not count, the rest does
        (r"(?:验证)?\d", None),
        (r"[^a-z]{2}", None),  # a negated class needs nothing
        (r".{0,3}code", "latin"),
        (r"[a-z0-9]", None),  # digits are not Latin letters
        (r"\w+", None),
    ],
)
def test_required_script_table(pattern: str, script: str | None):
    assert required_script(pattern) == script


def _ungated(analyzer: SignalAnalyzer) -> SignalAnalyzer:
    rules = [copy.copy(r) for r in analyzer.rules]
    for rule in rules:
        rule.script = None
    return SignalAnalyzer(rules, analyzer.context, analyzer.normalizer)


GATED = default_analyzer()
UNGATED = _ungated(GATED)


def test_every_shipped_rule_but_a_few_is_gated():
    # Guards the speed-up itself: if the parser stopped understanding the rule files, every
    # rule would run on every text again (answers unchanged, twice the cost).
    gated = [r for r in GATED.rules if r.script is not None]
    assert len(gated) >= len(GATED.rules) - 4


def test_when_corpus_analyzed_then_gate_changes_nothing():
    with ensure_corpus().open(encoding="utf-8", newline="") as f:
        texts = [row["text"] for i, row in enumerate(csv.DictReader(f)) if i % 13 == 0]
    assert len(texts) > 2000
    for text in texts:
        assert GATED.analyze(text) == UNGATED.analyze(text), text[:40]


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                "验证码",
                "发给我",
                "客服",
                "QQ",
                "qq",
                "code",
                "send me the",
                "账户",
                " ",
                "，",
                "12345678",
                "屏幕共享",
                "share your screen",
                "安全账户",
                "transfer",
                "。",
                "ａ",
            ]
        )
        | st.text(max_size=6),
        max_size=12,
    )
)
def test_when_mixed_text_then_gate_changes_nothing(parts: list[str]):
    text = "".join(parts)
    assert GATED.analyze(text) == UNGATED.analyze(text)
