"""MessageFeatures follows scikit-learn's conventions."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.utils.estimator_checks import parametrize_with_checks

from detector.features import SIGNAL_FEATURE_NAMES, MessageFeatures


@parametrize_with_checks(
    [MessageFeatures(), MessageFeatures(ngram_range=(2, 4), signal_weight=0.5)]
)
def test_sklearn_conventions(estimator, check):
    check(estimator)


TEXTS = np.array(
    [["请把验证码发给我"], ["您的验证码为482913，请勿泄露"], ["Send me the code"], ["你好"]],
    dtype=object,
)


def test_when_fitted_then_feature_names_match_columns():
    est = MessageFeatures().fit(TEXTS)
    X = est.transform(TEXTS)
    names = est.get_feature_names_out()
    assert X.shape == (4, len(names))
    assert list(names[-len(SIGNAL_FEATURE_NAMES) :]) == list(SIGNAL_FEATURE_NAMES)
    row = X[0].toarray()[0]
    assert row[list(names).index("signal__requests_otp")] == 1.0
    assert X[1].toarray()[0][list(names).index("signal__requests_otp")] == 0.0


def test_when_digits_differ_then_same_features():
    est = MessageFeatures().fit(TEXTS)
    a = est.transform(np.array([["验证码为482913"]], dtype=object)).toarray()
    b = est.transform(np.array([["验证码为105577"]], dtype=object)).toarray()
    np.testing.assert_array_equal(a, b)


def test_when_fitted_then_no_training_text_is_kept():
    est = MessageFeatures(ngram_range=(1, 2)).fit(TEXTS)
    import pickle

    blob = pickle.dumps(est).decode("latin-1")
    assert "请把验证码发给我".encode().decode("latin-1") not in blob
    assert not hasattr(est.vectorizer_, "stop_words_")


def test_when_1d_input_then_clear_error():
    with pytest.raises(ValueError, match="2D"):
        MessageFeatures().fit(np.array(["a", "b"], dtype=object))


def test_clone_keeps_parameters():
    est = MessageFeatures(ngram_range=(2, 5), max_features=10, min_df=2, signal_weight=3.0)
    assert clone(est).get_params() == est.get_params()


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("点击 https://refund-kamen.top/r?id=8 填写", "点击 https://other-site.top/x 填写"),
        ("mail kf@sucong.com now", "mail help@example.org now"),
        ("尊敬的客户：\n\n  您好！请登录", "尊敬的客户：您好！请登录"),
    ],
)
def test_when_only_link_spelling_or_layout_differs_then_same_features(a, b):
    est = MessageFeatures().fit(TEXTS)
    xa = est.transform(np.array([[a]], dtype=object)).toarray()
    xb = est.transform(np.array([[b]], dtype=object)).toarray()
    np.testing.assert_array_equal(xa, xb)


def test_when_tld_differs_then_features_differ():
    est = MessageFeatures().fit(np.array([["url top"], ["url com"]], dtype=object))
    xa = est.transform(np.array([["see https://a.top"]], dtype=object)).toarray()
    xb = est.transform(np.array([["see https://a.com"]], dtype=object)).toarray()
    assert not np.array_equal(xa, xb)


def test_when_views_are_precomputed_then_features_are_the_same():
    from detector.features import precomputed_views, text_views

    texts = np.array(
        [
            ["请把验证码发给我，我是客服"],
            ["您的验证码为482913，请勿泄露"],
            ["Send me the code"],
            ["订单1234已发货，请留意查收"],
            ["加我QQ 12345678 办理退款"],
        ],
        dtype=object,
    )
    plain = MessageFeatures(min_df=1).fit(texts)
    views = text_views(str(t[0]) for t in texts)
    with precomputed_views(views):
        cached = MessageFeatures(min_df=1).fit(texts)
        a = cached.transform(texts).toarray()
        b = MessageFeatures(min_df=1).fit_transform(texts).toarray()
    np.testing.assert_array_equal(a, plain.transform(texts).toarray())
    np.testing.assert_allclose(b, a, rtol=1e-6)
    assert cached.vectorizer_.vocabulary_ == plain.vectorizer_.vocabulary_
    # a wrong view for a text proves the lookup is used
    fake = {str(texts[0][0]): ("zzz", views[str(texts[0][0])][1])}
    with precomputed_views(fake):
        row = plain.transform(texts[:1]).toarray()[0]
    assert not np.array_equal(row, plain.transform(texts[:1]).toarray()[0])


@pytest.mark.parametrize(("min_df", "max_features"), [(1, None), (2, None), (2, 300), (3, 50)])
def test_when_counts_are_shared_then_vectorizer_and_matrices_equal_a_plain_fit(
    min_df, max_features
):
    from detector.features import SharedCounts, _tfidf_vectorizer, text_views

    rng = np.random.default_rng(0)
    words = ["验证码", "客服", "退款", "订单", "code", "send", "refund", "QQ", "微信", "请", "您"]
    texts = [" ".join(rng.choice(words, size=rng.integers(1, 8))) for _ in range(120)]
    texts += ["您的验证码为482913", "Send me the code 123456", "加我QQ 12345678", "a", "x y"]
    texts += [
        "  多个\u3000全角\u3000空格  ",
        "emoji 😀 in 🤖 words",
        "tab\tsep\nline\r\n",
        "Ünïcödé ß",
    ]
    views = text_views(texts)
    masked = [views[t][0] for t in texts]
    counts = SharedCounts.count([*masked, "仅在别的折里出现的文本"], (1, 3), n_jobs=1)
    fold, test = masked[:90], masked[90:] + masked[:5]  # duplicates and unseen rows
    plain = _tfidf_vectorizer((1, 3), max_features, min_df)
    expected = plain.fit_transform(fold)
    shared = _tfidf_vectorizer((1, 3), max_features, min_df)
    got = counts.fit_transform(shared, fold)
    assert shared.vocabulary_ == plain.vocabulary_
    np.testing.assert_array_equal(shared.idf_, plain.idf_)
    # equal entries; within a row they may be stored in another order
    for a, b in ((got, expected), (counts.transform(shared, test), plain.transform(test))):
        a, b = a.sorted_indices(), b.sorted_indices()
        assert a.dtype == b.dtype
        np.testing.assert_array_equal(a.indptr, b.indptr)
        np.testing.assert_array_equal(a.indices, b.indices)
        np.testing.assert_array_equal(a.data, b.data)
    # a vectorizer the counts did not fit (or that crossed a pickle) takes the plain path,
    # even when a fitted one has died and its id is reused
    import pickle

    assert pickle.loads(pickle.dumps(counts)).transform(shared, test) is None
    del shared
    stranger = _tfidf_vectorizer((1, 3), max_features, min_df).fit(fold)
    assert counts.transform(stranger, test) is None
    # texts the counts do not hold fall back to the plain path
    assert counts.transform(stranger, ["never counted"]) is None
    # the packed counter holds 1- to 3-grams; longer ones are refused, never mis-counted
    assert not SharedCounts.supports((1, 4)) and SharedCounts.supports((1, 3))
    with pytest.raises(ValueError, match="1- to 3-grams"):
        SharedCounts.count(masked, (1, 4), n_jobs=1)
    assert counts.fit_transform(_tfidf_vectorizer((1, 2), None, 1), fold) is None
