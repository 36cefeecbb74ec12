"""The message model compiled to NumPy arrays: the serving path, without scikit-learn.

The fitted Pipeline stays the artifact of record: ``MessageFeatures`` → either
``CalibratedClassifierCV(<linear model>, method="sigmoid", ensemble=False)`` or
:class:`detector.classifier.BlendedScamClassifier` (two such models, one over categories and
one scam-vs-benign, blended). At save time its parameters are also exported into
``message_model.npz`` (:meth:`CompiledScorer.save`): the vocabulary (code points, no
pickle), idf, the coefficients, intercepts and sigmoid calibrators of each linear "head",
the classes, the blend, and the settings of the ``char_wb`` analyzer and of the text mask.
:meth:`CompiledScorer.load` rebuilds the scorer from that file with NumPy alone, so a
service worker never imports scikit-learn, SciPy or pandas; tests check it gives the
Pipeline's probabilities.

The n-gram lookup is vectorized: with n-grams of at most three characters each n-gram packs
into one 64-bit integer (21 bits per code point), the vocabulary is a sorted array of those
integers (3 MB instead of a 26 MB dict of strings) and a text's n-grams are found with one
``searchsorted``. Longer n-grams fall back to a dict and the same analyzer in Python.
"""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from detector.errors import ModelError
from detector.model_input import (
    SIGNAL_FEATURE_NAMES,
    blend_probabilities,
    mask_fingerprint,
    mask_text,
    signal_vector,
)
from detector.normalize import NormalizedText
from detector.results import Signal

FORMAT = 1
KIND = "kefuguard.message.linear-heads"
#: Code points are below 0x110000 (21 bits); three of them (+1 each) fit in 63 bits.
_BITS = 21
_PACKED_MAX_N = 3
#: Texts scored per vectorized block (bounds the n-grams × classes temporaries).
BLOCK_TEXTS = 256
#: Python's whitespace (``str.isspace``, what ``str.split()`` splits on): all below U+3001.
_WS_LIMIT = 0x3001
_IS_SPACE = np.array([chr(c).isspace() for c in range(_WS_LIMIT)], dtype=bool)


def _code_points(text: str) -> np.ndarray:
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype="<u4")


