"""BlendedScamClassifier: scikit-learn conventions, and what the blend promises."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from sklearn.utils.estimator_checks import parametrize_with_checks

from detector.classifier import BlendedScamClassifier, blend_probabilities


@parametrize_with_checks(
    [BlendedScamClassifier(random_state=0), BlendedScamClassifier(risk_weight=0.0, C=1.0)]
)
def test_sklearn_conventions(estimator, check):
    check(estimator)


def _data(seed: int = 0):
    rng = np.random.default_rng(seed)
    centers = {"chat": (0, 0), "notice": (0, 4), "phish": (4, 0), "fake_cs": (4, 4)}
    X = np.vstack([rng.normal(c, 0.8, size=(60, 2)) for c in centers.values()])
    y = np.repeat(list(centers), 60)
    return X, y


SCAM = ["fake_cs", "phish"]


def test_when_fitted_then_scam_columns_sum_to_the_blended_risk():
    X, y = _data()
    clf = BlendedScamClassifier(scam_classes=SCAM, random_state=0).fit(X, y)
    proba = clf.predict_proba(X)
    scam_cols = np.isin(clf.classes_, SCAM)
    category = clf.category_.predict_proba(X)
    binary = clf.risk_.predict_proba(X)[:, list(clf.risk_.classes_).index(True)]
    expected = 0.5 * category[:, scam_cols].sum(axis=1) + 0.5 * binary
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    np.testing.assert_allclose(proba[:, scam_cols].sum(axis=1), expected)
    assert (clf.predict(X) == y).mean() > 0.9


@pytest.mark.parametrize("weight", [0.0, 1.0])
def test_when_weight_is_an_end_then_one_model_decides(weight):
    X, y = _data(1)
    clf = BlendedScamClassifier(scam_classes=SCAM, risk_weight=weight, random_state=0).fit(X, y)
    scam_cols = np.isin(clf.classes_, SCAM)
    risk = clf.predict_proba(X)[:, scam_cols].sum(axis=1)
    if weight == 0.0:
        assert clf.risk_ is None
        np.testing.assert_allclose(risk, clf.category_.predict_proba(X)[:, scam_cols].sum(axis=1))
    else:
        binary = clf.risk_.predict_proba(X)[:, list(clf.risk_.classes_).index(True)]
        np.testing.assert_allclose(risk, binary)


def test_when_labels_are_already_scam_and_benign_then_no_second_model():
    X, y = _data(2)
    label = np.where(np.isin(y, SCAM), "scam", "benign")
    clf = BlendedScamClassifier(scam_classes=["scam"], random_state=0).fit(X, label)
    assert clf.risk_ is None
    assert list(clf.classes_) == ["benign", "scam"]


def test_when_risk_weight_is_out_of_range_then_fit_refuses():
    X, y = _data()
    with pytest.raises(ValueError, match="risk_weight"):
        BlendedScamClassifier(risk_weight=1.5).fit(X, y)


@given(
    arrays(np.float64, (5, 4), elements=st.floats(0, 1)),
    arrays(np.float64, 5, elements=st.floats(0, 1)),
)
def test_blend_keeps_a_distribution_and_the_risk(raw, risk):
    category = raw / np.where(raw.sum(axis=1, keepdims=True) > 0, raw.sum(axis=1, keepdims=True), 1)
    category[raw.sum(axis=1) == 0] = 0.25
    scam = np.array([False, True, False, True])
    out = blend_probabilities(category, risk, scam)
    assert (out >= 0).all()
    np.testing.assert_allclose(out.sum(axis=1), 1.0, atol=1e-9)
    np.testing.assert_allclose(out[:, scam].sum(axis=1), risk, atol=1e-9)
    # within a side, the category model's order is kept
    for row_in, row_out in zip(category, out, strict=True):
        for side in (scam, ~scam):
            a, b = row_in[side], row_out[side]
            assert ((a[0] - a[1]) * (b[0] - b[1]) >= -1e-12).all()


@pytest.mark.parametrize("n_classes", [2, 4])
def test_when_calibrated_on_out_of_fold_decisions_then_equal_to_calibrated_classifier_cv(n_classes):
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.model_selection import KFold, cross_val_predict
    from sklearn.svm import LinearSVC

    from detector.classifier import calibrated_on

    rng = np.random.default_rng(1)
    X = rng.normal(size=(240, 6))
    y = np.array([f"c{i}" for i in (X[:, 0] * 2 + X[:, 1] > 0) * (n_classes - 1) // 1])
    y[rng.choice(240, 40, replace=False)] = [f"c{i % n_classes}" for i in range(40)]
    splits = list(KFold(3, shuffle=True, random_state=0).split(X))
    svc = LinearSVC(C=0.5, random_state=0)
    expected = CalibratedClassifierCV(svc, method="sigmoid", cv=splits, ensemble=False).fit(X, y)
    oof = cross_val_predict(svc, X, y, cv=splits, method="decision_function")
    got = calibrated_on(LinearSVC(C=0.5, random_state=0).fit(X, y), oof, y)
    np.testing.assert_allclose(got.predict_proba(X), expected.predict_proba(X), rtol=1e-12)
    assert list(got.classes_) == list(expected.classes_)


def test_when_heads_are_assembled_then_same_as_fitted_classifier():
    from sklearn.model_selection import KFold, cross_val_predict
    from sklearn.svm import LinearSVC

    from detector.classifier import calibrated_on

    rng = np.random.default_rng(2)
    X = rng.normal(size=(300, 5))
    y = np.array(["benign", "scam_a", "scam_b"])[rng.integers(0, 3, 300)]
    X[y == "scam_a", 0] += 2
    X[y == "scam_b", 1] += 2
    scam = ["scam_a", "scam_b"]
    splits = list(KFold(2, shuffle=True, random_state=0).split(X))
    fitted = BlendedScamClassifier(scam_classes=scam, calibration_cv=splits, random_state=0).fit(
        X, y
    )

    def head(target):
        svc = LinearSVC(C=0.3, class_weight="balanced", tol=1e-3, random_state=0)
        oof = cross_val_predict(svc, X, target, cv=splits, method="decision_function")
        return calibrated_on(svc.fit(X, target), oof, target)

    is_scam = np.isin(y, scam)
    settings = BlendedScamClassifier(scam_classes=scam, random_state=0)
    assembled = settings.with_heads(head(y), head(is_scam))
    assert not hasattr(settings, "classes_")  # a fitted copy; the settings stay unfitted
    np.testing.assert_allclose(assembled.predict_proba(X), fitted.predict_proba(X), rtol=1e-10)
    with pytest.raises(ValueError, match="other classes"):
        calibrated_on(LinearSVC().fit(X, y), np.zeros((300, 3)), is_scam)
