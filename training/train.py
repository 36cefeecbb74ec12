"""Train the message model: corpus → group-split CV (thresholds, metrics) → final fit → artifacts.

The shipped model is trained on ``training/corpus/messages.csv`` only (text this project
wrote). ``kefuguard train --data FILE.csv`` retrains on a user's own labelled data.

Steps:
1. read and validate the CSV (``text``, ``label`` scam|benign, optional ``category``,
   ``lang``, ``group``);
2. group-split cross-validation (rows of one template never sit on both sides of a split):
   the uncalibrated heads of each fold and of the final model are fitted in parallel; the
   folds' out-of-fold decision values then calibrate every head (sigmoid), and the folds'
   calibrated risks on the rows they did not see give the out-of-fold risk;
3. thresholds: ``warn`` flags at most 1 % of benign rows out of fold (never below 0.5),
   ``block`` at most 0.2 % (never below 0.8); the same budgets per language for each
   language with at least ``MIN_LANG_BENIGN`` benign rows (``thresholds.by_lang``), so that
   one language's easy benign rows do not pay for another's hard ones;
4. write the final Pipeline (fitted on everything) as ``message_model.joblib``, with
   ``manifest.json`` and ``MODEL_CARD.md``.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from joblib import Parallel, delayed
from sklearn.metrics import average_precision_score
from sklearn.model_selection import StratifiedGroupKFold
from sklearn.pipeline import Pipeline
from sklearn.svm import LinearSVC

from detector.batch import readable_csv
from detector.classifier import BlendedScamClassifier, calibrated_on
from detector.errors import InvalidInputError
from detector.features import (
    MessageFeatures,
    SharedCounts,
    precomputed_views,
    row_texts,
    text_views,
)
from detector.model import save_message_model
from detector.model_input import text_windows, window_risk

REPO = Path(__file__).resolve().parent.parent
DEFAULT_CORPUS = REPO / "training" / "corpus" / "messages.csv"
LABELS = {"scam": "scam", "benign": "benign", "1": "scam", "0": "benign"}
#: Benign flag-rate budgets (out of fold) that set the thresholds, and their floors.
WARN_BENIGN_RATE, WARN_FLOOR = 0.01, 0.5
BLOCK_BENIGN_RATE, BLOCK_FLOOR = 0.002, 0.8
#: A language gets thresholds of its own from this many benign rows (out of fold) upwards.
MIN_LANG_BENIGN = 1000
N_SPLITS = 4
SEED = 20261127


@dataclass(frozen=True)
class Params:
    """Hyper-parameters of the shipped model (recorded in the manifest)."""

    ngram_range: tuple[int, int] = (1, 3)
    max_features: int | None = 200_000
    min_df: int = 2
    signal_weight: float = 1.0
    C: float = 0.3
    #: LinearSVC stopping tolerance: 0.1 gave the same figures as 0.01 (out of fold and on the
    #: development sets) with the category fits ~20 % shorter (session 7).
    tol: float = 0.1
    risk_weight: float = 0.5
    #: Long texts are also scored in windows of this many characters (None: whole text
    #: only), and a riskier window moves a text's risk this far towards its own.
    window_chars: int | None = 300
    window_weight: float = 0.5

    def as_dict(self) -> dict[str, Any]:
        return {
            "ngram_range": list(self.ngram_range),
            "max_features": self.max_features,
            "min_df": self.min_df,
            "signal_weight": self.signal_weight,
            "C": self.C,
            "calibration": "sigmoid on the outer folds' out-of-fold decisions",
            "tol": self.tol,
            "risk_weight": self.risk_weight,
            "window_chars": self.window_chars,
            "window_weight": self.window_weight,
        }


def read_user_csv(path: Path) -> pd.DataFrame:
    """A user's CSV as strings; unreadable files are an :class:`InvalidInputError`."""
    if not Path(path).is_file():
        raise InvalidInputError(f"training data {path} does not exist")
    with readable_csv(path):
        return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")


