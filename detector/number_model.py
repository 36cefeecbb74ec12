"""The number risk model: number structure + report aggregates + registry facts → risk.

One row per contact. The features (:data:`FEATURES`) come from three places:

* the number's structure (``detector/numbers.py``): ``line_class`` and ``valid``;
* the official registry: ``official`` (1 when the number is listed as some brand's own);
* the user reports, aggregated by :func:`detector.reports.aggregate_reports` (the one
  definition of the aggregates): counts, distinct reporters, decayed weight, recency.

:func:`number_features` is the one feature builder. It is vectorized: an audit calls it on
the whole ``aggregate_reports()`` table at once, the service on one contact through
:func:`features_for_one`, which only builds a one-row frame and calls it.

The model is one scikit-learn Pipeline (:func:`build_number_pipeline`): one-hot
``line_class`` + numeric passthrough → ``CalibratedClassifierCV(HistGradientBoosting…,
isotonic, ensemble=False)`` — one booster refit on all rows, so scoring 200,000 contacts
costs one model, not three. The booster is monotone where it must be (:data:`MONOTONIC`):
more distinct
reporters, more decayed weight, more recent reports or a larger flagged share never lower
the risk; being in the official registry or the evidence being older never raises it.
Isotonic calibration is a non-decreasing map of the booster's score and the calibrated
ensemble is a mean of such maps, so the constraints hold for the calibrated risk too.

The shipped model sits in ``models/numbers/`` with a manifest, verified exactly like the
message model (sha256 and size before unpickling, major.minor library versions). Beside the
Pipeline (the artifact of record), :func:`save_number_model` exports ``number_model.npz``:
the booster's trees as node arrays and the isotonic calibrator's thresholds
(:class:`CompiledNumberModel`), so the service predicts with NumPy alone and never imports
scikit-learn or pandas (:meth:`NumberModel.risk_for_one`); tests check it gives the
Pipeline's ``predict_proba``.
"""

from __future__ import annotations

import math
import os
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from detector.errors import InvalidInputError, ModelError
from detector.fastpath import read_npz, write_npz
from detector.model import (
    DEFAULT_MODEL_DIR,
    add_files,
    load_verified,
    save_artifact,
    verified_manifest,
)
from detector.numbers import LINE_CLASSES
from detector.reports import STATS_COLUMNS
from detector.results import NumberInfo, ReportStats

if TYPE_CHECKING:  # imported where used: the service's scoring path needs neither
    import pandas as pd
    from sklearn.pipeline import Pipeline

#: ``line_class`` of a contact whose number structure is not known (``info=None``): it is
#: outside :data:`LINE_CLASSES`, so its one-hot columns are all zero.
UNKNOWN_LINE_CLASS = "unknown"
#: ``days_since_last`` of a contact nobody reported (and the cap for very old reports).
NO_REPORT_DAYS = 3650.0

COUNT_FEATURES = ("count", "distinct_reporters", "weighted", "count_7d", "count_30d")
NUMERIC_FEATURES = (
    "valid",
    "official",
    *COUNT_FEATURES,
    "flagged_share",
    "days_since_last",
    "active_days",
)
#: The model's input columns, in order.
FEATURES = ("line_class", *NUMERIC_FEATURES)
#: +1: risk never decreases with the feature; -1: never increases; absent: free.
MONOTONIC = {
    "official": -1,
    "distinct_reporters": 1,
    "weighted": 1,
    "count_7d": 1,
    "count_30d": 1,
    "flagged_share": 1,
    "days_since_last": -1,
}

MODEL_FILE = "number_model.joblib"
COMPILED_FILE = "number_model.npz"
MANIFEST_KEYS = ("format", "model_version", "files", "versions", "features", "thresholds")
THRESHOLD_NAMES = ("suspicious", "known_scam")
TRAIN_COMMAND = "kefuguard train-numbers"
DEFAULT_NUMBER_MODEL_DIR = DEFAULT_MODEL_DIR / "numbers"
NUMBER_MODEL_DIR_ENV = "KEFUGUARD_NUMBER_MODEL_DIR"


def default_number_model_dir() -> Path:
    """``$KEFUGUARD_NUMBER_MODEL_DIR`` when set, else the shipped ``models/numbers/``."""
    return Path(os.environ.get(NUMBER_MODEL_DIR_ENV) or DEFAULT_NUMBER_MODEL_DIR)


# Features ----------


def _utc_timestamp(now: datetime | pd.Timestamp | None) -> pd.Timestamp:
    import pandas as pd

    ts = pd.Timestamp(now or datetime.now(UTC))
    return ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")


