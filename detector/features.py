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

import weakref
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.feature_extraction.text import TfidfTransformer, TfidfVectorizer
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
#: Char n-gram counts of the masked texts, consulted while ``precomputed_views`` is active.
_COUNTS: SharedCounts | None = None


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
def precomputed_views(
    views: Mapping[str, tuple[str, np.ndarray]], counts: SharedCounts | None = None
) -> Iterator[None]:
    """Let ``MessageFeatures`` look texts up in ``views`` (and their n-gram counts up in
    ``counts``) instead of recomputing them."""
    global _VIEWS, _COUNTS
    previous = _VIEWS, _COUNTS
    _VIEWS, _COUNTS = views, counts
    try:
        yield
    finally:
        _VIEWS, _COUNTS = previous


def _tfidf_vectorizer(ngram_range, max_features, min_df) -> TfidfVectorizer:
    return TfidfVectorizer(
        analyzer="char_wb",
        ngram_range=tuple(ngram_range),
        max_features=max_features,
        min_df=min_df,
        sublinear_tf=True,
        lowercase=False,
        dtype=np.float32,
    )


_CHUNK_TEXTS = 4096
_GRAM_BITS = np.uint64(21)
_GRAM_MASK = np.uint64((1 << 21) - 1)


def _count_chunk(texts: list[str], ngram_range) -> tuple[np.ndarray, sp.csr_matrix]:
    """Char n-gram counts of ``texts``: (packed n-gram codes, counts over those codes).

    The n-grams are ``char_wb``'s, packed by the serving path's NumPy analyzer
    (:func:`detector.fastpath._packed_ngrams`, tested equal to scikit-learn's); columns
    follow the sorted codes here and are put in the n-grams' string order by the caller.
    """
    from detector.fastpath import _packed_ngrams

    codes_parts, blocks = [], []
    for i in range(0, len(texts), _CHUNK_TEXTS):
        rows, codes = _packed_ngrams(texts[i : i + _CHUNK_TEXTS], *ngram_range)
        uniq, cols = np.unique(codes, return_inverse=True)
        block = sp.csr_matrix(
            (np.ones(len(cols), dtype=np.float32), (rows, cols.ravel())),
            shape=(min(_CHUNK_TEXTS, len(texts) - i), len(uniq)),
        )  # duplicates are summed: counts
        codes_parts.append(uniq)
        blocks.append(block)
    codes = np.unique(np.concatenate(codes_parts)) if codes_parts else np.zeros(0, np.uint64)
    merged = [
        sp.csr_matrix(
            (b.data, np.searchsorted(codes, u)[b.indices], b.indptr),
            shape=(b.shape[0], len(codes)),
        )
        for u, b in zip(codes_parts, blocks, strict=True)
    ]
    counts = sp.vstack(merged, format="csr") if merged else sp.csr_matrix((0, 0), dtype=np.float32)
    return codes, counts


def _unpack(codes: np.ndarray) -> np.ndarray:
    """Packed n-gram codes → the n-grams as strings."""
    parts = [(codes >> (_GRAM_BITS * np.uint64(k))) & _GRAM_MASK for k in (2, 1, 0)]
    return np.array(
        ["".join(chr(int(c) - 1) for c in chars if c) for chars in zip(*parts, strict=True)],
        dtype=object,
    )