def read_labelled_csv(path: Path, target: str) -> pd.DataFrame:
    """Read a labelled CSV and check it; return columns text, label, category, lang, group."""
    df = read_user_csv(path)
    need = ["text", "label"] + (["category"] if target == "category" else [])
    missing = [c for c in need if c not in df.columns]
    if missing:
        raise InvalidInputError(
            f"{path} lacks column(s) {', '.join(missing)}; found {', '.join(df.columns)}",
            missing=missing,
        )
    labels = df["label"].str.strip().str.lower().map(LABELS)
    if labels.isna().any():
        bad = sorted(set(df.loc[labels.isna(), "label"]))[:5]
        raise InvalidInputError(f"{path}: labels must be scam|benign (or 1|0), found {bad}")
    df = df.assign(label=labels)
    if target == "category" and (df["category"].str.strip() == "").any():
        raise InvalidInputError(f"{path}: every row needs a category with --target category")
    if "category" not in df.columns:
        df["category"] = df["label"]
    if "lang" not in df.columns:
        df["lang"] = ""
    if "group" not in df.columns or (df["group"] == "").all():
        df["group"] = [f"row{i}" for i in range(len(df))]
    if df["label"].nunique() < 2:
        raise InvalidInputError(f"{path}: need both scam and benign rows to train")
    if df["group"].nunique() < N_SPLITS:
        raise InvalidInputError(f"{path}: need at least {N_SPLITS} groups for cross-validation")
    return df[["text", "label", "category", "lang", "group"]].reset_index(drop=True)


def rules_fingerprint() -> str:
    """sha256 over the data files the features read (signal rules, variants)."""
    from detector.normalize import DATA_DIR
    from detector.signals.analyzer import RULES_DIR

    digest = hashlib.sha256()
    for path in sorted([*RULES_DIR.glob("*.yaml"), DATA_DIR / "variants.yaml"]):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def model_version(corpus_sha: str, rules_sha: str, target: str, params: Params) -> str:
    """``msg-<date>-<hash>``: the hash covers everything that decides the model (corpus, rules,
    target, parameters), so two different models trained on one corpus never share a name."""
    digest = hashlib.sha256(
        json.dumps(
            {"corpus": corpus_sha, "rules": rules_sha, "target": target, **params.as_dict()},
            sort_keys=True,
        ).encode()
    ).hexdigest()
    return f"msg-{datetime.now(UTC):%Y%m%d}-{digest[:8]}"


def classes_for(df: pd.DataFrame, target: str) -> tuple[np.ndarray, list[str]]:
    """The y to fit and the classes that mean 'scam'."""
    if target == "label":
        return df["label"].to_numpy(), ["scam"]
    mixed = df.groupby("category")["label"].nunique()
    if (mixed > 1).any():
        raise InvalidInputError(
            "a category must be all scam or all benign; mixed: " + ", ".join(mixed[mixed > 1].index)
        )
    scam = sorted(df.loc[df["label"] == "scam", "category"].unique())
    return df["category"].to_numpy(), scam


def _classifier(params: Params, scam_classes: list[str] | None = None) -> BlendedScamClassifier:
    """The classifier's settings; its heads are fitted and calibrated by :func:`train`."""
    return BlendedScamClassifier(
        scam_classes=scam_classes,
        C=params.C,
        tol=params.tol,
        risk_weight=params.risk_weight,
        random_state=SEED,
    )


@dataclass
class _Heads:
    """One fit's uncalibrated parts: features and the LinearSVC of each head."""

    features: MessageFeatures
    category: LinearSVC
    risk: LinearSVC | None


def _features(params: Params, X: np.ndarray) -> tuple[MessageFeatures, Any]:
    """A fit's features, fitted on ``X``, and ``X``'s feature matrix."""
    features = MessageFeatures(
        ngram_range=params.ngram_range,
        max_features=params.max_features,
        min_df=params.min_df,
        signal_weight=params.signal_weight,
    )
    return features, features.fit_transform(X)


def _fit_svc(params: Params, Xf: Any, target: np.ndarray) -> LinearSVC:
    return _classifier(params).base_svc().fit(Xf, target)


def _decisions(heads: _Heads, X: np.ndarray, classes: np.ndarray) -> tuple[np.ndarray, ...]:
    """Decision values of both heads on ``X``, category columns in the order of ``classes``
    (a class the fold never saw gets NaN, filled in by :func:`_fill_missing`)."""
    Xf = heads.features.transform(X)
    d = heads.category.decision_function(Xf)
    if len(classes) == 2:
        category = d.reshape(-1, 1)
    else:
        category = np.full((len(d), len(classes)), np.nan)
        category[:, np.searchsorted(classes, heads.category.classes_)] = d
    risk = heads.risk.decision_function(Xf) if heads.risk is not None else None
    return category, risk


