"""The compiled message model gives the Pipeline's probabilities, without scikit-learn."""

from __future__ import annotations

import csv
import random
import re
from collections import Counter

import numpy as np
import pytest

from detector import features
from detector.fastpath import (
    _IS_SPACE,
    _WS_LIMIT,
    CompiledScorer,
    _packed_ngrams,
    _packed_ngrams_one,
    char_wb_ngrams,
)
from detector.model import COMPILED_FILE, DEFAULT_MODEL_DIR, load_message_model
from detector.signals import default_analyzer
from training.corpus.build import ensure_corpus

EDGE_CASES = [
    "",
    " ",
    "\t\n\r\x0b\x0c\x1c\x1d\x1e\x1f\x85\xa0\u1680\u2000\u200a\u2028\u2029\u202f\u205f\u3000",
    "a",
    "ab",
    "x y",
    "  leading and trailing  ",
    "多个\u3000全角\u3000空格",
    "😀" * 50,
    "emoji 😀 in 🤖 words",
    "lone \ud800 surrogate \udfff here",
    "请加QQ 12345678 或拨打 13912345678，网址 www.example.com/path?x=1",
    "Send me the verification code now!!! https://secure-login.xyz/verify",
    "mail me at support.team@example-pay.com or call +44 20 7946 0958",
    "您好，我是平台客服，订单异常需要退款，请把手机收到的驗證碼发给我",
    "【速充】您的验证码为482913，5分钟内有效，请勿泄露给他人。",
    "加薇信 kf8899 退款\t\n x\u3000y",
    "ＦＵＬＬＷＩＤＴＨ　ｔｅｘｔ　１２３",
    "Ünïcödé àccents and ß",
    "a\u0301\u0308 combining marks",
    "tab\tseparated\tvalues",
    "line\nbreaks\n\nand\r\nreturns",
    "客服" * 400,
    "word " * 300,
    "0" * 100,
    "\x00 nul \x01 control",
]


def _texts(n: int = 280, seed: int = 0) -> list[str]:
    with open(ensure_corpus(), encoding="utf-8", newline="") as fh:
        corpus = [row["text"] for row in csv.DictReader(fh)]
    rng = random.Random(seed)
    sample = rng.sample(corpus, min(n, len(corpus)))
    # Variants the corpus lacks: odd spacing, doubled texts, mixed scripts.
    mixed = [f"{a}  \n {b}" for a, b in zip(sample[:20], sample[20:40], strict=True)]
    return sample + mixed + EDGE_CASES


def _inputs(texts: list[str]):
    norms = [features.MessageFeatures._normalize_full(t) for t in texts]
    analyzer = default_analyzer()
    return norms, [analyzer.analyze(n) for n in norms]


def _assert_same(compiled: CompiledScorer, pipeline, texts: list[str]) -> None:
    expected = pipeline.predict_proba(np.asarray(texts, dtype=object)[:, None])
    norms, signals = _inputs(texts)
    batch = compiled.predict_proba(norms, signals)
    np.testing.assert_allclose(batch, expected, rtol=0, atol=1e-6)
    one = np.vstack([compiled.predict_proba([n], [s]) for n, s in zip(norms, signals, strict=True)])
    np.testing.assert_allclose(one, expected, rtol=0, atol=1e-6)
    np.testing.assert_allclose(one, batch, rtol=0, atol=1e-12)


@pytest.fixture(scope="module")
def shipped():
    return load_message_model(DEFAULT_MODEL_DIR)


def test_shipped_compiled_file_gives_the_pipelines_probabilities(shipped):
    assert COMPILED_FILE in shipped.manifest["files"], "run `python -m detector.export`"
    assert shipped.compiled is not None
    _assert_same(shipped.compiled, shipped.pipeline, _texts())


def test_tiny_model_compiled_at_save_time_gives_the_pipelines_probabilities(tiny_model_dir):
    model = load_message_model(tiny_model_dir)
    assert (tiny_model_dir / COMPILED_FILE).is_file()
    _assert_same(model.compiled, model.pipeline, _texts(120, seed=1))