class SharedCounts:
    """Char n-gram counts of every distinct masked text of a training run, counted once.

    Training fits five vectorizers (four cross-validation folds and the final model) on
    overlapping parts of one corpus. Each derives its vocabulary, idf and matrices from
    these rows by the same steps ``TfidfVectorizer`` takes on the texts (count, sort by
    n-gram, keep ``min_df``, keep the ``max_features`` most frequent, idf), so the fitted
    vectorizer and every matrix are equal to a plain fit's (tested); counting once saves
    most of the cost of each fit.
    """

    def __init__(self, terms: np.ndarray, counts: sp.csr_matrix, texts: list[str], ngram_range):
        self.terms = terms  # sorted, as CountVectorizer sorts its vocabulary
        self.counts = counts
        self.ngram_range = tuple(ngram_range)
        self._row = {t: i for i, t in enumerate(texts)}
        self._columns = weakref.WeakKeyDictionary()  # vectorizer fitted here → its columns

    def __getstate__(self) -> dict:
        state = self.__dict__.copy()
        del state["_columns"]  # which vectorizers this process fitted: not for other processes
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self._columns = weakref.WeakKeyDictionary()

    @staticmethod
    def supports(ngram_range) -> bool:
        """Whether the packed counter handles these n-gram sizes (1 to 3 characters: three
        21-bit code points fill a 64-bit code)."""
        from detector.fastpath import _PACKED_MAX_N

        low, high = ngram_range
        return 1 <= low <= high <= _PACKED_MAX_N

    @classmethod
    def count(cls, texts: list[str], ngram_range, n_jobs: int = -1) -> SharedCounts:
        """Count ``texts`` in two halves on two cores and merge the vocabularies."""
        from joblib import Parallel, delayed

        if not cls.supports(ngram_range):
            raise ValueError(f"shared counts hold 1- to 3-grams, not {tuple(ngram_range)}")
        texts = list(dict.fromkeys(texts))
        halves = [texts[: len(texts) // 2], texts[len(texts) // 2 :]]
        parts = Parallel(n_jobs=n_jobs)(delayed(_count_chunk)(h, ngram_range) for h in halves if h)
        codes = np.unique(np.concatenate([c for c, _ in parts]))
        # CountVectorizer orders its vocabulary by the n-grams' strings, not by their codes.
        terms = _unpack(codes)
        order = np.argsort(terms, kind="stable")
        column_of_code = np.empty(len(codes), dtype=np.int32)
        column_of_code[order] = np.arange(len(codes), dtype=np.int32)
        blocks = []
        for part_codes, counts in parts:
            remap = column_of_code[np.searchsorted(codes, part_codes)]
            counts = sp.csr_matrix(
                (counts.data, remap[counts.indices], counts.indptr),
                shape=(counts.shape[0], len(codes)),
            )
            counts.sort_indices()
            blocks.append(counts)
        return cls(terms[order], sp.vstack(blocks, format="csr"), texts, ngram_range)

    def _compatible(self, vectorizer: TfidfVectorizer, masked: list[str]) -> bool:
        return (
            vectorizer.analyzer == "char_wb"
            and tuple(vectorizer.ngram_range) == self.ngram_range
            and vectorizer.lowercase is False
            and not vectorizer.binary
            and vectorizer.max_df == 1.0
            and vectorizer.vocabulary is None
            and isinstance(vectorizer.min_df, int)
            and all(t in self._row for t in masked)
        )

    def _rows(self, masked: list[str]) -> sp.csr_matrix:
        return self.counts[np.fromiter((self._row[t] for t in masked), dtype=np.int64)]

    def fit_transform(self, vectorizer: TfidfVectorizer, masked: list[str]):
        """Fit ``vectorizer`` on ``masked`` from the counts and return its matrix; ``None``
        when the counts cannot stand in for the texts."""
        if not masked or not self._compatible(vectorizer, masked):
            return None
        rows = self._rows(masked)
        # The fold's own vocabulary: n-grams that occur in its texts, in sorted order.
        present = np.flatnonzero(np.bincount(rows.indices, minlength=len(self.terms)))
        X = rows[:, present]
        dfs = np.bincount(X.indices, minlength=X.shape[1])
        mask = dfs >= vectorizer.min_df
        limit = vectorizer.max_features
        if limit is not None and mask.sum() > limit:
            tfs = np.asarray(X.sum(axis=0)).ravel()
            keep = (-tfs[mask]).argsort()[:limit]
            new_mask = np.zeros(len(dfs), dtype=bool)
            new_mask[np.flatnonzero(mask)[keep]] = True
            mask = new_mask
        kept = np.flatnonzero(mask)
        if len(kept) == 0:
            return None
        columns = present[kept]
        X = X[:, kept]
        vectorizer.vocabulary_ = dict(
            zip(self.terms[columns].tolist(), np.arange(len(kept), dtype=np.int64), strict=True)
        )
        vectorizer.fixed_vocabulary_ = False
        vectorizer._tfidf = TfidfTransformer(
            norm=vectorizer.norm,
            use_idf=vectorizer.use_idf,
            smooth_idf=vectorizer.smooth_idf,
            sublinear_tf=vectorizer.sublinear_tf,
        ).fit(X)
        self._columns[vectorizer] = columns
        return vectorizer._tfidf.transform(X, copy=False)

    def transform(self, vectorizer: TfidfVectorizer, masked: list[str]):
        """``vectorizer.transform(masked)`` from the counts, for a vectorizer fitted by
        :meth:`fit_transform` in this process; ``None`` otherwise."""
        columns = self._columns.get(vectorizer)
        if columns is None or not masked or not all(t in self._row for t in masked):
            return None
        return vectorizer._tfidf.transform(self._rows(masked)[:, columns], copy=False)


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
        self.vectorizer_ = _tfidf_vectorizer(self.ngram_range, self.max_features, self.min_df)
        tfidf = _COUNTS.fit_transform(self.vectorizer_, masked) if _COUNTS is not None else None
        if tfidf is None:
            tfidf = self.vectorizer_.fit_transform(masked)
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
        tfidf = _COUNTS.transform(self.vectorizer_, masked) if _COUNTS is not None else None
        if tfidf is None:
            tfidf = self.vectorizer_.transform(masked)
        return self._stack(tfidf, sig)

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