def _fill_missing(d: np.ndarray) -> np.ndarray:
    """Decision values of a class a fold never saw: the lowest value seen for that class."""
    out = d.copy()
    for j in range(out.shape[1]):
        column = out[:, j]
        seen = column[~np.isnan(column)]
        column[np.isnan(column)] = seen.min() if len(seen) else -1.0
    return out


def _calibrated_pipeline(
    params: Params,
    heads: _Heads,
    rows: np.ndarray,
    y: np.ndarray,
    is_scam: np.ndarray,
    oof_category: np.ndarray,
    oof_risk: np.ndarray | None,
    scam_classes: list[str],
) -> Pipeline:
    """The Pipeline of ``heads``, each head calibrated on the out-of-fold decision values of
    ``rows`` (rows the head was trained on, scored by fold models that did not see them)."""
    predictions = _fill_missing(oof_category[rows])
    if predictions.shape[1] > 1:  # the columns of the classes this head knows
        predictions = predictions[:, np.searchsorted(np.unique(y), heads.category.classes_)]
    category = calibrated_on(heads.category, predictions, y[rows])
    risk = None
    if heads.risk is not None and oof_risk is not None:
        risk = calibrated_on(heads.risk, oof_risk[rows], is_scam[rows])
    classifier = _classifier(params, scam_classes).with_heads(category, risk)
    return Pipeline([("features", heads.features), ("classifier", classifier)])