def _column(stats: pd.DataFrame, name: str, given: Any) -> pd.Series:
    """``given`` (a scalar or one value per row) when passed, else ``stats[name]``."""
    import pandas as pd

    if given is None:
        if name not in stats.columns:
            raise InvalidInputError(f"number_features() needs a {name!r} column or argument")
        return stats[name]
    if np.ndim(given) == 0:
        return pd.Series(given, index=stats.index)
    values = np.asarray(given)  # keeps bool / numeric dtypes for the fast path of _flag
    if len(values) != len(stats):
        raise InvalidInputError(
            f"{name}: {len(values)} values for {len(stats)} rows of report aggregates"
        )
    return pd.Series(values, index=stats.index)


def _flag(values: pd.Series, name: str) -> np.ndarray:
    """0/1 floats from bools, 0/1 numbers or "true"/"false" strings; anything else is an error."""
    import pandas as pd

    if pd.api.types.is_bool_dtype(values) or pd.api.types.is_numeric_dtype(values):
        numbers = values.astype(float)
        bad = ~numbers.isin((0.0, 1.0))
        if not bad.any():
            return numbers.to_numpy()
        raise InvalidInputError(f"{name} must be 0/1 or true/false, not {values[bad].iloc[0]!r}")
    words = {"true": 1.0, "false": 0.0, "1": 1.0, "0": 0.0, "1.0": 1.0, "0.0": 0.0}
    mapped = values.map(lambda v: words.get(str(v).strip().lower(), np.nan))
    if mapped.isna().any():
        bad = values[mapped.isna()].iloc[0]
        raise InvalidInputError(f"{name} must be 0/1 or true/false, not {bad!r}")
    return mapped.to_numpy(dtype=float)


def _days(delta: pd.Series) -> pd.Series:
    return delta.dt.total_seconds() / 86400.0


def number_features(
    stats: pd.DataFrame,
    now: datetime | pd.Timestamp | None = None,
    *,
    line_class: Any = None,
    valid: Any = None,
    official: Any = None,
) -> pd.DataFrame:
    """The feature frame (:data:`FEATURES`, index of ``stats``) of many contacts at once.

    ``stats`` is shaped like :func:`detector.reports.aggregate_reports` output (one row per
    contact, :data:`~detector.reports.STATS_COLUMNS`); a contact without reports may have
    NaN/NaT there (e.g. after a left join) or the columns may be missing: that means zero
    reports. ``line_class``, ``valid`` and ``official`` are taken from the arguments (a
    scalar or one value per row) or else from columns of ``stats`` with those names. ``now``
    must be the ``now`` the aggregates were computed at (default: the current time).
    """
    import pandas as pd

    now_ts = _utc_timestamp(now)
    out = pd.DataFrame(index=stats.index)
    lc = _column(stats, "line_class", line_class)
    out["line_class"] = lc.where(lc.notna(), UNKNOWN_LINE_CLASS).astype(str).to_numpy()
    out["valid"] = _flag(_column(stats, "valid", valid), "valid")
    out["official"] = _flag(_column(stats, "official", official), "official")
    for name in (*COUNT_FEATURES, "flagged_share"):
        if name in stats.columns:
            values = pd.to_numeric(stats[name], errors="coerce").astype(float)
            out[name] = values.fillna(0.0).clip(lower=0.0).to_numpy()
        else:
            out[name] = 0.0
    out["flagged_share"] = out["flagged_share"].clip(upper=1.0)

    def stamp(name: str) -> pd.Series:
        if name not in stats.columns:
            return pd.Series(pd.NaT, index=stats.index, dtype="datetime64[ns, UTC]")
        return pd.to_datetime(stats[name], utc=True, errors="coerce")

    first, last = stamp("first_seen"), stamp("last_seen")
    since = _days(now_ts - last).clip(lower=0.0, upper=NO_REPORT_DAYS)
    out["days_since_last"] = since.fillna(NO_REPORT_DAYS).to_numpy(dtype=float)
    active = _days(last - first).clip(lower=0.0, upper=NO_REPORT_DAYS)
    out["active_days"] = active.fillna(0.0).to_numpy(dtype=float)
    return out[list(FEATURES)]


#: Contact types whose structure ``detector/numbers.py`` describes.
NUMBER_CONTACT_TYPES = ("phone", "short_number")


def features_for_one(
    info: NumberInfo | None,
    stats: ReportStats,
    official: bool,
    now: datetime | pd.Timestamp | None = None,
    *,
    contact_type: str | None = None,
) -> pd.DataFrame:
    """The one-row feature frame of one contact (through :func:`number_features`).

    ``info`` None — structure unknown, or a contact that is not a number (``contact_type``
    qq, wechat, url…, whose ``info`` is ignored) — gives ``line_class``
    :data:`UNKNOWN_LINE_CLASS` and ``valid`` 0: the risk then rests on the reports.
    """
    import pandas as pd

    if contact_type is not None and contact_type not in NUMBER_CONTACT_TYPES:
        info = None
    row = pd.DataFrame([{name: getattr(stats, name) for name in STATS_COLUMNS}])
    return number_features(
        row,
        now,
        line_class=info.line_class if info is not None else UNKNOWN_LINE_CLASS,
        valid=bool(info.valid) if info is not None else False,
        official=bool(official),
    )


