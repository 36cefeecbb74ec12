"""Long messages are also scored in windows: the pieces, and the risk they set."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from detector.engine import Detector
from detector.model import load_message_model
from detector.model_input import MAX_WINDOWS, text_windows, window_risk

LETTER = (
    "您好，麻烦提供一下订单号和付款截图，我们帮您查询充值进度。"
    "您尾号1234的储蓄卡支出200元，余额5000元。"
) * 3


@pytest.mark.parametrize(
    ("text", "size", "expected"),
    [
        ("short text", 200, []),
        ("a" * 200, 200, []),  # exactly one window long
        ("一二三。" * 60, None, []),  # windows off
        ("一二三。" * 60, 100, ["一二三。" * 25, "一二三。" * 25, "一二三。" * 10]),
        (
            "Hello there. " * 20,
            100,
            ["Hello there. " * 7, "Hello there. " * 7, "Hello there. " * 6],
        ),
        ("x" * 250, 100, ["x" * 100, "x" * 100, "x" * 50]),  # no sentence end: cut
        ("开头。" + "x" * 150 + "。结尾", 100, ["开头。", "x" * 100, "x" * 50 + "。结尾"]),
    ],
)
def test_text_windows_table(text: str, size: int | None, expected: list[str]):
    assert text_windows(text, size) == expected


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.sampled_from(["。", "！", "? ", ". ", "\n", "  ", "验证码", "refund", "x" * 37, "短句"])
        | st.text(max_size=30),
        max_size=60,
    ),
    st.integers(min_value=5, max_value=300),
)
def test_windows_cover_the_text_in_order_and_stay_in_size(parts: list[str], size: int):
    text = "".join(parts)
    windows = text_windows(text, size)
    assert all(0 < len(w) <= size and w.strip() for w in windows)
    assert len(windows) != 1 and len(windows) <= MAX_WINDOWS
    if windows and len(windows) < MAX_WINDOWS:
        # Only blank stretches are left out.
        assert "".join("".join(windows).split()) == "".join(text.split())


def test_window_risk_table():
    risk = np.array([0.2, 0.9, 0.5, 0.1])
    owner = np.array([0, 0, 1, 2, 2])
    pieces = np.array([0.6, 0.8, 0.3, 0.7, 0.7])
    out, best = window_risk(risk, owner, pieces, 0.5)
    assert out == pytest.approx([0.5, 0.9, 0.6, 0.1])  # 0.2 -> halfway to 0.8; 0.9 stays
    assert best.tolist() == [1, -1, 3, -1]  # text 2: the first of two equal windows
    assert window_risk(risk, owner, pieces, 1.0)[0] == pytest.approx([0.8, 0.9, 0.7, 0.1])
    assert window_risk(risk, owner, pieces, 0.0)[0] == pytest.approx(risk)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.floats(0, 1), min_size=1, max_size=8),
    st.lists(st.tuples(st.integers(0, 7), st.floats(0, 1)), max_size=20),
    st.floats(0, 1),
)
def test_window_risk_lies_between_whole_and_riskiest_window(whole, pieces, weight):
    risk = np.array(whole)
    pieces = [(i % len(whole), r) for i, r in pieces]
    owner = np.array([i for i, _ in pieces], dtype=int)
    piece_risk = np.array([r for _, r in pieces])
    out, best = window_risk(risk, owner, piece_risk, weight)
    for i, r in enumerate(whole):
        mine = [p for o, p in pieces if o == i]
        top = max([r, *mine])
        assert r - 1e-12 <= out[i] <= top + 1e-12
        assert (best[i] >= 0) == (top > r)
        if best[i] >= 0:
            assert owner[best[i]] == i and piece_risk[best[i]] == top


def test_when_long_text_then_risk_moves_towards_the_riskiest_window(tiny_model_dir):
    detector = Detector.load(tiny_model_dir)
    detector._window, detector._window_weight = 40, 0.5
    ask = "请下载腾讯会议开启屏幕共享，我指导您操作退款。"
    text = LETTER + ask + LETTER
    pieces = text_windows(text, 40)
    assert len(pieces) > 2
    whole = Detector.load(tiny_model_dir)
    whole._window = None
    base, *piece_scores = whole.score_messages([text, *pieces])
    top = max(a.risk for a in piece_scores)
    assert top > base.risk  # the ask is clearer on its own
    scored = detector.score_message(text)
    assert scored.risk == pytest.approx(base.risk + 0.5 * (top - base.risk), abs=1e-9)
    riskiest = max(piece_scores, key=lambda a: a.risk)
    if scored.is_scam and riskiest.is_scam:
        assert scored.category == riskiest.category
    # Short texts are untouched.
    assert detector.score_message(ask).risk == pytest.approx(whole.score_message(ask).risk)


def test_window_size_comes_from_the_manifest(tiny_model_dir):
    model = load_message_model(tiny_model_dir)
    assert model.window_chars == model.manifest["params"]["window_chars"] == 300
    assert model.window_weight == model.manifest["params"]["window_weight"] == 0.5
    model.manifest["params"].pop("window_chars")
    assert model.window_chars is None  # a model trained before windows keeps whole texts
