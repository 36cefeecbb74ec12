"""Features for the message model: a scikit-learn transformer over text.

:class:`MessageFeatures` takes a 2-D array of text (``n_samples × n_columns``, e.g.
``df[["text"]]``; the columns of a row are joined with a space), normalizes each text once,
and returns, side by side in one sparse matrix:

* char n-gram TF-IDF of the normalized text with digits masked (``482913`` → ``000000``), so
  the model learns "a code of six digits", not the digits;
* signal features: per signal code, whether it fired and its strongest weight, plus a
  "any sensitive request" flag.

It follows scikit-learn's conventions (``__init__`` stores parameters, learned state ends in
``_``, ``get_feature_names_out``) and passes ``parametrize_with_checks``. It keeps no training
text: the fitted vocabulary holds n-grams only.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.utils.validation import check_is_fitted, validate_data

from detector.model_input import SIGNAL_FEATURE_NAMES, mask_text, signal_vector
from detector.normalize import MAX_TEXT_CHARS, NormalizedText, default_normalizer
from detector.results import Signal
from detector.signals import default_analyzer

# The model's view of a text (mask, signal block) is defined in detector/model_input.py, which
# the scikit-learn-free serving path shares: one definition for training and serving.


def row_texts(X) -> list[str]:
    """Rows of a 2-D array → one string each (cells joined with a space), length-capped.

    The model reads at most ``MAX_TEXT_CHARS`` characters of a row; callers that must refuse
    longer input (the API, the CLI) check the limit before they get here.
    """
    return [" ".join("" if c is None else str(c) for c in row)[:MAX_TEXT_CHARS] for row in X]


#: text → (masked text, signal vector), consulted while ``precomputed_views`` is active.
_VIEWS: Mapping[str, tuple[str, np.ndarray]] = {}


def text_views(texts: Iterable[str]) -> dict[str, tuple[str, np.ndarray]]:
    """What the model sees of each distinct text: the masked text and the signal vector.

    Normalizing and running the rules is most of the cost of fitting; training computes
    this once for the whole corpus and hands it to every cross-validation fit through
    :func:`precomputed_views`. The views are the same function of the text either way.
    """
    out: dict[str, tuple[str, np.ndarray]] = {}
    for text in texts:
        if text not in out:
            out[text] = _view(text)
    return out


@contextmanager
def precomputed_views(views: Mapping[str, tuple[str, np.ndarray]]) -> Iterator[None]:
    """Let ``MessageFeatures`` look texts up in ``views`` instead of recomputing them."""
    global _VIEWS
    previous, _VIEWS = _VIEWS, views
    try:
        yield
    finally:
        _VIEWS = previous


def _view(text: str) -> tuple[str, np.ndarray]:
    norm = default_normalizer().normalize(text)
    return mask_text(norm.text), signal_vector(default_analyzer().analyze(norm))


def _views(texts: list[str]) -> tuple[list[str], np.ndarray]:
    pairs = [_VIEWS.get(t) or _view(t) for t in texts]
    masked = [m for m, _ in pairs]
    sig = np.vstack([v for _, v in pairs]) if pairs else np.zeros((0, len(SIGNAL_FEATURE_NAMES)))
    return masked, sig


class MessageFeatures(TransformerMixin, BaseEstimator):
    """Normalized char n-gram TF-IDF + signal features (see the module docstring).

    Parameters
    ----------
    ngram_range : tuple (min_n, max_n)
        Char n-gram sizes (``char_wb`` analyzer: n-grams inside word boundaries).
    max_features : int or None
        Keep the most frequent n-grams only (bounds the artifact size).
    min_df : int or float
        Ignore n-grams in fewer documents than this.
    signal_weight : float
        Scale of the signal features relative to the TF-IDF block (0 turns them off).
    """

    def __init__(self, ngram_range=(1, 3), max_features=None, min_df=1, signal_weight=1.0):
        self.ngram_range = ngram_range
        self.max_features = max_features
        self.min_df = min_df
        self.signal_weight = signal_weight

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True
        tags.input_tags.allow_nan = False
        tags.transformer_tags.preserves_dtype = []  # text in, float32 out
        return tags

    def fit(self, X, y=None):
        self._fit(X)
        return self

    def fit_transform(self, X, y=None, **fit_params):
        # Same result as fit(X).transform(X), normalizing each text once instead of twice.
        tfidf, sig = self._fit(X, keep=True)
        return self._stack(tfidf, sig)

    def _fit(self, X, keep: bool = False):
        X = validate_data(self, X, dtype=None, ensure_2d=True, ensure_min_samples=1)
        masked, sig = _views(row_texts(X))
        self.vectorizer_ = TfidfVectorizer(
            analyzer="char_wb",
            ngram_range=tuple(self.ngram_range),
            max_features=self.max_features,
            min_df=self.min_df,
            sublinear_tf=True,
            lowercase=False,
            dtype=np.float32,
        )
        tfidf = self.vectorizer_.fit_transform(masked) if keep else self.vectorizer_.fit(masked)
        self.n_ngrams_ = len(self.vectorizer_.vocabulary_)
        # The fitted vectorizer keeps the n-grams it dropped; those are fragments of training
        # texts and have no use at prediction time.
        if hasattr(self.vectorizer_, "stop_words_"):
            del self.vectorizer_.stop_words_
        return (tfidf, sig) if keep else None

    def transform(self, X):
        check_is_fitted(self, "vectorizer_")
        X = validate_data(self, X, dtype=None, ensure_2d=True, reset=False)
        masked, sig = _views(row_texts(X))
        return self._stack(self.vectorizer_.transform(masked), sig)

    def assemble(self, norms: list[NormalizedText], signals: list[list[Signal]]) -> sp.csr_matrix:
        """The feature matrix from already normalized texts and their signals."""
        sig = np.vstack([signal_vector(s) for s in signals]) if signals else None
        return self._stack(self.vectorizer_.transform([self._mask(n.text) for n in norms]), sig)

    def _stack(self, tfidf, sig: np.ndarray | None) -> sp.csr_matrix:
        if sig is None or len(sig) == 0:
            sig = np.zeros((0, len(SIGNAL_FEATURE_NAMES)))
        sig = sp.csr_matrix(sig * self.signal_weight, dtype=np.float32)
        return sp.hstack([tfidf, sig], format="csr", dtype=np.float32)

    def get_feature_names_out(self, input_features=None):
        check_is_fitted(self, "vectorizer_")
        grams = [f"char__{g}" for g in self.vectorizer_.get_feature_names_out()]
        return np.asarray(grams + list(SIGNAL_FEATURE_NAMES), dtype=object)

    @staticmethod
    def _normalize_full(text: str) -> NormalizedText:
        return default_normalizer().normalize(text)

    @staticmethod
    def _mask(text: str) -> str:
        """The model's view of a normalized text (:func:`model_input.mask_text`)."""
        return mask_text(text)