# Pipeline ----------


@dataclass(frozen=True)
class NumberParams:
    """Hyper-parameters of the booster (recorded in the manifest)."""

    max_iter: int = 150
    learning_rate: float = 0.1
    max_leaf_nodes: int = 15
    min_samples_leaf: int = 40
    l2_regularization: float = 1.0
    calibration: str = "isotonic"
    calibration_splits: int = 3

    def as_dict(self) -> dict[str, Any]:
        return {
            "max_iter": self.max_iter,
            "learning_rate": self.learning_rate,
            "max_leaf_nodes": self.max_leaf_nodes,
            "min_samples_leaf": self.min_samples_leaf,
            "l2_regularization": self.l2_regularization,
            "calibration": self.calibration,
            "calibration_splits": self.calibration_splits,
        }


def monotonic_constraints() -> list[int]:
    """The booster's ``monotonic_cst``, aligned with the ColumnTransformer's output."""
    return [0] * len(LINE_CLASSES) + [MONOTONIC.get(name, 0) for name in NUMERIC_FEATURES]


def build_number_pipeline(random_state: int = 0, params: NumberParams | None = None) -> Pipeline:
    """ColumnTransformer (one-hot line class, numeric passthrough) → calibrated monotone GBM.

    Counts go in untransformed: the booster bins each feature by quantiles, so ``log1p``
    would not change a single split.
    """
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.compose import ColumnTransformer
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder

    params = params or NumberParams()
    columns = ColumnTransformer(
        [
            (
                "line_class",
                OneHotEncoder(
                    categories=[list(LINE_CLASSES)],
                    handle_unknown="ignore",
                    sparse_output=False,
                    dtype=np.float64,
                ),
                ["line_class"],
            ),
            ("numeric", "passthrough", list(NUMERIC_FEATURES)),
        ]
    )
    booster = HistGradientBoostingClassifier(
        max_iter=params.max_iter,
        learning_rate=params.learning_rate,
        max_leaf_nodes=params.max_leaf_nodes,
        min_samples_leaf=params.min_samples_leaf,
        l2_regularization=params.l2_regularization,
        monotonic_cst=monotonic_constraints(),
        early_stopping=False,
        random_state=random_state,
    )
    classifier = CalibratedClassifierCV(
        booster, method=params.calibration, cv=params.calibration_splits, ensemble=False
    )
    return Pipeline([("columns", columns), ("classifier", classifier)])


def check_features(features: pd.DataFrame) -> pd.DataFrame:
    """``features`` restricted to :data:`FEATURES`, in order; a clear error if some lack."""
    missing = [c for c in FEATURES if c not in features.columns]
    if missing:
        raise InvalidInputError(
            f"number features lack column(s) {', '.join(missing)}; build them with "
            "number_features()",
            missing=missing,
        )
    return features[list(FEATURES)]


#: Below this many rows prediction runs on one thread: starting OpenMP threads (and
#: competing for busy cores) costs more than it saves on a few contacts.
SINGLE_THREAD_ROWS = 2048
_threadpools: Any = None


def _single_thread() -> Any:
    global _threadpools
    if _threadpools is None:
        from threadpoolctl import ThreadpoolController

        _threadpools = ThreadpoolController()
    return _threadpools.limit(limits=1, user_api="openmp")


def pipeline_risk(pipeline: Pipeline, features: pd.DataFrame) -> np.ndarray:
    """P(scam) of each row (the pipeline is fitted on y = 1 for scam)."""
    frame = check_features(features)
    if frame.empty:
        return np.zeros(0)
    if len(frame) < SINGLE_THREAD_ROWS:
        with _single_thread():
            proba = pipeline.predict_proba(frame)
    else:
        proba = pipeline.predict_proba(frame)
    return proba[:, list(pipeline.classes_).index(1)]


# Compiled form ----------

_COMPILED_KIND = "kefuguard.number.hgb-isotonic"
#: Distinct rows per block when the compiled model predicts many contacts.
BLOCK_ROWS = 1024
_COMPILED_FORMAT = 1
#: Leaves per tree the compiled model takes (one bit each in a 64-bit mask).
MAX_LEAVES = 64


class WideTreesError(ModelError):
    """A compiled model has a tree with more than :data:`MAX_LEAVES` leaves."""