def _small_pipeline(ngram_range, blended: bool):
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.pipeline import Pipeline
    from sklearn.svm import LinearSVC

    texts = _texts(400, seed=2)[:400]
    rng = random.Random(3)
    labels = [rng.choice(["chat", "phishing", "support_reply"]) for _ in texts]
    if blended:
        from detector.classifier import BlendedScamClassifier

        clf = BlendedScamClassifier(scam_classes=["phishing"], calibration_cv=2, random_state=0)
    else:
        clf = CalibratedClassifierCV(
            LinearSVC(random_state=0), method="sigmoid", cv=2, ensemble=False
        )
    pipe = Pipeline(
        [
            ("features", features.MessageFeatures(ngram_range=ngram_range, signal_weight=0.7)),
            ("classifier", clf),
        ]
    )
    return pipe.fit(np.asarray(texts, dtype=object)[:, None], labels)


@pytest.mark.parametrize(
    ("ngram_range", "blended", "packed"),
    [((1, 3), False, True), ((2, 3), True, True), ((2, 4), False, False), ((1, 2), True, True)],
)
def test_when_saved_and_loaded_then_same_probabilities(tmp_path, ngram_range, blended, packed):
    pipe = _small_pipeline(ngram_range, blended)
    CompiledScorer.from_pipeline(pipe).save(tmp_path / "m.npz")
    loaded = CompiledScorer.load(tmp_path / "m.npz")
    assert loaded.packed is packed
    _assert_same(loaded, pipe, _texts(60, seed=4))


def test_when_saved_twice_then_identical_bytes_and_no_pickle(tmp_path, shipped):
    source = shipped.pipeline
    CompiledScorer.from_pipeline(source).save(tmp_path / "a.npz")
    CompiledScorer.from_pipeline(source).save(tmp_path / "b.npz")
    assert (tmp_path / "a.npz").read_bytes() == (tmp_path / "b.npz").read_bytes()
    with np.load(tmp_path / "a.npz", allow_pickle=False) as data:
        assert all(data[name].dtype != object for name in data.files)


def test_when_two_texts_are_scored_together_then_no_ngram_crosses_between_them():
    texts = ["ab", "cd", "", "  e  ", "f"]
    rows, codes = _packed_ngrams(texts, 1, 3)
    for i, text in enumerate(texts):
        alone = _packed_ngrams_one(text, 1, 3)
        assert Counter(codes[rows == i].tolist()) == Counter(alone.tolist())


def test_packed_analyzer_is_sklearns_char_wb():
    from sklearn.feature_extraction.text import TfidfVectorizer

    texts = _texts(150, seed=5)
    for ngram_range in [(1, 3), (2, 3), (1, 1), (3, 3), (2, 5)]:
        sk = TfidfVectorizer(analyzer="char_wb", ngram_range=ngram_range, lowercase=False)
        analyze = sk.build_analyzer()
        for text in texts:
            expected = Counter(analyze(text))
            assert Counter(char_wb_ngrams(text, *ngram_range)) == expected
            if ngram_range[1] <= 3:
                codes = _packed_ngrams_one(text, *ngram_range)
                grams = [_unpack(int(c)) for c in codes]
                assert Counter(grams) == expected, text


def _unpack(code: int) -> str:
    chars = []
    while code:
        chars.append(chr((code & ((1 << 21) - 1)) - 1))
        code >>= 21
    return "".join(reversed(chars))


def test_whitespace_table_covers_every_space_python_splits_on():
    spaces = [c for c in range(0x110000) if chr(c).isspace()]
    assert max(spaces) < _WS_LIMIT
    assert np.flatnonzero(_IS_SPACE).tolist() == spaces


def test_when_file_was_built_with_another_mask_then_refused(tmp_path, shipped):
    from detector.errors import ModelError
    from detector.fastpath import read_npz, write_npz

    meta, arrays = read_npz(shipped.directory / COMPILED_FILE)
    meta["mask"] = {**meta["mask"], "digits": re.escape("[1-9]")}
    write_npz(tmp_path / "m.npz", meta, arrays)
    with pytest.raises(ModelError, match="text mask"):
        CompiledScorer.load(tmp_path / "m.npz")
