"""A compiled view of the fitted Pipeline for low-latency scoring.

scikit-learn's generic ``predict_proba`` validates its input at every step, which costs a few
milliseconds per call, far more than the arithmetic. :class:`CompiledScorer` reads the fitted
parameters out of the Pipeline once (vocabulary, idf, linear coefficients, sigmoid
calibrators) and computes the same probabilities with plain NumPy/SciPy. The Pipeline stays
the artifact and the reference: a test checks both give the same numbers.

Supported: ``MessageFeatures`` → ``CalibratedClassifierCV(<linear model>, method="sigmoid",
ensemble=False)``, which is what ``kefuguard train`` builds. Anything else falls back to the
Pipeline's own ``predict_proba``.
"""

from __future__ import annotations

from collections import Counter

import numpy as np
import scipy.sparse as sp
from scipy.special import expit

from detector.features import MessageFeatures, signal_vector
from detector.normalize import NormalizedText
from detector.results import Signal


class CompiledScorer:
    def __init__(self, pipeline):
        features, clf = pipeline[0], pipeline[-1]
        if not isinstance(features, MessageFeatures):
            raise TypeError("first step is not MessageFeatures")
        if getattr(clf, "ensemble", True) is not False or len(clf.calibrated_classifiers_) != 1:
            raise TypeError("classifier is not a single calibrated linear model")
        calibrated = clf.calibrated_classifiers_[0]
        if calibrated.method != "sigmoid" or not hasattr(calibrated.estimator, "coef_"):
            raise TypeError("calibration is not sigmoid over a linear model")
        vec = features.vectorizer_
        if not (vec.sublinear_tf and vec.use_idf and vec.norm == "l2" and not vec.binary):
            raise TypeError("unexpected TF-IDF settings")
        self.analyzer = vec.build_analyzer()
        self.vocabulary = vec.vocabulary_
        self.idf = vec.idf_.astype(np.float64)
        self.n_ngrams = len(self.vocabulary)
        self.signal_weight = float(features.signal_weight)
        est = calibrated.estimator
        self.coef_t = np.ascontiguousarray(np.asarray(est.coef_, dtype=np.float64).T)
        self.intercept = np.asarray(est.intercept_, dtype=np.float64)
        self.a = np.array([c.a_ for c in calibrated.calibrators], dtype=np.float64)
        self.b = np.array([c.b_ for c in calibrated.calibrators], dtype=np.float64)
        self.classes = np.asarray(clf.classes_)
        # Which output column each calibrator writes (sklearn: label-encoded estimator classes).
        positions = {c: i for i, c in enumerate(self.classes)}
        self.targets = np.array([positions[c] for c in est.classes_], dtype=int)

    @classmethod
    def try_compile(cls, pipeline) -> CompiledScorer | None:
        try:
            return cls(pipeline)
        except (TypeError, AttributeError, KeyError, IndexError):
            return None

    def _tfidf(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """CSR parts (data, indices, indptr) of the l2-normalized sublinear TF-IDF rows."""
        lookup, analyzer = self.vocabulary.get, self.analyzer
        indices: list[int] = []
        tfs: list[int] = []
        indptr = [0]
        add_index, add_tf = indices.append, tfs.append  # bound once: this loop is the hot spot
        for text in texts:
            for gram, tf in Counter(analyzer(text)).items():
                j = lookup(gram)
                if j is not None:
                    add_index(j)
                    add_tf(tf)
            indptr.append(len(indices))
        idx = np.asarray(indices, dtype=np.int64)
        data = (1.0 + np.log(np.asarray(tfs, dtype=np.float64))) * self.idf[idx]
        ptr = np.asarray(indptr, dtype=np.int64)
        rows = np.repeat(np.arange(len(texts)), np.diff(ptr))
        norms = np.sqrt(np.bincount(rows, weights=data * data, minlength=len(texts)))
        norms[norms == 0] = 1.0
        data /= norms[rows]
        return data, idx, ptr

    def predict_proba(self, norms: list[NormalizedText], signals: list[list[Signal]]) -> np.ndarray:
        data, idx, ptr = self._tfidf([MessageFeatures._mask(n.text) for n in norms])
        if len(norms) == 1:  # one chat message: a dense gather beats building a sparse matrix
            ngrams = (data @ self.coef_t[idx])[None, :]
        else:
            tfidf = sp.csr_matrix((data, idx, ptr), shape=(len(norms), self.n_ngrams))
            ngrams = tfidf @ self.coef_t[: self.n_ngrams]
        sig = np.vstack([signal_vector(s) for s in signals]) * self.signal_weight
        decision = ngrams + sig @ self.coef_t[self.n_ngrams :]
        decision += self.intercept
        calibrated = expit(-(self.a * decision + self.b))
        proba = np.zeros((len(norms), len(self.classes)))
        if len(self.classes) == 2:
            proba[:, 1] = calibrated[:, 0]
            proba[:, 0] = 1.0 - proba[:, 1]
        else:
            proba[:, self.targets] = calibrated
            denominator = proba.sum(axis=1, keepdims=True)
            uniform = np.full_like(proba, 1 / len(self.classes))
            proba = np.divide(proba, denominator, out=uniform, where=denominator != 0)
        proba[(proba > 1.0) & (proba <= 1.0 + 1e-5)] = 1.0
        return proba