class CompiledNumberModel:
    """The calibrated booster as arrays: one-hot + numeric columns → trees → isotonic map.

    Reproduces ``Pipeline.predict_proba(...)[:, 1]`` of what :func:`build_number_pipeline`
    fits (binary HistGradientBoosting without categorical features, isotonic calibration,
    ``ensemble=False``): each row's leaf in every tree is found with bit masks over binned
    features (:meth:`_bit_tables`), each distinct row of bins once; leaf values are added
    tree by tree in scikit-learn's order; the calibrator is ``np.interp`` over its
    thresholds after clipping to the fitted range.
    """

    def __init__(self, meta: dict[str, Any], arrays: dict[str, np.ndarray]):
        self.meta = meta
        self.categories = list(meta["line_classes"])
        self.numeric = list(meta["numeric"])
        self.baseline = float(meta["baseline"])
        self.depth = int(meta["depth"])
        self.feature = np.asarray(arrays["feature"], dtype=np.intp)
        self.threshold = np.asarray(arrays["threshold"], dtype=np.float64)
        self.missing_left = np.asarray(arrays["missing_left"], dtype=bool)
        self.left = np.asarray(arrays["left"], dtype=np.intp)
        self.right = np.asarray(arrays["right"], dtype=np.intp)
        self.value = np.asarray(arrays["value"], dtype=np.float64)
        self.roots = np.asarray(arrays["roots"], dtype=np.intp)
        self.iso_x = np.asarray(arrays["iso_x"], dtype=np.float64)
        self.iso_y = np.asarray(arrays["iso_y"], dtype=np.float64)
        self.iso_range = (float(meta["iso_min"]), float(meta["iso_max"]))
        self._category_index = {c: i for i, c in enumerate(self.categories)}
        n_nodes = len(self.value)
        same = {len(a) for a in (self.feature, self.threshold, self.left, self.right)}
        if same != {n_nodes} or len(self.iso_x) != len(self.iso_y):
            raise ModelError("compiled number model: array lengths do not agree")
        bad = (self.left >= n_nodes) | (self.right >= n_nodes)
        if bad.any() or (self.roots >= n_nodes).any():
            raise ModelError("compiled number model: node index out of range")
        if len(self.feature) and self.feature.max() >= self.n_features:
            raise ModelError("compiled number model: feature index out of range")
        if np.isnan(self.threshold[self.left != np.arange(n_nodes)]).any():
            raise ModelError("compiled number model: a split has no threshold")
        self._bit_tables()

    def _bit_tables(self) -> None:
        """The arrays :meth:`raw` reads (QuickScorer's leaf bit masks, over binned features).

        Each tree's leaves are numbered left to right; a set of them is a bit mask. A split
        that sends a row right rules out the leaves of its left subtree, and the leaf the
        row reaches is the leftmost one no split rules out. Which splits send a row right
        depends, for each feature, only on its bin: how many of the feature's distinct
        split thresholds the value exceeds (or NaN, a bin of its own). So one table per
        feature holds, for each bin and tree, the leaves still possible; a row's leaves are
        the AND of one table row per feature.
        """
        n_trees = len(self.roots)
        leaf = self.left == np.arange(len(self.value))
        tree_of = np.zeros(len(self.value), dtype=np.intp)
        left_leaves = np.zeros(len(self.value), dtype=np.uint64)  # per split
        leaf_values: list[float] = []
        first_leaf: list[int] = []

        def number(node: int, tree: int, level: int) -> int:
            """Number the leaves under ``node`` from ``len(leaf_values)``; their mask."""
            if level > self.depth:
                raise ModelError("compiled number model: a tree is deeper than recorded")
            tree_of[node] = tree
            if leaf[node]:
                bit = len(leaf_values) - first_leaf[tree]
                if bit >= MAX_LEAVES:
                    raise WideTreesError(
                        f"compiled number model: a tree has over {MAX_LEAVES} leaves"
                    )
                leaf_values.append(float(self.value[node]))
                return 1 << bit
            below_left = number(int(self.left[node]), tree, level + 1)
            left_leaves[node] = below_left
            return below_left | number(int(self.right[node]), tree, level + 1)

        for tree, root in enumerate(self.roots):
            first_leaf.append(len(leaf_values))
            number(int(root), tree, 0)
        most = int(np.diff([*first_leaf, len(leaf_values)]).max(initial=1))
        self._mask_type = np.dtype(f"uint{max(8, 1 << (most - 1).bit_length())}")
        self._leaf_values = np.asarray(leaf_values, dtype=np.float64)
        self._first_leaf = np.asarray(first_leaf, dtype=np.intp)
        everything = np.iinfo(self._mask_type).max
        splits = np.flatnonzero(~leaf)
        # Per feature split on: its distinct thresholds and its table (bins x trees of leaf
        # masks; the last bin is NaN's). The tables are stacked, each from a start row.
        self._split_features = np.unique(self.feature[splits])
        self._thresholds: list[np.ndarray] = []
        tables = []
        for feature in self._split_features.tolist():
            nodes = splits[self.feature[splits] == feature]
            thresholds = np.unique(self.threshold[nodes])
            table = np.full((len(thresholds) + 2, n_trees), everything, dtype=self._mask_type)
            at = np.searchsorted(thresholds, self.threshold[nodes])
            for node, first_right in zip(nodes.tolist(), (at + 1).tolist(), strict=True):
                keep = ~left_leaves[node].astype(self._mask_type)
                table[first_right : len(thresholds) + 1, tree_of[node]] &= keep
                if not self.missing_left[node]:
                    table[-1, tree_of[node]] &= keep
            self._thresholds.append(thresholds)
            tables.append(table)
        if not tables:  # no splits: one pseudo feature, in one bin where every leaf is possible
            tables.append(np.full((1, n_trees), everything, dtype=self._mask_type))
        self._table = np.concatenate(tables)
        self._table_start = np.cumsum([0, *(len(t) for t in tables[:-1])], dtype=np.intp)
        self._nan_bins = np.array([len(t) + 1 for t in self._thresholds], dtype=np.intp)
        self._bin_type = np.min_scalar_type(self._nan_bins.max(initial=0))

    @property
    def n_features(self) -> int:
        return len(self.categories) + len(self.numeric)

    @classmethod
    def from_pipeline(cls, pipeline) -> CompiledNumberModel:
        """Read the fitted parameters out of a trained Pipeline (needs scikit-learn).

        Raises TypeError for a Pipeline of another shape.
        """
        columns, clf = pipeline[0], pipeline[-1]
        names = [name for name, _, _ in columns.transformers_ if name != "remainder"]
        if names != ["line_class", "numeric"]:
            raise TypeError(f"unexpected column transformer {names}")
        encoder = columns.named_transformers_["line_class"]
        numeric = list(columns.transformers_[1][2])
        if numeric != list(NUMERIC_FEATURES) or encoder.handle_unknown != "ignore":
            raise TypeError("unexpected feature columns")
        if getattr(encoder, "drop_idx_", None) is not None:
            raise TypeError("one-hot encoder drops a category")
        if getattr(clf, "ensemble", True) is not False or len(clf.calibrated_classifiers_) != 1:
            raise TypeError("classifier is not a single calibrated booster")
        calibrated = clf.calibrated_classifiers_[0]
        booster, (iso,) = calibrated.estimator, calibrated.calibrators
        if calibrated.method != "isotonic" or iso.out_of_bounds != "clip":
            raise TypeError("calibration is not isotonic with clipping")
        if list(clf.classes_) != [0, 1] or list(booster.classes_) != [0, 1]:
            raise TypeError("classes are not [0, 1]")
        if booster.n_trees_per_iteration_ != 1 or booster.is_categorical_ is not None:
            raise TypeError("booster is not binary over numeric features")
        if getattr(booster, "_preprocessor", None) is not None:
            raise TypeError("booster has a preprocessor")
        feature, threshold, missing, left, right, value, roots = [], [], [], [], [], [], []
        depth = 0
        offset = 0
        for (predictor,) in booster._predictors:
            nodes = predictor.nodes
            if nodes["is_categorical"].any():
                raise TypeError("categorical splits")
            if nodes["is_leaf"].sum() > MAX_LEAVES:
                raise TypeError(f"a tree with over {MAX_LEAVES} leaves")
            leaf = nodes["is_leaf"].astype(bool)
            own = np.arange(len(nodes)) + offset
            # A leaf points to itself (how the file marks leaves).
            left.append(np.where(leaf, own, nodes["left"].astype(np.int64) + offset))
            right.append(np.where(leaf, own, nodes["right"].astype(np.int64) + offset))
            feature.append(np.where(leaf, 0, nodes["feature_idx"]))
            threshold.append(nodes["num_threshold"])
            missing.append(nodes["missing_go_to_left"].astype(bool))
            value.append(nodes["value"])
            roots.append(offset)
            depth = max(depth, int(nodes["depth"].max()))
            offset += len(nodes)
        if hasattr(iso, "X_thresholds_"):
            iso_x, iso_y = iso.X_thresholds_, iso.y_thresholds_
        else:
            raise TypeError("isotonic calibrator is not fitted")
        meta = {
            "format": _COMPILED_FORMAT,
            "kind": _COMPILED_KIND,
            "line_classes": [str(c) for c in encoder.categories_[0]],
            "numeric": numeric,
            "baseline": float(np.asarray(booster._baseline_prediction).ravel()[0]),
            "depth": depth,
            "iso_min": float(iso.X_min_),
            "iso_max": float(iso.X_max_),
            "iso_increasing": bool(iso.increasing_),
        }
        arrays = {
            "feature": np.concatenate(feature).astype(np.int32),
            "threshold": np.concatenate(threshold).astype(np.float64),
            "missing_left": np.concatenate(missing).astype(np.uint8),
            "left": np.concatenate(left).astype(np.int32),
            "right": np.concatenate(right).astype(np.int32),
            "value": np.concatenate(value).astype(np.float64),
            "roots": np.asarray(roots, dtype=np.int32),
            "iso_x": np.asarray(iso_x, dtype=np.float64),
            "iso_y": np.asarray(iso_y, dtype=np.float64),
        }
        return cls(meta, arrays)

    def save(self, path: Path) -> None:
        arrays = {
            "feature": self.feature.astype(np.int32),
            "threshold": self.threshold,
            "missing_left": self.missing_left.astype(np.uint8),
            "left": self.left.astype(np.int32),
            "right": self.right.astype(np.int32),
            "value": self.value,
            "roots": self.roots.astype(np.int32),
            "iso_x": self.iso_x,
            "iso_y": self.iso_y,
        }
        write_npz(path, self.meta, arrays)

    @classmethod
    def load(cls, path: Path) -> CompiledNumberModel:
        meta, arrays = read_npz(path)
        if meta.get("kind") != _COMPILED_KIND or meta.get("format") != _COMPILED_FORMAT:
            raise ModelError(f"{path} is not a compiled number model this kefuguard reads")
        if list(meta.get("numeric", [])) != list(NUMERIC_FEATURES):
            raise ModelError(
                f"{path} reads other numeric features than this kefuguard builds; retrain it "
                f"with '{TRAIN_COMMAND}'"
            )
        return cls(meta, arrays)

    # Prediction ----------

    def matrix(self, features: pd.DataFrame) -> np.ndarray:
        """The model's input matrix of a :func:`number_features` frame."""
        frame = check_features(features)
        lc = frame["line_class"].astype(str).to_numpy()
        onehot = np.stack([lc == c for c in self.categories], axis=1).astype(np.float64)
        numeric = frame[self.numeric].to_numpy(dtype=np.float64)
        return np.hstack([onehot.reshape(len(frame), -1), numeric])

    def row(self, line_class: str, numeric: list[float]) -> np.ndarray:
        """One input row from a line class and the numeric features in order."""
        x = np.zeros(self.n_features)
        at = self._category_index.get(line_class)
        if at is not None:
            x[at] = 1.0
        x[len(self.categories) :] = numeric
        return x

    def _bins(self, X: np.ndarray) -> np.ndarray:
        """Each row's bin of each feature split on (see :meth:`_bit_tables`); a column of
        zeros when no tree splits."""
        columns = X[:, self._split_features].T
        out = np.zeros((max(len(columns), 1), len(X)), dtype=self._bin_type)
        for k, thresholds in enumerate(self._thresholds):
            out[k] = thresholds.searchsorted(columns[k])
        missing = np.isnan(columns)
        if missing.any():
            out[missing] = np.broadcast_to(self._nan_bins[:, None], columns.shape)[missing]
        return np.ascontiguousarray(out.T)

    def raw(self, X: np.ndarray) -> np.ndarray:
        """The booster's decision function (log-odds) of each row of ``X``."""
        X = np.asarray(X, dtype=np.float64)
        bins = self._bins(X)
        # Rows in the same bins reach the same leaves: each distinct row is scored once.
        keys = bins.view(np.dtype((np.void, bins.shape[1] * bins.itemsize)))
        distinct, which = np.unique(keys.ravel(), return_inverse=True)
        distinct = distinct.view(bins.dtype).reshape(len(distinct), bins.shape[1])
        raw = [
            self._raw_of_bins(distinct[i : i + BLOCK_ROWS])
            for i in range(0, len(distinct), BLOCK_ROWS)
        ]
        return np.concatenate(raw)[which.ravel()] if raw else np.zeros(0)

    def _raw_of_bins(self, bins: np.ndarray) -> np.ndarray:
        """:meth:`raw` of rows given by their bins."""
        masks = np.bitwise_and.reduce(self._table[(bins + self._table_start).T], axis=0)
        # The lowest bit set (its position: the exponent of a power of two, exact as float).
        lowest = masks & (~masks + self._mask_type.type(1))
        leaf = np.frexp(lowest.astype(np.float64))[1] - 1
        # Leaf values added one tree at a time from the baseline, as scikit-learn does.
        values = np.empty((len(bins), len(self.roots) + 1))
        values[:, 0] = self.baseline
        values[:, 1:] = self._leaf_values[self._first_leaf + leaf]
        return np.cumsum(values, axis=1)[:, -1]

    def risk(self, X: np.ndarray) -> np.ndarray:
        """Calibrated P(scam) of each row of ``X``."""
        raw = np.clip(self.raw(X), *self.iso_range)
        if len(self.iso_y) == 1:
            proba = np.repeat(self.iso_y, len(raw))
        else:
            proba = np.interp(raw, self.iso_x, self.iso_y)
        proba[(proba > 1.0) & (proba <= 1.0 + 1e-5)] = 1.0
        return proba