def _group_splits(
    y: np.ndarray, groups: np.ndarray, n_splits: int
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Deterministic stratified group k-fold: a template's rows never straddle a split."""
    splitter = StratifiedGroupKFold(n_splits=n_splits, shuffle=True, random_state=SEED)
    return list(splitter.split(y, y, groups=groups))


def _risk(
    pipeline: Pipeline, X: np.ndarray, scam: list[str], params: Params | None = None
) -> np.ndarray:
    """Scam probability of each row, raised towards its riskiest window
    (:func:`detector.model_input.window_risk`) as the Detector scores it."""
    proba = pipeline.predict_proba(X)
    idx = [i for i, c in enumerate(pipeline.classes_) if c in scam]
    risk = proba[:, idx].sum(axis=1)
    size = params.window_chars if params else None
    pieces = [(i, w) for i, t in enumerate(row_texts(X)) for w in text_windows(t, size)]
    if pieces:
        owner = np.array([i for i, _ in pieces])
        windows = np.array([[w] for _, w in pieces], dtype=object)
        risk, _ = window_risk(risk, owner, _risk(pipeline, windows, scam), params.window_weight)
    return risk


def choose_thresholds(risk: np.ndarray, is_scam: np.ndarray) -> dict[str, float]:
    benign = np.sort(risk[~is_scam])

    def at_rate(rate: float, floor: float) -> float:
        if len(benign) == 0:
            return floor
        # smallest threshold t with mean(benign >= t) <= rate
        k = int(np.floor(rate * len(benign)))  # benign rows allowed at or above t
        t = float(benign[len(benign) - k - 1]) + 1e-6 if k < len(benign) else 0.0
        return round(max(t, floor), 6)

    return {
        "warn": at_rate(WARN_BENIGN_RATE, WARN_FLOOR),
        "block": at_rate(BLOCK_BENIGN_RATE, BLOCK_FLOOR),
    }


def choose_lang_thresholds(
    risk: np.ndarray, is_scam: np.ndarray, langs: np.ndarray
) -> dict[str, dict[str, float]]:
    """Thresholds per language, for the languages with enough benign rows to set them."""
    out = {}
    for lang in sorted(set(langs) - {""}):
        rows = langs == lang
        if (rows & ~is_scam).sum() >= MIN_LANG_BENIGN:
            out[str(lang)] = choose_thresholds(risk[rows], is_scam[rows])
    return out


def warn_cuts(langs: np.ndarray, thresholds: dict[str, Any]) -> np.ndarray:
    """The warn threshold that applies to each row (its language's, else the global one)."""
    by_lang = thresholds.get("by_lang", {})
    return np.array([by_lang.get(lang, thresholds)["warn"] for lang in langs], dtype=float)


def cv_metrics(df: pd.DataFrame, risk: np.ndarray, thresholds: dict[str, float]) -> dict[str, Any]:
    is_scam = (df["label"] == "scam").to_numpy()
    flagged = risk >= warn_cuts(df["lang"].to_numpy(), thresholds)
    out: dict[str, Any] = {
        "rows": len(df),
        "pr_auc": round(float(average_precision_score(is_scam, risk)), 4),
        "recall_at_warn": round(float(flagged[is_scam].mean()), 4),
        "benign_flag_rate_at_warn": round(float(flagged[~is_scam].mean()), 4),
        "recall_by_category": {},
        "flag_rate_by_benign_category": {},
        "by_lang": {},
    }
    for cat, idx in df.groupby("category").groups.items():
        idx = np.asarray(idx)
        key = "recall_by_category" if is_scam[idx[0]] else "flag_rate_by_benign_category"
        out[key][str(cat)] = round(float(flagged[idx].mean()), 4)
    for lang, idx in df.groupby("lang").groups.items():
        idx = np.asarray(idx)
        s = is_scam[idx]
        out["by_lang"][str(lang) or "unknown"] = {
            "rows": len(idx),
            "recall_at_warn": round(float(flagged[idx][s].mean()), 4) if s.any() else None,
            "benign_flag_rate_at_warn": round(float(flagged[idx][~s].mean()), 4)
            if (~s).any()
            else None,
        }
    return out


def train(
    data: Path = DEFAULT_CORPUS,
    output: Path = REPO / "models",
    target: str = "category",
    params: Params | None = None,
    progress: Callable[[str], None] = lambda msg: None,
    n_jobs: int = -1,
) -> dict[str, Any]:
    """Train, cross-validate and write a model directory; returns its manifest."""
    if target not in ("label", "category"):
        raise InvalidInputError(f"--target must be label or category, not {target!r}")
    params = params or Params()
    t0 = time.perf_counter()
    if Path(data) == DEFAULT_CORPUS:  # generated from the seeds, not kept in git
        from training.corpus.build import ensure_corpus

        ensure_corpus(DEFAULT_CORPUS)
    df = read_labelled_csv(Path(data), target)
    y, scam_classes = classes_for(df, target)
    X = df[["text"]].to_numpy(dtype=object)
    groups = df["group"].to_numpy()
    is_scam = (df["label"] == "scam").to_numpy()
    progress(f"read {len(df)} rows ({int(is_scam.sum())} scam) in {df['group'].nunique()} groups")

    oof = np.zeros(len(df))
    splits = _group_splits(y, groups, N_SPLITS)

    # Normalizing and running the rules is most of the cost of a fit: do it once per text
    # (on every core) and let the five fits below look the results up.
    rows = row_texts(X)
    texts = sorted({*rows, *(w for t in rows for w in text_windows(t, params.window_chars))})
    chunks = [texts[i::2] for i in range(2)]
    views: dict[str, Any] = {}
    for part in Parallel(n_jobs=n_jobs)(delayed(text_views)(c) for c in chunks):
        views.update(part)
    progress(f"normalized {len(views)} distinct texts")
    # Likewise count their char n-grams once; each fit derives its TF-IDF from the counts
    # (n-grams longer than the packed counter holds: each fit counts its own).
    counts = None
    if SharedCounts.supports(params.ngram_range):
        counts = SharedCounts.count(
            sorted({masked for masked, _ in views.values()}), params.ngram_range, n_jobs
        )
        progress(f"counted {counts.counts.shape[1]} distinct n-grams")

    def rows_of(k: int) -> np.ndarray:
        return np.arange(len(X)) if k < 0 else splits[k][0]

    # Step 1: the uncalibrated heads of the final model and of each fold.
    # a. Features, in threads: deriving them from the shared views and counts releases the
    #    GIL for most of its work, and threads share those instead of pickling them.
    jobs = [-1, *range(len(splits))]
    with precomputed_views(views, counts):
        features = dict(
            zip(
                jobs,
                Parallel(n_jobs=n_jobs, backend="threading")(
                    delayed(_features)(params, X[rows_of(k)]) for k in jobs
                ),
                strict=True,
            )
        )
    progress("features of the final model and the folds built")
    # b. The LinearSVC fits, in processes (liblinear seeds one RNG per process: threads
    #    would share it and make the fits depend on timing), the longest first. Only the
    #    feature matrices travel (memory-mapped) and the fitted heads come back. The
    #    results do not depend on n_jobs.
    fits = [(k, "category") for k in jobs]
    clf = _classifier(params)
    fits += [
        (k, "risk")
        for k in jobs
        if clf.needs_risk_head(len(np.unique(y[rows_of(k)])), is_scam[rows_of(k)])
    ]
    targets = {"category": y, "risk": is_scam}
    results = Parallel(n_jobs=n_jobs, return_as="generator")(
        delayed(_fit_svc)(params, features[k][1], targets[head][rows_of(k)]) for k, head in fits
    )
    svcs: dict[tuple[int, str], LinearSVC] = {}
    for (k, head), svc in zip(fits, results, strict=True):
        svcs[k, head] = svc
        if head == "category":
            progress("final model fitted" if k < 0 else f"fold {k + 1}/{N_SPLITS} fitted")
    fitted = {k: _Heads(features[k][0], svcs[k, "category"], svcs.get((k, "risk"))) for k in jobs}
    del features

    # Step 2: out-of-fold decision values of every row, from the fold that did not see it.
    # They calibrate every head (the final model's on all rows, a fold's on its own training
    # rows), as CalibratedClassifierCV would from an inner cross-validation of its own,
    # without the two extra fits per head that costs. Then the folds' calibrated risks on
    # the rows they did not see (whole texts and windows, as scoring does) set the
    # thresholds.
    classes = np.unique(y)
    oof_category = np.full((len(X), 1 if len(classes) == 2 else len(classes)), np.nan)
    oof_risk = None if fitted[-1].risk is None else np.zeros(len(X))
    with precomputed_views(views, counts):
        for k, (_, te) in enumerate(splits):
            category, risk = _decisions(fitted[k], X[te], classes)
            oof_category[te] = category
            if oof_risk is not None and risk is not None:
                oof_risk[te] = risk

        def calibrated(k: int) -> Pipeline:
            rows = np.arange(len(X)) if k < 0 else splits[k][0]
            return _calibrated_pipeline(
                params, fitted[k], rows, y, is_scam, oof_category, oof_risk, scam_classes
            )

        for k, (_, te) in enumerate(splits):
            oof[te] = _risk(calibrated(k), X[te], scam_classes, params)
        pipeline = calibrated(-1)
    progress("calibrated on out-of-fold decision values")
    thresholds: dict[str, Any] = choose_thresholds(oof, is_scam)
    by_lang = choose_lang_thresholds(oof, is_scam, df["lang"].to_numpy())
    if by_lang:
        thresholds["by_lang"] = by_lang
    metrics = cv_metrics(df, oof, thresholds)
    progress(
        f"out-of-fold: PR-AUC {metrics['pr_auc']}, recall {metrics['recall_at_warn']}, "
        f"benign flagged {metrics['benign_flag_rate_at_warn']} at warn {thresholds['warn']}"
    )

    corpus_sha = hashlib.sha256(Path(data).read_bytes()).hexdigest()
    rules_sha = rules_fingerprint()
    manifest = {
        "model_version": model_version(corpus_sha, rules_sha, target, params),
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "target": target,
        "classes": [str(c) for c in pipeline.classes_],
        "scam_classes": scam_classes,
        "thresholds": thresholds,
        "threshold_rule": {
            "warn": f"benign out-of-fold flag rate <= {WARN_BENIGN_RATE}, floor {WARN_FLOOR}",
            "block": f"benign out-of-fold flag rate <= {BLOCK_BENIGN_RATE}, floor {BLOCK_FLOOR}",
            "by_lang": f"the same, per language with >= {MIN_LANG_BENIGN} benign rows",
        },
        "rules_sha256": rules_sha,
        "corpus": {
            "file": Path(data).name,
            "sha256": corpus_sha,
            "rows": len(df),
            "groups": int(df["group"].nunique()),
        },
        "params": params.as_dict(),
        "cv": {"splits": N_SPLITS, "split": "StratifiedGroupKFold by scenario group", **metrics},
        "training_seconds": round(time.perf_counter() - t0, 1),
    }
    manifest = save_message_model(pipeline, Path(output), manifest)
    progress(f"wrote {output} in {manifest['training_seconds']} s")
    return manifest
