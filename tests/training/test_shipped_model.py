"""The shipped model matches what is committed beside it."""

from __future__ import annotations

import hashlib

from detector.engine import Detector
from detector.model import DEFAULT_MODEL_DIR, load_message_model
from training.corpus.build import ensure_corpus
from training.train import rules_fingerprint


def test_shipped_model_was_trained_on_the_committed_corpus_and_rules():
    manifest = load_message_model(DEFAULT_MODEL_DIR).manifest
    assert (
        manifest["corpus"]["sha256"] == hashlib.sha256(ensure_corpus().read_bytes()).hexdigest()
    ), "the corpus changed since the shipped model was trained: run `make train`"
    assert manifest["rules_sha256"] == rules_fingerprint(), (
        "signal rules or variants changed since the shipped model was trained: run `make train`"
    )


def test_shipped_model_thresholds_follow_the_benign_budget():
    manifest = load_message_model(DEFAULT_MODEL_DIR).manifest
    assert manifest["cv"]["benign_flag_rate_at_warn"] <= 0.01
    assert 0.5 <= manifest["thresholds"]["warn"] <= manifest["thresholds"]["block"] <= 1.0


def test_shipped_model_scores_the_obvious_cases():
    d = Detector.load()
    scam = d.score_message("您好，我是平台客服，您的订单异常需要退款，请把手机收到的验证码发给我")
    assert scam.verdict in ("warn", "block") and "验证码" in scam.warning
    ok = d.score_message("【速充】您的验证码为482913，5分钟内有效，请勿泄露给他人。")
    assert ok.verdict == "allow"


def test_model_version_names_everything_that_decides_the_model():
    from training.train import Params, model_version

    base = model_version("a" * 64, "b" * 64, "category", Params())
    assert base == model_version("a" * 64, "b" * 64, "category", Params())
    assert base.startswith("msg-")
    others = {
        model_version("c" * 64, "b" * 64, "category", Params()),
        model_version("a" * 64, "c" * 64, "category", Params()),
        model_version("a" * 64, "b" * 64, "label", Params()),
        model_version("a" * 64, "b" * 64, "category", Params(C=1.0)),
    }
    assert base not in others and len(others) == 4