def _parse_time(value: str | None) -> datetime | None:
    """An ISO 8601 time (as :class:`ReportStats` carries them) in UTC; None if unreadable."""
    if not value:
        return None
    try:
        ts = datetime.fromisoformat(value)
    except ValueError:
        return _parse_time_pandas(value)
    return ts.replace(tzinfo=UTC) if ts.tzinfo is None else ts.astimezone(UTC)


def _parse_time_pandas(value: str) -> datetime | None:
    import pandas as pd

    ts = pd.to_datetime(value, utc=True, errors="coerce")
    return None if ts is pd.NaT else ts.to_pydatetime()


def _count(value: Any) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return 0.0
    return 0.0 if math.isnan(number) else max(number, 0.0)


def numeric_for_one(
    info: NumberInfo | None,
    stats: ReportStats,
    official: bool,
    now: datetime | None = None,
    *,
    contact_type: str | None = None,
) -> tuple[str, list[float]]:
    """``(line_class, numeric features)`` of one contact without pandas: the same values as
    :func:`features_for_one` (tests compare them)."""
    if contact_type is not None and contact_type not in NUMBER_CONTACT_TYPES:
        info = None
    line_class = info.line_class if info is not None else UNKNOWN_LINE_CLASS
    if line_class is None:
        line_class = UNKNOWN_LINE_CLASS
    values = {
        "valid": 1.0 if info is not None and info.valid else 0.0,
        "official": 1.0 if official else 0.0,
    }
    for name in COUNT_FEATURES:
        values[name] = _count(getattr(stats, name))
    values["flagged_share"] = min(_count(stats.flagged_share), 1.0)
    first, last = _parse_time(stats.first_seen), _parse_time(stats.last_seen)
    if last is None:
        values["days_since_last"] = NO_REPORT_DAYS
        values["active_days"] = 0.0
    else:
        at = now or datetime.now(UTC)
        at = at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)
        since = (at - last).total_seconds() / 86400.0
        values["days_since_last"] = min(max(since, 0.0), NO_REPORT_DAYS)
        active = (last - first).total_seconds() / 86400.0 if first is not None else math.nan
        values["active_days"] = 0.0 if math.isnan(active) else min(max(active, 0.0), NO_REPORT_DAYS)
    return str(line_class), [values[name] for name in NUMERIC_FEATURES]


