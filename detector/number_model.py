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
message model (sha256 and size before unpickling, major.minor library versions).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.calibration import CalibratedClassifierCV
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder
from threadpoolctl import ThreadpoolController

from detector.errors import InvalidInputError, ModelError
from detector.model import DEFAULT_MODEL_DIR, load_verified, save_artifact
from detector.numbers import LINE_CLASSES
from detector.reports import STATS_COLUMNS
from detector.results import NumberInfo, ReportStats

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
MANIFEST_KEYS = ("format", "model_version", "files", "versions", "features", "thresholds")
THRESHOLD_NAMES = ("suspicious", "known_scam")
TRAIN_COMMAND = "kefuguard train-numbers"
DEFAULT_NUMBER_MODEL_DIR = DEFAULT_MODEL_DIR / "numbers"
NUMBER_MODEL_DIR_ENV = "KEFUGUARD_NUMBER_MODEL_DIR"


def default_number_model_dir() -> Path:
    """``$KEFUGUARD_NUMBER_MODEL_DIR`` when set, else the shipped ``models/numbers/``."""
    return Path(os.environ.get(NUMBER_MODEL_DIR_ENV) or DEFAULT_NUMBER_MODEL_DIR)


# Features -----------------------------


def _utc_timestamp(now: datetime | pd.Timestamp | None) -> pd.Timestamp:
    ts = pd.Timestamp(now or datetime.now(UTC))
    return ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")


def _column(stats: pd.DataFrame, name: str, given: Any) -> pd.Series:
    """``given`` (a scalar or one value per row) when passed, else ``stats[name]``."""
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


# Pipeline -----------------------------


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
_threadpools: ThreadpoolController | None = None


def _single_thread() -> Any:
    global _threadpools
    if _threadpools is None:
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


# Artifacts ----------------------------


@dataclass(frozen=True)
class NumberModel:
    """A loaded number model: the Pipeline and what its manifest says about it."""

    pipeline: Any
    manifest: dict[str, Any]
    directory: Path | None = None

    @property
    def version(self) -> str:
        return str(self.manifest["model_version"])

    @property
    def thresholds(self) -> dict[str, float]:
        return {k: float(v) for k, v in self.manifest["thresholds"].items()}

    def predict_risk(self, features: pd.DataFrame) -> np.ndarray:
        """Risk (calibrated P(scam), 0..1) of each row of a :func:`number_features` frame."""
        return pipeline_risk(self.pipeline, features)

    def level(self, risk: np.ndarray) -> np.ndarray:
        """``known_scam`` / ``suspicious`` / ``""`` for each risk, from the thresholds."""
        risk = np.asarray(risk, dtype=float)
        t = self.thresholds
        return np.where(
            risk >= t["known_scam"],
            "known_scam",
            np.where(risk >= t["suspicious"], "suspicious", ""),
        )


def save_number_model(pipeline: Any, directory: Path, manifest: dict[str, Any]) -> dict[str, Any]:
    """Write ``number_model.joblib`` and ``manifest.json``; return the manifest as written."""
    manifest = {"features": list(FEATURES), "monotonic": dict(MONOTONIC), **manifest}
    missing = [k for k in THRESHOLD_NAMES if k not in manifest.get("thresholds", {})]
    if missing:
        raise InvalidInputError(f"number model manifest lacks thresholds {', '.join(missing)}")
    return save_artifact(pipeline, Path(directory), MODEL_FILE, manifest)


def load_number_model(directory: Path | str | None = None) -> NumberModel:
    """Load and verify a number model (default: :func:`default_number_model_dir`).

    sha256 and size are checked against the manifest before unpickling, and the
    scikit-learn/NumPy/SciPy major.minor versions must match: else :class:`ModelError`.
    """
    directory = Path(directory) if directory is not None else default_number_model_dir()
    pipeline, manifest = load_verified(directory, MODEL_FILE, MANIFEST_KEYS, TRAIN_COMMAND)
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
    return NumberModel(pipeline=pipeline, manifest=manifest, directory=directory)
