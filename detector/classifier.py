"""The message model's classifier: a category model and a scam-vs-benign model, blended.

One linear model over categories learns what each kind of message looks like; a second one
learns only "scam or not". On messages unlike our corpus (long, polished letters written to
deceive) the category model tends to file a scam under the benign category it most resembles
(``transaction_notice``, ``marketing``), while the two-class model keeps its eye on the one
question that matters. Averaging their scam probabilities was better than either alone in
group-split cross-validation (see ``models/MODEL_CARD.md``).

:class:`BlendedScamClassifier` follows scikit-learn's conventions and passes
``parametrize_with_checks``. ``predict_proba`` returns one column per category, rescaled so
that the scam columns sum to the blended scam probability (the risk) and keep their relative
sizes from the category model; ``predict`` is the most probable category.
"""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.calibration import CalibratedClassifierCV
from sklearn.svm import LinearSVC
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from detector.model_input import blend_probabilities


class BlendedScamClassifier(ClassifierMixin, BaseEstimator):
    """Calibrated linear category model blended with a calibrated scam-vs-benign model.

    Parameters
    ----------
    scam_classes : list or None
        The labels that mean "scam". ``None``: every class but the first (for 0/1 labels, 1).
    C, tol : float
        Regularization and tolerance of both ``LinearSVC`` models.
    calibration_cv : int or iterable of (train, test) splits
        Passed to both ``CalibratedClassifierCV`` (sigmoid, ``ensemble=False``); the
        training code passes group-aware splits so a template never straddles them.
    risk_weight : float in [0, 1]
        Weight of the two-class model in the blended risk (0: category model only).
    random_state : int or None
        Seed of the ``LinearSVC`` models.

    When the categories are already just scam and benign the second model would repeat the
    first, so it is not fitted.
    """

    def __init__(
        self,
        scam_classes=None,
        C=0.3,
        tol=1e-3,
        calibration_cv=2,
        risk_weight=0.5,
        random_state=None,
    ):
        self.scam_classes = scam_classes
        self.C = C
        self.tol = tol
        self.calibration_cv = calibration_cv
        self.risk_weight = risk_weight
        self.random_state = random_state

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags

    def base_svc(self) -> LinearSVC:
        """The unfitted ``LinearSVC`` of either head."""
        return LinearSVC(
            C=self.C, class_weight="balanced", tol=self.tol, random_state=self.random_state
        )

    def needs_risk_head(self, n_classes: int, is_scam: np.ndarray) -> bool:
        """A second, scam-vs-benign head, unless the categories already are just that (or
        the rows hold one side only, or its weight is 0)."""
        return n_classes > 2 and bool(is_scam.any() and not is_scam.all()) and self.risk_weight > 0

    def _calibrated(self) -> CalibratedClassifierCV:
        return CalibratedClassifierCV(
            self.base_svc(), method="sigmoid", cv=self.calibration_cv, ensemble=False
        )

    def fit(self, X, y):
        X, y = validate_data(self, X, y, accept_sparse="csr")
        check_classification_targets(y)
        if not 0.0 <= float(self.risk_weight) <= 1.0:
            raise ValueError(f"risk_weight must be within [0, 1], got {self.risk_weight!r}")
        self.classes_ = np.unique(y)
        if self.scam_classes is None:
            self.scam_mask_ = np.arange(len(self.classes_)) > 0
        else:
            self.scam_mask_ = np.isin(self.classes_, np.asarray(list(self.scam_classes)))
        self.category_ = self._calibrated().fit(X, y)
        is_scam = np.isin(y, self.classes_[self.scam_mask_])
        if self.needs_risk_head(len(self.classes_), is_scam):
            self.risk_ = self._calibrated().fit(X, is_scam)
        else:
            self.risk_ = None
        return self

    def with_heads(
        self, category: CalibratedClassifierCV, risk: CalibratedClassifierCV | None
    ) -> BlendedScamClassifier:
        """A fitted copy of this (unfitted) classifier made of two calibrated heads fitted
        elsewhere (training calibrates them on its outer cross-validation folds:
        :func:`calibrated_on`)."""
        clf = clone(self)
        clf.classes_ = category.classes_
        clf.scam_mask_ = np.isin(clf.classes_, np.asarray(list(self.scam_classes)))
        clf.category_ = category
        clf.risk_ = risk
        clf.n_features_in_ = category.n_features_in_
        return clf

    def predict_proba(self, X):
        check_is_fitted(self, "category_")
        X = validate_data(self, X, accept_sparse="csr", reset=False)
        category = self.category_.predict_proba(X)
        if self.risk_ is None:
            return category
        w = float(self.risk_weight)
        risk = (1.0 - w) * category[:, self.scam_mask_].sum(axis=1)
        risk += w * self.risk_.predict_proba(X)[:, list(self.risk_.classes_).index(True)]
        return blend_probabilities(category, risk, self.scam_mask_)

    def predict(self, X):
        proba = self.predict_proba(X)
        return self.classes_[np.argmax(proba, axis=1)]


def calibrated_on(estimator, predictions: np.ndarray, y: np.ndarray) -> CalibratedClassifierCV:
    """A fitted ``CalibratedClassifierCV(<estimator>, "sigmoid", ensemble=False)`` made of the
    fitted ``estimator`` and sigmoid calibrators fitted on ``predictions``: decision values
    of the rows of ``y`` from models that did not see those rows.

    ``CalibratedClassifierCV.fit`` computes such values itself with ``cross_val_predict``
    and then refits the estimator on everything; training already has them from its outer
    cross-validation, which saves two of the three fits of every head. The calibrators are
    fitted by scikit-learn's own routine (``_fit_calibrator``, the one ``fit`` calls), so
    the object is the one ``fit`` would build from those values.
    """
    import inspect

    from sklearn.calibration import _fit_calibrator

    predictions = np.asarray(predictions, dtype=np.float64)
    if predictions.ndim == 1:
        predictions = predictions.reshape(-1, 1)
    classes = np.unique(y)
    if list(classes) != list(estimator.classes_):
        raise ValueError("the estimator was fitted on other classes than y holds")
    extra = {}
    if "xp" in inspect.signature(_fit_calibrator).parameters:  # scikit-learn >= 1.8
        from sklearn.utils._array_api import get_namespace

        extra["xp"] = get_namespace(predictions)[0]
    calibrated = CalibratedClassifierCV(clone(estimator), method="sigmoid", ensemble=False)
    calibrated.calibrated_classifiers_ = [
        _fit_calibrator(estimator, predictions, y, classes, "sigmoid", **extra)
    ]
    calibrated.classes_ = classes
    calibrated.n_features_in_ = estimator.n_features_in_
    return calibrated