# Artifacts ----------


class NumberModel:
    """A loaded number model: the compiled predictor, the manifest, the Pipeline on demand.

    With a compiled file the service predicts from arrays and ``pipeline`` is unpickled
    (verified again) only the first time it is read; without one the Pipeline is loaded up
    front and predicts.
    """

    def __init__(
        self,
        pipeline: Any = None,
        manifest: dict[str, Any] | None = None,
        directory: Path | None = None,
        compiled: CompiledNumberModel | None = None,
    ):
        if pipeline is None and compiled is None:
            raise ModelError("a number model needs a Pipeline or a compiled predictor")
        self._pipeline = pipeline
        self.manifest: dict[str, Any] = manifest or {}
        self.directory = directory
        self.compiled = compiled
        self._lock = threading.Lock()

    @property
    def pipeline(self) -> Any:
        """The fitted scikit-learn Pipeline (the artifact of record)."""
        with self._lock:
            if self._pipeline is None:
                if self.directory is None:
                    raise ModelError("this number model has no Pipeline and no directory")
                pipeline, manifest = load_verified(
                    self.directory, MODEL_FILE, MANIFEST_KEYS, TRAIN_COMMAND
                )
                if manifest.get("model_version") != self.manifest.get("model_version"):
                    raise ModelError(
                        f"the number model in {self.directory} changed since it was loaded",
                        directory=str(self.directory),
                    )
                self._pipeline = pipeline
            return self._pipeline

    @property
    def version(self) -> str:
        return str(self.manifest["model_version"])

    @property
    def thresholds(self) -> dict[str, float]:
        return {k: float(v) for k, v in self.manifest["thresholds"].items()}

    def predict_risk(self, features: pd.DataFrame) -> np.ndarray:
        """Risk (calibrated P(scam), 0..1) of each row of a :func:`number_features` frame."""
        if self.compiled is None:
            return pipeline_risk(self.pipeline, features)
        frame = check_features(features)
        if frame.empty:
            return np.zeros(0)
        return self.compiled.risk(self.compiled.matrix(frame))

    def risk_for_one(
        self,
        info: NumberInfo | None,
        stats: ReportStats,
        official: bool,
        now: datetime | None = None,
        *,
        contact_type: str | None = None,
    ) -> float:
        """Risk of one contact: ``predict_risk(features_for_one(...))[0]`` without pandas
        when the model is compiled (the service's path)."""
        if self.compiled is None:
            frame = features_for_one(info, stats, official, now, contact_type=contact_type)
            return float(self.predict_risk(frame)[0])
        line_class, numeric = numeric_for_one(info, stats, official, now, contact_type=contact_type)
        return float(self.compiled.risk(self.compiled.row(line_class, numeric)[None, :])[0])

    def level(self, risk: np.ndarray) -> np.ndarray:
        """``known_scam`` / ``suspicious`` / ``""`` for each risk, from the thresholds."""
        risk = np.asarray(risk, dtype=float)
        t = self.thresholds
        return np.where(
            risk >= t["known_scam"],
            "known_scam",
            np.where(risk >= t["suspicious"], "suspicious", ""),
        )


