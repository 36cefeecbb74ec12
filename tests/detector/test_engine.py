"""The Detector: MessageAssessment shape, verdicts, warnings, input checks."""

from __future__ import annotations

import pytest

from detector.engine import detect_language, warning_for
from detector.errors import InvalidInputError, TextTooLongError
from detector.results import Signal

SCAM = "您好，我是平台客服，订单异常需要退款，请把手机收到的驗證碼发给我"
BENIGN = "【速充】您的验证码为482913，5分钟内有效，请勿泄露给他人"


def test_when_scam_then_block_or_warn_with_evidence_and_warning(tiny_detector):
    a = tiny_detector.score_message(SCAM)
    assert a.verdict in ("warn", "block") and a.is_scam
    assert a.risk >= tiny_detector.warn_threshold
    assert a.category in tiny_detector.model.scam_classes
    otp = next(s for s in a.signals if s.code == "requests_otp")
    assert SCAM[otp.start : otp.end] == otp.text and "驗證碼" in otp.text
    assert "验证码" in a.warning
    d = a.to_dict()
    assert set(d) == {
        "risk",
        "verdict",
        "is_scam",
        "category",
        "signals",
        "contacts",
        "warning",
        "model_version",
    }
    assert d["model_version"] == tiny_detector.model_version


def test_when_benign_then_allow_without_warning(tiny_detector):
    a = tiny_detector.score_message(BENIGN)
    assert a.verdict == "allow" and not a.is_scam and a.warning is None
    assert a.category not in tiny_detector.model.scam_classes
    assert 0.0 <= a.risk < tiny_detector.warn_threshold


def test_when_batch_then_same_as_one_by_one(tiny_detector):
    texts = [SCAM, BENIGN, "Send me the verification code", ""]
    batch = tiny_detector.score_messages(texts)
    for text, a in zip(texts, batch, strict=True):
        one = tiny_detector.score_message(text)
        assert a.verdict == one.verdict and a.risk == pytest.approx(one.risk, abs=1e-9)
    assert tiny_detector.score_messages([]) == []


def test_when_too_long_or_not_text_then_clear_error(tiny_detector):
    with pytest.raises(TextTooLongError):
        tiny_detector.score_message("x" * (tiny_detector.max_chars + 1))
    with pytest.raises(InvalidInputError):
        tiny_detector.score_message(None)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "lang"),
    [("请把验证码发给我", "zh"), ("Send me the code", "en"), ("加我QQ 12345 ok", "zh"), ("", "en")],
)
def test_when_text_then_language_detected(text, lang):
    assert detect_language(text) == lang


def test_when_signals_then_warning_names_strongest_request():
    sig = [
        Signal("official_claim", 0, 2, "客服", 0.4, "r1"),
        Signal("requests_password", 3, 5, "密码", 0.9, "r2"),
    ]
    assert "密码" in warning_for(sig, "zh")
    assert "password" in warning_for(sig, "en")
    assert "support scam" in warning_for([], "en")


def test_when_compiled_then_same_probabilities_as_pipeline(tiny_detector):
    import numpy as np

    from detector.features import MessageFeatures

    assert tiny_detector._compiled is not None  # the trained pipeline compiles
    texts = [SCAM, BENIGN, "Send me the verification code", "", "加薇信 kf8899 退款", "😀" * 50]
    expected = tiny_detector.model.pipeline.predict_proba(np.asarray(texts, dtype=object)[:, None])
    norms = [MessageFeatures._normalize_full(t) for t in texts]
    signals = [tiny_detector._analyzer.analyze(n) for n in norms]
    got = tiny_detector._compiled.predict_proba(norms, signals)
    np.testing.assert_allclose(
        got, expected, rtol=1e-6, atol=1e-7
    )  # float32 TF-IDF in the Pipeline
    for i, (norm, sig) in enumerate(zip(norms, signals, strict=True)):  # the one-message path
        one = tiny_detector._compiled.predict_proba([norm], [sig])
        np.testing.assert_allclose(one[0], expected[i], rtol=1e-6, atol=1e-7)


def test_when_the_model_has_thresholds_per_language_then_each_text_uses_its_own(
    tiny_model_dir, tmp_path
):
    import json
    import shutil

    from detector.engine import Detector

    model_dir = tmp_path / "m"
    shutil.copytree(tiny_model_dir, model_dir)
    manifest = json.loads((model_dir / "manifest.json").read_text(encoding="utf-8"))
    manifest["thresholds"]["by_lang"] = {"zh": {"warn": 0.0, "block": 0.0}}
    (model_dir / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    detector = Detector.load(model_dir)
    assert detector.thresholds_for("zh") == (0.0, 0.0)
    assert detector.thresholds_for("en") == (detector.warn_threshold, detector.block_threshold)
    zh, en = detector.score_messages(["你好，请问今天发货吗", "hello, is my order shipped today"])
    assert zh.verdict == "block"  # every zh text is at or above a zero threshold
    assert en.verdict == ("allow" if en.risk < detector.warn_threshold else en.verdict)
    from detector.conversation import score_conversation

    convo = score_conversation(detector, [{"role": "agent", "text": "您好，订单已发货"}])
    assert convo.verdict == "block"