class CompiledScorer:
    """Calibrated class probabilities of normalized texts + their signals (NumPy only)."""

    def __init__(
        self, meta: dict[str, Any], arrays: dict[str, np.ndarray], keep_source: bool = True
    ):
        self.meta = meta
        self.ngram_range = (int(meta["ngram_range"][0]), int(meta["ngram_range"][1]))
        self.signal_weight = float(meta["signal_weight"])
        self.classes = np.asarray(meta["classes"], dtype=object)
        self.heads = [(int(h["columns"]), int(h["n_classes"])) for h in meta["heads"]]
        self.combine = dict(meta["combine"])
        idf = np.ascontiguousarray(arrays["idf"], dtype=np.float64)
        self.n_ngrams = len(idf)
        coef_t = np.asarray(arrays["coef_t"], dtype=np.float64)
        # The n-gram block is held in float32 (half the memory, 10 MB for the shipped model):
        # probabilities move by ~1e-8, as the Pipeline's own float32 TF-IDF does.
        coef_ngrams = np.asarray(coef_t[: self.n_ngrams], dtype=np.float32)
        # Signal features enter scaled by signal_weight: fold the scale into their rows.
        self._coef_signals = coef_t[self.n_ngrams :] * self.signal_weight
        self.intercept = np.asarray(arrays["intercept"], dtype=np.float64)
        self.a = np.asarray(arrays["sigmoid_a"], dtype=np.float64)
        self.b = np.asarray(arrays["sigmoid_b"], dtype=np.float64)
        self.targets = np.asarray(arrays["targets"], dtype=np.intp)
        self._scam_mask = np.asarray(self.combine.get("scam_mask", []), dtype=bool)
        chars = np.asarray(arrays["vocab_chars"], dtype=np.uint32)
        lengths = np.asarray(arrays["vocab_lengths"], dtype=np.uint8)
        self._check(chars, lengths, coef_ngrams)
        self._source = dict(arrays) if keep_source else None  # only saving needs it
        self.packed = self.ngram_range[0] >= 1 and self.ngram_range[1] <= _PACKED_MAX_N
        self._vocabulary: dict[str, int] | None = None
        if self.packed:
            # Rows of idf and coefficients in the order of the sorted n-gram codes, so the
            # position searchsorted finds is the row; a sentinel above every code ends it.
            codes = _pack_vocabulary(chars, lengths.astype(np.int64))
            order = np.argsort(codes, kind="stable")
            codes = codes[order]
            if np.any(codes[1:] == codes[:-1]):
                raise ModelError("compiled message model: duplicate n-grams in the vocabulary")
            self._codes = np.append(codes, np.uint64(np.iinfo(np.uint64).max))
            self.idf = idf[order]
            self._coef_ngrams = np.ascontiguousarray(coef_ngrams[order])
        else:
            starts = np.concatenate([[0], np.cumsum(lengths.astype(np.int64))])
            text = chars.astype("<u4").tobytes().decode("utf-32-le", "surrogatepass")
            self._vocabulary = {text[starts[j] : starts[j + 1]]: j for j in range(self.n_ngrams)}
            self.idf = idf
            self._coef_ngrams = np.ascontiguousarray(coef_ngrams)

    def _check(self, chars: np.ndarray, lengths: np.ndarray, coef_ngrams: np.ndarray) -> None:
        def bad(why: str) -> ModelError:
            return ModelError(f"compiled message model: {why}")

        if int(lengths.astype(np.int64).sum()) != len(chars):
            raise bad("vocabulary arrays do not agree")
        if len(lengths) != self.n_ngrams:
            raise bad("vocabulary and idf differ in length")
        width = len(self.a)
        if coef_ngrams.shape != (self.n_ngrams, width) or self._coef_signals.shape != (
            len(SIGNAL_FEATURE_NAMES),
            width,
        ):
            raise bad("coefficient shape does not match")
        if not (len(self.b) == len(self.intercept) == len(self.targets) == width):
            raise bad("calibrators do not match the coefficients")
        if sum(columns for columns, _ in self.heads) != width:
            raise bad("heads do not match the coefficients")
        if not self.heads or self.heads[0][1] != len(self.classes):
            raise bad("the first head does not cover the classes")
        kind = self.combine.get("kind")
        if kind not in ("single", "blend") or (kind == "blend") != (len(self.heads) == 2):
            raise bad("unknown way of combining its heads")
        if kind == "blend" and len(self._scam_mask) != len(self.classes):
            raise bad("scam mask does not match the classes")

    # Building ----------

    @classmethod
    def from_pipeline(cls, pipeline) -> CompiledScorer:
        """Read the fitted parameters out of a trained Pipeline (needs scikit-learn).

        Raises TypeError for a Pipeline of another shape.
        """
        from detector import features as fm

        features, clf = pipeline[0], pipeline[-1]
        if not isinstance(features, fm.MessageFeatures):
            raise TypeError("first step is not MessageFeatures")
        if hasattr(clf, "calibrated_classifiers_"):
            heads = [_linear_head(clf)]
            combine: dict[str, Any] = {"kind": "single"}
        elif hasattr(clf, "category_") and hasattr(clf, "scam_mask_"):  # BlendedScamClassifier
            heads = [_linear_head(clf.category_)]
            combine = {"kind": "single"}
            if getattr(clf, "risk_", None) is not None:
                heads.append(_linear_head(clf.risk_))
                combine = {
                    "kind": "blend",
                    "scam_mask": [bool(m) for m in clf.scam_mask_],
                    "risk_weight": float(clf.risk_weight),
                    "risk_column": [bool(c) for c in clf.risk_.classes_].index(True),
                }
            if [str(c) for c in clf.classes_] != [str(c) for c in heads[0]["classes"]]:
                raise TypeError("classifier and category model name different classes")
        else:
            raise TypeError(f"unsupported classifier {type(clf).__name__}")
        vec = features.vectorizer_
        settings_ok = (
            vec.analyzer == "char_wb"
            and vec.input == "content"
            and not vec.lowercase
            and vec.preprocessor is None
            and vec.tokenizer is None
            and vec.strip_accents is None
            and vec.sublinear_tf
            and vec.use_idf
            and vec.norm == "l2"
            and not vec.binary
        )
        if not settings_ok:
            raise TypeError("unexpected TF-IDF settings")
        names = list(SIGNAL_FEATURE_NAMES)
        patterns = mask_fingerprint()
        grams = [""] * len(vec.vocabulary_)
        for gram, j in vec.vocabulary_.items():
            grams[j] = gram
        if any(len(g) > 255 for g in grams):
            raise TypeError("n-grams longer than 255 characters")
        meta = {
            "format": FORMAT,
            "kind": KIND,
            "analyzer": "char_wb",
            "ngram_range": [int(n) for n in vec.ngram_range],
            "lowercase": False,
            "sublinear_tf": True,
            "norm": "l2",
            "signal_weight": float(features.signal_weight),
            "signal_features": names,
            "mask": patterns,
            "classes": [str(c) for c in heads[0]["classes"]],
            "calibration": "sigmoid",
            "heads": [
                {"columns": len(h["a"]), "n_classes": len(h["classes"]), "classes": h["classes"]}
                for h in heads
            ],
            "combine": combine,
        }
        arrays = {
            "vocab_chars": _code_points("".join(grams)).astype(np.uint32),
            "vocab_lengths": np.array([len(g) for g in grams], dtype=np.uint8),
            "idf": np.asarray(vec.idf_, dtype=np.float64),
            "coef_t": np.ascontiguousarray(np.hstack([h["coef_t"] for h in heads])),
            "intercept": np.concatenate([h["intercept"] for h in heads]),
            "sigmoid_a": np.concatenate([h["a"] for h in heads]),
            "sigmoid_b": np.concatenate([h["b"] for h in heads]),
            "targets": np.concatenate([h["targets"] for h in heads]),
        }
        return cls(meta, arrays)

    @classmethod
    def try_compile(cls, pipeline) -> CompiledScorer | None:
        try:
            return cls.from_pipeline(pipeline)
        except (TypeError, AttributeError, KeyError, IndexError, ValueError):
            return None

    # The file ----------

    def arrays(self) -> dict[str, np.ndarray]:
        if self._source is None:
            raise ModelError("this compiled model was loaded for scoring; save the original")
        return dict(self._source)

    def save(self, path: Path) -> None:
        """Write the ``.npz`` (plain arrays, no pickle) byte-identically for the same model."""
        write_npz(path, self.meta, self.arrays())

    @classmethod
    def load(cls, path: Path) -> CompiledScorer:
        """Read a compiled model written by :meth:`save` (the caller verified its sha256)."""
        meta, arrays = read_npz(path)
        if meta.get("kind") != KIND or meta.get("format") != FORMAT:
            raise ModelError(f"{path} is not a compiled message model this kefuguard reads")
        if meta.get("analyzer") != "char_wb" or meta.get("calibration") != "sigmoid":
            raise ModelError(f"{path}: unsupported analyzer or calibration")
        if list(meta.get("signal_features", [])) != list(SIGNAL_FEATURE_NAMES):
            raise ModelError(
                f"{path} was built with other signal features than this kefuguard computes; "
                "retrain with 'kefuguard train'"
            )
        if meta.get("mask") != mask_fingerprint():
            raise ModelError(
                f"{path} was built with another text mask than this kefuguard applies; "
                "retrain with 'kefuguard train'"
            )
        try:
            return cls(meta, arrays, keep_source=False)
        except (KeyError, TypeError, ValueError) as exc:
            raise ModelError(f"{path} is incomplete: {exc}") from exc

    # Scoring ----------

    def predict_proba(self, norms: list[NormalizedText], signals: list[list[Signal]]) -> np.ndarray:
        texts = [mask_text(n.text) for n in norms]
        if len(texts) == 1:  # one chat message: the lean path (a few dozen NumPy calls)
            decision = self._ngram_decision_one(texts[0])
            decision += signal_vector(signals[0]) @ self._coef_signals
            decision = decision[None, :]
        else:
            decision = np.zeros((len(texts), len(self.a)))
            for start in range(0, len(texts), BLOCK_TEXTS):
                block = slice(start, start + BLOCK_TEXTS)
                decision[block] = self._ngram_decision(texts[block])
            if texts:
                decision += np.vstack([signal_vector(s) for s in signals]) @ self._coef_signals
        decision += self.intercept
        with np.errstate(over="ignore"):
            calibrated = 1.0 / (1.0 + np.exp(self.a * decision + self.b))
        probas, start = [], 0
        for columns, n_classes in self.heads:
            part = slice(start, start + columns)
            probas.append(_normalize(calibrated[:, part], self.targets[part], n_classes))
            start += columns
        if self.combine["kind"] == "single":
            return probas[0]
        category, binary = probas
        w = float(self.combine["risk_weight"])
        risk = (1.0 - w) * category[:, self._scam_mask].sum(axis=1)
        risk += w * binary[:, int(self.combine["risk_column"])]
        return blend_probabilities(category, risk, self._scam_mask)

    def _ngram_decision(self, texts: list[str]) -> np.ndarray:
        """The TF-IDF block's part of the decision function, one row per text."""
        rows, columns, tf = self._counts(texts)
        out = np.zeros((len(texts), len(self.a)))
        if not len(columns):
            return out
        data = (1.0 + np.log(tf)) * self.idf[columns]
        norms = np.sqrt(np.bincount(rows, weights=data * data, minlength=len(texts)))
        data /= norms[rows]
        contributions = data[:, None] * self._coef_ngrams[columns]
        starts = np.flatnonzero(np.r_[True, rows[1:] != rows[:-1]])
        out[rows[starts]] = np.add.reduceat(contributions, starts, axis=0)
        return out

    def _ngram_decision_one(self, text: str) -> np.ndarray:
        """:meth:`_ngram_decision` of one text, with fewer and smaller array operations."""
        if self.packed:
            codes = np.sort(_packed_ngrams_one(text, *self.ngram_range))
            at = np.searchsorted(self._codes, codes)  # sorted keys: a faster search
            at = at[self._codes[at] == codes]  # the known n-grams, sorted
            n = len(at)
            if not n:
                return np.zeros(len(self.a))
            edge = np.empty(n + 1, dtype=bool)  # where a run of one n-gram starts or ends
            edge[0] = edge[n] = True
            np.not_equal(at[1:], at[:-1], out=edge[1:n])
            bounds = np.flatnonzero(edge)
            tf = bounds[1:] - bounds[:-1]
            rows = at[bounds[:-1]]
        else:
            rows, tf = np.unique(self._dict_lookup([text])[1], return_counts=True)
        if not len(rows):
            return np.zeros(len(self.a))
        data = (1.0 + np.log(tf)) * self.idf[rows]
        return (data / np.sqrt(data @ data)) @ self._coef_ngrams[rows]

    def _counts(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(text, row of idf and coefficients, term frequency) of every known n-gram, sorted
        by text then row."""
        if self.packed:
            rows, codes = _packed_ngrams(texts, *self.ngram_range)
            at = np.searchsorted(self._codes, codes)
            known = self._codes[at] == codes
            rows, columns = rows[known], at[known].astype(np.int64)
        else:
            rows, columns = self._dict_lookup(texts)
        keys, tf = np.unique(rows * self.n_ngrams + columns, return_counts=True)
        return keys // self.n_ngrams, keys % self.n_ngrams, tf.astype(np.float64)

    def _dict_lookup(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
        lookup = self._vocabulary.get  # type: ignore[union-attr]
        rows: list[int] = []
        columns: list[int] = []
        for i, text in enumerate(texts):
            for gram in char_wb_ngrams(text, *self.ngram_range):
                j = lookup(gram)
                if j is not None:
                    rows.append(i)
                    columns.append(j)
        return np.asarray(rows, dtype=np.int64), np.asarray(columns, dtype=np.int64)


def _linear_head(clf) -> dict[str, Any]:
    """The arrays of one ``CalibratedClassifierCV(<linear>, "sigmoid", ensemble=False)``."""
    if getattr(clf, "ensemble", True) is not False or len(clf.calibrated_classifiers_) != 1:
        raise TypeError("classifier is not a single calibrated linear model")
    calibrated = clf.calibrated_classifiers_[0]
    if calibrated.method != "sigmoid" or not hasattr(calibrated.estimator, "coef_"):
        raise TypeError("calibration is not sigmoid over a linear model")
    est = calibrated.estimator
    if len(clf.classes_) == 2:
        targets = [1]  # one calibrator, for the second class
    else:
        positions = {c: i for i, c in enumerate(clf.classes_)}
        targets = [positions[c] for c in est.classes_]
    return {
        "classes": [c.item() if isinstance(c, np.generic) else c for c in clf.classes_],
        "coef_t": np.asarray(est.coef_, dtype=np.float64).T,
        "intercept": np.asarray(est.intercept_, dtype=np.float64).ravel(),
        "a": np.array([c.a_ for c in calibrated.calibrators], dtype=np.float64),
        "b": np.array([c.b_ for c in calibrated.calibrators], dtype=np.float64),
        "targets": np.asarray(targets, dtype=np.int64),
    }


def _normalize(calibrated: np.ndarray, targets: np.ndarray, n_classes: int) -> np.ndarray:
    """Class probabilities from per-class sigmoid outputs, as ``CalibratedClassifierCV``."""
    proba = np.zeros((len(calibrated), n_classes))
    if n_classes == 2:
        proba[:, 1] = calibrated[:, 0]
        proba[:, 0] = 1.0 - proba[:, 1]
    else:
        proba[:, targets] = calibrated
        denominator = proba.sum(axis=1, keepdims=True)
        uniform = np.full_like(proba, 1 / n_classes)
        proba = np.divide(proba, denominator, out=uniform, where=denominator != 0)
    proba[(proba > 1.0) & (proba <= 1.0 + 1e-5)] = 1.0
    return proba


# The analyzer ----------


def char_wb_ngrams(text: str, min_n: int, max_n: int) -> list[str]:
    """scikit-learn's ``char_wb`` analyzer (no lowercasing, no preprocessing), in Python."""
    out: list[str] = []
    for w in text.split():
        w = " " + w + " "
        w_len = len(w)
        for n in range(min_n, max_n + 1):
            offset = 0
            out.append(w[offset : offset + n])
            while offset + n < w_len:
                offset += 1
                out.append(w[offset : offset + n])
            if offset == 0:  # a short word counts once
                break
    return out


def _pack_vocabulary(chars: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    if len(lengths) and (lengths.min() < 1 or lengths.max() > _PACKED_MAX_N):
        raise ModelError("compiled message model: n-gram lengths outside the analyzer's range")
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64)
    width = int(lengths.max()) if len(lengths) else 1
    grams = np.zeros((len(lengths), width), dtype=np.uint64)
    for k in range(width):
        has = lengths > k
        grams[has, k] = chars[starts[has] + k].astype(np.uint64) + 1
    # Left-align → right-align so a gram of length n packs like the text side does.
    codes = np.zeros(len(lengths), dtype=np.uint64)
    for k in range(width):
        has = lengths > k
        codes[has] = (codes[has] << np.uint64(_BITS)) | grams[has, k]
    return codes


def _packed_ngrams_one(text: str, min_n: int, max_n: int) -> np.ndarray:
    """The packed ``char_wb`` n-grams of one text (see :func:`_packed_ngrams`).

    The padded words are laid out as ``" w1  w2  w3 "``: an n-gram lies inside one padded
    word exactly when it does not contain two spaces in a row.
    """
    words = text.split()
    if not words:
        return np.zeros(0, dtype=np.uint64)
    seq = _code_points(" " + "  ".join(words) + " ").astype(np.uint64)
    seq += 1
    total = len(seq)
    blank = seq == 33  # ord(" ") + 1
    double = blank[:-1] & blank[1:]
    parts = []
    code = seq
    crossing = np.zeros(total, dtype=bool)
    for n in range(1, max_n + 1):
        if n > total:
            break
        if n > 1:
            code = (code[:-1] << np.uint64(_BITS)) | seq[n - 1 :]
            crossing = crossing[:-1] | double[n - 2 : n - 2 + len(code)]
        if n >= min_n:
            parts.append(code[~crossing] if n > 1 else code)
    return np.concatenate(parts) if len(parts) > 1 else parts[0]


def _packed_ngrams(texts: list[str], min_n: int, max_n: int) -> tuple[np.ndarray, np.ndarray]:
    """(text index, packed code) of every ``char_wb`` n-gram of every text.

    Words are maximal runs of non-whitespace; each is padded with one space on either side
    and every n-gram of the padded word is emitted (a padded word has at least 3 characters,
    so with ``max_n <= 3`` scikit-learn's short-word rule never applies).
    """
    lengths = [len(t) for t in texts]
    cps = _code_points(" ".join(texts))
    if not len(cps):
        return np.zeros(0, np.int64), np.zeros(0, np.uint64)
    small = cps < _WS_LIMIT
    space = np.zeros(len(cps), dtype=bool)
    space[small] = _IS_SPACE[cps[small]]
    keep = ~space
    first = keep & ~np.r_[False, keep[:-1]]
    word_of_char = np.cumsum(first) - 1  # word number of each kept character
    kept_at = np.flatnonzero(keep)
    if not len(kept_at):
        return np.zeros(0, np.int64), np.zeros(0, np.uint64)
    chars = cps[kept_at].astype(np.uint64) + 1
    words = word_of_char[kept_at]
    n_words = int(words[-1]) + 1
    word_len = np.bincount(words, minlength=n_words)
    # The padded sequence: " " + word + " " for every word, one after the other.
    padded_len = word_len + 2
    total = int(padded_len.sum())
    seq = np.full(total, 33, dtype=np.uint64)  # ord(" ") + 1
    seq[np.arange(len(chars)) + 2 * words + 1] = chars
    word_of_pos = np.repeat(np.arange(n_words), padded_len)
    # Which text each word comes from: texts were joined with one space.
    text_start = np.cumsum([0, *[n + 1 for n in lengths[:-1]]])
    word_start_char = kept_at[first[kept_at]]
    text_of_word = np.searchsorted(text_start, word_start_char, side="right") - 1
    code_parts, row_parts = [], []
    for n in range(min_n, max_n + 1):
        if n > total:
            break
        m = total - n + 1
        code = seq[:m].copy()
        for k in range(1, n):
            code = (code << np.uint64(_BITS)) | seq[k : k + m]
        inside = word_of_pos[:m] == word_of_pos[n - 1 : n - 1 + m]
        code_parts.append(code[inside])
        row_parts.append(text_of_word[word_of_pos[:m][inside]])
    return np.concatenate(row_parts).astype(np.int64), np.concatenate(code_parts)


# Plain .npz ----------


def write_npz(path: Path, meta: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
    """An ``.npz`` of plain arrays plus a JSON ``meta`` entry, identical bytes for identical
    input (fixed entry dates; ``np.savez`` stamps the current time)."""
    entries = {"meta": np.frombuffer(json.dumps(meta, sort_keys=True).encode(), dtype=np.uint8)}
    entries.update(arrays)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, array in entries.items():
            buffer = io.BytesIO()
            np.lib.format.write_array(buffer, np.ascontiguousarray(array), allow_pickle=False)
            info = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, buffer.getvalue(), compresslevel=6)


def read_npz(path: Path) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    try:
        with np.load(path, allow_pickle=False) as data:
            arrays = {name: data[name] for name in data.files}
        meta = json.loads(arrays.pop("meta").tobytes().decode("utf-8"))
    except (OSError, ValueError, KeyError, zipfile.BadZipFile) as exc:
        raise ModelError(f"cannot read {path}: {exc}") from exc
    if not isinstance(meta, dict):
        raise ModelError(f"{path}: meta is not an object")
    return meta, arrays