def _compiled_writers(pipeline: Any) -> dict[str, Any]:
    try:
        compiled = CompiledNumberModel.from_pipeline(pipeline)
    except (TypeError, AttributeError, KeyError, IndexError, ValueError):
        return {}
    return {COMPILED_FILE: compiled.save}


def save_number_model(pipeline: Any, directory: Path, manifest: dict[str, Any]) -> dict[str, Any]:
    """Write ``number_model.joblib``, its compiled ``number_model.npz`` and ``manifest.json``;
    return the manifest as written."""
    manifest = {"features": list(FEATURES), "monotonic": dict(MONOTONIC), **manifest}
    missing = [k for k in THRESHOLD_NAMES if k not in manifest.get("thresholds", {})]
    if missing:
        raise InvalidInputError(f"number model manifest lacks thresholds {', '.join(missing)}")
    return save_artifact(
        pipeline, Path(directory), MODEL_FILE, manifest, _compiled_writers(pipeline)
    )


def export_compiled_number_model(directory: Path | str | None = None) -> dict[str, Any]:
    """Compile the Pipeline of an existing number-model directory into ``number_model.npz``
    and list it in the manifest (no retraining); return the manifest."""
    directory = Path(directory) if directory is not None else default_number_model_dir()
    pipeline, _ = load_verified(directory, MODEL_FILE, MANIFEST_KEYS, TRAIN_COMMAND)
    try:
        compiled = CompiledNumberModel.from_pipeline(pipeline)
    except (TypeError, AttributeError, KeyError, IndexError, ValueError) as exc:
        raise ModelError(f"the number model in {directory} cannot be compiled: {exc}") from exc
    return add_files(directory, {COMPILED_FILE: compiled.save})


def load_number_model(directory: Path | str | None = None) -> NumberModel:
    """Load and verify a number model (default: :func:`default_number_model_dir`).

    sha256 and size of every listed file are checked against the manifest before anything
    is read, and the scikit-learn/NumPy/SciPy major.minor versions must match: else
    :class:`ModelError`. With a compiled file nothing is unpickled.
    """
    directory = Path(directory) if directory is not None else default_number_model_dir()
    manifest = verified_manifest(directory, MODEL_FILE, MANIFEST_KEYS, TRAIN_COMMAND)
    if list(manifest["features"]) != list(FEATURES):
        raise ModelError(
            f"the number model in {directory} reads features {manifest['features']}; this "
            f"kefuguard builds {list(FEATURES)}: retrain it with '{TRAIN_COMMAND}'",
            directory=str(directory),
        )
    missing = [k for k in THRESHOLD_NAMES if k not in manifest["thresholds"]]
    if missing:
        raise ModelError(
            f"the manifest in {directory} lacks thresholds {', '.join(missing)}",
            directory=str(directory),
        )
    if COMPILED_FILE in manifest["files"]:
        try:
            compiled = CompiledNumberModel.load(directory / COMPILED_FILE)
            return NumberModel(manifest=manifest, directory=directory, compiled=compiled)
        except WideTreesError:  # compiled by an older kefuguard: the Pipeline predicts
            pass
    pipeline, manifest = load_verified(directory, MODEL_FILE, MANIFEST_KEYS, TRAIN_COMMAND)
    return NumberModel(pipeline=pipeline, manifest=manifest, directory=directory)
