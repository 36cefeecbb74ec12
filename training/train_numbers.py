"""Train the number risk model: labelled numbers → held-out thresholds and metrics → artifacts.

The shipped model (``models/numbers/``) is trained on numbers simulated from the stated
priors in ``training/number_priors.yaml`` (``training/simulate_numbers.py``): there is no
public labelled set of Chinese numbers. ``kefuguard train-numbers --data FILE.csv`` (or
``python -m training.train_numbers --data FILE.csv --output DIR``) retrains on a user's
own audit outcomes.

Steps:
1. a stratified held-out split (25 %) of the labelled numbers;
2. fit :func:`detector.number_model.build_number_pipeline` on the rest, single-threaded
   and seeded, so two runs write byte-identical ``number_model.joblib``;
3. thresholds on the held-out part: ``suspicious`` flags at most 1 % of benign numbers
   (never below 0.5), ``known_scam`` at most 0.1 % (never below 0.9);
4. write ``number_model.joblib``, ``manifest.json`` and ``MODEL_CARD.md``. The shipped
   model is the one the held-out figures describe (it is not refitted on everything).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.metrics import average_precision_score, roc_auc_score
from sklearn.model_selection import train_test_split
from threadpoolctl import threadpool_limits

from detector.errors import InvalidInputError
from detector.model import MANIFEST_FILE
from detector.number_model import (
    COUNT_FEATURES,
    FEATURES,
    LINE_CLASSES,
    MONOTONIC,
    NO_REPORT_DAYS,
    NumberParams,
    build_number_pipeline,
    number_features,
    pipeline_risk,
    save_number_model,
)
from training.train import read_user_csv

REPO = Path(__file__).resolve().parent.parent
DEFAULT_OUTPUT = REPO / "models" / "numbers"
LABELS = {"scam": "scam", "benign": "benign", "1": "scam", "0": "benign"}
FLAGS = {"": 0, "0": 0, "1": 1, "0.0": 0, "1.0": 1, "false": 0, "true": 1, "no": 0, "yes": 1}
#: Benign held-out flag-rate budgets that set the thresholds, and their floors.
SUSPICIOUS_BENIGN_RATE, SUSPICIOUS_FLOOR = 0.01, 0.5
KNOWN_SCAM_BENIGN_RATE, KNOWN_SCAM_FLOOR = 0.001, 0.9
HELD_OUT = 0.25
MIN_PER_CLASS = 20
SHIPPED_NUMBERS = 60_000
#: Optional numeric columns of a user's CSV (blank or missing → 0, see load_labelled_csv).
OPTIONAL_NUMERIC = (*COUNT_FEATURES, "flagged_share", "days_since_last", "active_days")


# Data ---------------------------------


def _where(path: Path, i: int) -> str:
    return f"{path}: row {i + 1} (line {i + 2})"


def load_labelled_csv(path: Path) -> pd.DataFrame:
    """Read a user's labelled numbers (audit outcomes) into a training frame.

    Columns: ``number`` and ``label`` (scam|benign or 1|0) are required; optional are the
    report aggregates ``count``, ``distinct_reporters``, ``weighted``, ``count_7d``,
    ``count_30d``, ``flagged_share`` (0..1), ``days_since_last``, ``active_days`` (a
    missing column or blank cell is 0; ``days_since_last`` of a number without reports is
    3650) and ``official`` (0/1, true/false; default 0). ``line_class`` and ``valid`` are
    computed with :func:`detector.numbers.analyze`. Returns ``number``, ``label`` +
    :data:`~detector.number_model.FEATURES`. Any problem is an :class:`InvalidInputError`
    that names the column or the row.
    """
    path = Path(path)
    df = read_user_csv(path)
    df.columns = [str(c).strip() for c in df.columns]
    missing = [c for c in ("number", "label") if c not in df.columns]
    if missing:
        raise InvalidInputError(
            f"{path} lacks column(s) {', '.join(missing)}; found {', '.join(df.columns)}",
            missing=missing,
        )
    if df.empty:
        raise InvalidInputError(f"{path} has a header but no rows")

    numbers = df["number"].str.strip()
    for i in np.flatnonzero((numbers == "").to_numpy()):
        raise InvalidInputError(f"{_where(path, int(i))}: the number is empty", row=int(i) + 1)
    labels = df["label"].str.strip().str.lower().map(LABELS)
    for i in np.flatnonzero(labels.isna().to_numpy()):
        raise InvalidInputError(
            f"{_where(path, int(i))}: label must be scam|benign (or 1|0), "
            f"found {df['label'].iloc[i]!r}",
            row=int(i) + 1,
        )

    stats = pd.DataFrame(index=df.index)
    for name in OPTIONAL_NUMERIC:
        if name not in df.columns:
            continue
        raw = df[name].str.strip()
        values = pd.to_numeric(raw.where(raw != "", "0"), errors="coerce")
        upper = 1.0 if name == "flagged_share" else np.inf
        bad = values.isna() | (values < 0) | (values > upper)
        for i in np.flatnonzero(bad.to_numpy()):
            want = "a number from 0 to 1" if name == "flagged_share" else "a number >= 0"
            raise InvalidInputError(
                f"{_where(path, int(i))}: {name} must be {want}, found {df[name].iloc[i]!r}",
                row=int(i) + 1,
            )
        stats[name] = values.astype(float)
    official = pd.Series(0, index=df.index)
    if "official" in df.columns:
        official = df["official"].str.strip().str.lower().map(FLAGS)
        for i in np.flatnonzero(official.isna().to_numpy()):
            raise InvalidInputError(
                f"{_where(path, int(i))}: official must be 0/1 or true/false, "
                f"found {df['official'].iloc[i]!r}",
                row=int(i) + 1,
            )

    from detector.numbers import analyze  # only now: every check above passed

    infos = [analyze(n) for n in numbers]
    features = number_features(
        stats.drop(columns=["days_since_last", "active_days"], errors="ignore"),
        line_class=[info.line_class for info in infos],
        valid=[bool(info.valid) for info in infos],
        official=official.astype(int).to_numpy(),
    )
    # Recency comes as columns here, not as timestamps.
    reported = features["count"].to_numpy() > 0
    given = stats.get("days_since_last")
    features["days_since_last"] = np.where(
        reported, 0.0 if given is None else given.to_numpy(), NO_REPORT_DAYS
    )
    if "active_days" in stats:
        features["active_days"] = stats["active_days"].to_numpy()
    out = pd.DataFrame({"number": numbers, "label": labels})
    return pd.concat([out, features], axis=1)


def frame_sha256(frame: pd.DataFrame) -> str:
    """sha256 of the training frame as CSV (what the model saw)."""
    return hashlib.sha256(frame.to_csv(index=False).encode()).hexdigest()


def _check_frame(frame: pd.DataFrame) -> np.ndarray:
    missing = [c for c in (*FEATURES, "label") if c not in frame.columns]
    if missing:
        raise InvalidInputError(f"training frame lacks column(s) {', '.join(missing)}")
    labels = frame["label"].astype(str).str.strip().str.lower().map(LABELS)
    if labels.isna().any():
        bad = sorted(set(frame.loc[labels.isna(), "label"].astype(str)))[:5]
        raise InvalidInputError(f"labels must be scam|benign (or 1|0), found {bad}")
    y = (labels == "scam").to_numpy().astype(np.int64)
    n_scam, n_benign = int(y.sum()), int(len(y) - y.sum())
    if min(n_scam, n_benign) < MIN_PER_CLASS:
        raise InvalidInputError(
            f"need at least {MIN_PER_CLASS} scam and {MIN_PER_CLASS} benign numbers to train "
            f"(have {n_scam} scam, {n_benign} benign)"
        )
    return y


# Thresholds and metrics ---------------


def choose_thresholds(risk: np.ndarray, is_scam: np.ndarray) -> dict[str, float]:
    """Smallest cut-offs that flag at most the budgeted share of benign held-out numbers."""
    benign = np.sort(risk[~is_scam])

    def at_rate(rate: float, floor: float) -> float:
        k = int(np.floor(rate * len(benign)))  # benign numbers allowed at or above t
        t = float(benign[len(benign) - k - 1]) + 1e-6 if k < len(benign) else 0.0
        return round(min(max(t, floor), 1.0), 6)

    suspicious = at_rate(SUSPICIOUS_BENIGN_RATE, SUSPICIOUS_FLOOR)
    known = max(at_rate(KNOWN_SCAM_BENIGN_RATE, KNOWN_SCAM_FLOOR), suspicious)
    return {"suspicious": suspicious, "known_scam": known}


def held_out_metrics(
    test: pd.DataFrame, risk: np.ndarray, is_scam: np.ndarray, thresholds: dict[str, float]
) -> dict[str, Any]:
    def rate(mask: np.ndarray, cut: float) -> float | None:
        return round(float((risk[mask] >= cut).mean()), 4) if mask.any() else None

    out: dict[str, Any] = {
        "rows": len(test),
        "scam": int(is_scam.sum()),
        "roc_auc": round(float(roc_auc_score(is_scam, risk)), 4),
        "pr_auc": round(float(average_precision_score(is_scam, risk)), 4),
        "brier": round(float(np.mean((risk - is_scam) ** 2)), 4),
    }
    reported = test["count"].to_numpy() > 0
    for name, cut in thresholds.items():
        out[f"recall_at_{name}"] = rate(is_scam, cut)
        out[f"benign_flag_rate_at_{name}"] = rate(~is_scam, cut)
        out[f"recall_reported_at_{name}"] = rate(is_scam & reported, cut)
        out[f"benign_reported_flag_rate_at_{name}"] = rate(~is_scam & reported, cut)
    if reported.any() and len(set(is_scam[reported])) == 2:
        out["roc_auc_reported"] = round(float(roc_auc_score(is_scam[reported], risk[reported])), 4)
    if "kind" in test.columns:
        kinds = test["kind"].astype(str).to_numpy()
        out["flag_rate_by_kind"] = {
            str(k): {
                "rows": int((kinds == k).sum()),
                "at_suspicious": rate(kinds == k, thresholds["suspicious"]),
                "at_known_scam": rate(kinds == k, thresholds["known_scam"]),
            }
            for k in sorted(set(kinds))
        }
    classes = test["line_class"].astype(str).to_numpy()
    out["by_line_class"] = {
        str(c): {
            "rows": int((classes == c).sum()),
            "scam_share": round(float(is_scam[classes == c].mean()), 4),
            "recall_at_suspicious": rate((classes == c) & is_scam, thresholds["suspicious"]),
            "benign_flag_rate_at_suspicious": rate(
                (classes == c) & ~is_scam, thresholds["suspicious"]
            ),
        }
        for c in [*LINE_CLASSES, "unknown"]
        if (classes == c).any()
    }
    return out


# Training -----------------------------


def train_number_model(
    frame: pd.DataFrame,
    output_dir: Path,
    seed: int = 0,
    *,
    data: dict[str, Any] | None = None,
    params: NumberParams | None = None,
    progress: Callable[[str], None] = lambda msg: None,
) -> dict[str, Any]:
    """Fit, choose thresholds on a held-out split, write the model directory; return metrics.

    ``frame`` has :data:`~detector.number_model.FEATURES` and ``label`` (scam|benign or
    1|0), optionally ``kind`` (simulated scenario, for per-kind metrics). ``data`` describes
    the data for the manifest (``labels``: "simulated" or "user-supplied", source…).
    """
    t0 = time.perf_counter()
    params = params or NumberParams()
    y = _check_frame(frame)
    frame = frame.reset_index(drop=True)
    idx_train, idx_test = train_test_split(
        np.arange(len(frame)), test_size=HELD_OUT, stratify=y, random_state=seed
    )
    X = frame[list(FEATURES)]
    pipeline = build_number_pipeline(random_state=seed, params=params)
    # One thread: the booster's parallel sums would otherwise depend on the thread count.
    with threadpool_limits(limits=1):
        pipeline.fit(X.iloc[idx_train], y[idx_train])
        risk = pipeline_risk(pipeline, X.iloc[idx_test])
    progress(f"fitted on {len(idx_train)} numbers in {time.perf_counter() - t0:.1f} s")
    is_scam = y[idx_test] == 1
    thresholds = choose_thresholds(risk, is_scam)
    metrics = held_out_metrics(frame.iloc[idx_test], risk, is_scam, thresholds)
    progress(
        f"held-out: ROC-AUC {metrics['roc_auc']}, PR-AUC {metrics['pr_auc']}, thresholds "
        f"{thresholds}, benign flagged {metrics['benign_flag_rate_at_suspicious']} / "
        f"{metrics['benign_flag_rate_at_known_scam']}"
    )
    data_sha = frame_sha256(frame[[c for c in frame.columns if c != "kind"]])
    description = {
        "labels": "user-supplied",
        **(data or {}),
        "rows": len(frame),
        "scam": int(y.sum()),
        "benign": int(len(y) - y.sum()),
        "sha256": data_sha,
    }
    manifest = {
        "model_version": f"num-{datetime.now(UTC):%Y%m%d}-{data_sha[:8]}",
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "thresholds": thresholds,
        "threshold_rule": {
            "suspicious": f"benign held-out flag rate <= {SUSPICIOUS_BENIGN_RATE}, "
            f"floor {SUSPICIOUS_FLOOR}",
            "known_scam": f"benign held-out flag rate <= {KNOWN_SCAM_BENIGN_RATE}, "
            f"floor {KNOWN_SCAM_FLOOR}",
        },
        "data": description,
        "split": {
            "held_out": HELD_OUT,
            "stratified": True,
            "seed": seed,
            "train_rows": len(idx_train),
        },
        "params": params.as_dict(),
        "metrics": metrics,
        "training_seconds": round(time.perf_counter() - t0, 1),
    }
    manifest = save_number_model(pipeline, Path(output_dir), manifest)
    write_number_model_card(Path(output_dir), manifest)
    progress(f"wrote {output_dir} in {manifest['training_seconds']} s")
    return metrics


# Model card ---------------------------

KNOWN_WEAKNESSES = """\
- **The labels are simulated.** Every share, rate and volume behind them is an assumption
  written in `training/number_priors.yaml`; the held-out figures below measure how well the
  model recovers its own priors, not how it does on real numbers. Retrain on real audit
  outcomes (`kefuguard train-numbers --data FILE.csv`) as soon as you have them.
- The risk is calibrated to the simulated mix (about a third of reported numbers are scams).
  Where the real base rate differs, the risk is off in that direction.
- Numbers spoofed by scammers but missing from the official registry (`spoofed_unlisted`)
  look like scam numbers by their reports: expect them among the false alarms. Keep the
  registry complete; that is the only fix.
- A scam number with one or two reports is mostly not flagged: reports alone cannot tell it
  from a mis-reported ordinary number. The model is a second opinion next to the message
  model and the registry, never the only one.
- Reports without a text (calls) carry no `flagged_share` evidence; report stores where most
  reports are calls will see lower recall.
- Numbers reported evenly over most of the window look like busy legitimate lines (few
  simulated scam numbers live that long): a long-running scam number is under-scored.
- Line class is taken at face value: a spoofed caller ID reports the segment of the number
  shown, not of the line actually used.
"""


def _fmt(v: Any) -> str:
    if v is None:
        return "–"
    if isinstance(v, float):
        return f"{v:.4g}"
    if isinstance(v, dict):
        return ", ".join(f"{k}: {_fmt(x)}" for k, x in v.items())
    return str(v)


def _priors_table() -> list[str]:
    from training.simulate_numbers import load_priors

    rows = ["| prior | value | source |", "|---|---|---|"]
    for name, entry in load_priors().items():
        source = " ".join(str(entry["source"]).split()).replace("|", "/")
        rows.append(f"| `{name}` | {_fmt(entry['value'])} | {source} |")
    return rows


def write_number_model_card(directory: Path, manifest: dict[str, Any]) -> Path:
    """``MODEL_CARD.md`` of a number model directory, from its manifest (and the priors)."""
    m, t, d = manifest["metrics"], manifest["thresholds"], manifest["data"]
    simulated = d.get("labels") == "simulated"
    mono = ", ".join(
        f"`{k}` {'↑' if v > 0 else '↓'}" for k, v in manifest.get("monotonic", MONOTONIC).items()
    )
    lines = [
        f"# Model card: kefuguard number risk model `{manifest['model_version']}`",
        "",
        "## What it does",
        "Scores one contact (phone number, short number; other contacts on their reports",
        "alone): `risk` = calibrated probability that it is run by scammers, from its",
        "structure (`line_class`, `valid`), the official registry (`official`) and the",
        "aggregates of user reports against it (`detector.reports.aggregate_reports`).",
        "Pipeline: one-hot `line_class` + numeric features → "
        "`CalibratedClassifierCV(HistGradientBoostingClassifier(monotonic_cst), "
        f"{manifest['params']['calibration']}, cv={manifest['params']['calibration_splits']})`.",
        f"Monotone (↑ risk never decreases, ↓ never increases): {mono}.",
        "",
        "## Data",
    ]
    if simulated:
        lines += [
            "**The shipped number model is trained on simulated labels, not on real numbers.**",
            "There is no public labelled set of Chinese phone numbers, so",
            f"`training/simulate_numbers.py` drew {d['rows']} numbers ({d['scam']} scam; seed "
            f"{d.get('seed')}; priors sha256 `{str(d.get('priors_sha256'))[:16]}…`)",
            "from the priors below, simulated their raw reports (dates over the window,",
            "reporter ids with repeats and anonymous reports, a flagged bit per report text)",
            "and aggregated them with `detector.reports.aggregate_reports`. Every figure is",
            "an assumption of this project; where a public body (MIIT, CAICT 中国信通院, the",
            "Ministry of Public Security, banks and police warnings) has written about an",
            "effect, the source says so, and that supports the direction of a share, not its",
            "size.",
            "",
            "### Priors (training/number_priors.yaml)",
            "",
            *_priors_table(),
        ]
    else:
        lines += [
            f"Trained on user-supplied labels: `{d.get('file')}` ({d['rows']} numbers, "
            f"{d['scam']} scam, sha256 `{d['sha256'][:16]}…`).",
        ]
    lines += [
        "",
        "## Thresholds",
        f"- suspicious ≥ {t['suspicious']} ({manifest['threshold_rule']['suspicious']})",
        f"- known_scam ≥ {t['known_scam']} ({manifest['threshold_rule']['known_scam']})",
        "- The contact check also asks for several distinct reporters before `known_scam`.",
        "",
        f"## Held-out {'simulated ' if simulated else ''}data "
        f"({m['rows']} numbers, {m['scam']} scam; {int(HELD_OUT * 100)} % stratified split)",
        f"- ROC-AUC {m['roc_auc']}, PR-AUC {m['pr_auc']}, Brier {m['brier']}"
        + (
            f"; ROC-AUC on reported numbers {m['roc_auc_reported']}"
            if "roc_auc_reported" in m
            else ""
        ),
        f"- at suspicious: recall {m['recall_at_suspicious']}, benign flagged "
        f"{m['benign_flag_rate_at_suspicious']} (reported numbers only: recall "
        f"{m['recall_reported_at_suspicious']}, benign flagged "
        f"{m['benign_reported_flag_rate_at_suspicious']})",
        f"- at known_scam: recall {m['recall_at_known_scam']}, benign flagged "
        f"{m['benign_flag_rate_at_known_scam']} (reported numbers only: recall "
        f"{m['recall_reported_at_known_scam']}, benign flagged "
        f"{m['benign_reported_flag_rate_at_known_scam']})",
        "",
    ]
    if "flag_rate_by_kind" in m:
        lines += ["| kind | rows | flagged at suspicious | at known_scam |", "|---|---|---|---|"]
        lines += [
            f"| {k} | {v['rows']} | {_fmt(v['at_suspicious'])} | {_fmt(v['at_known_scam'])} |"
            for k, v in m["flag_rate_by_kind"].items()
        ]
        lines.append("")
    lines += [
        "| line class | rows | scam share | recall at suspicious | benign flagged |",
        "|---|---|---|---|---|",
        *[
            f"| {c} | {v['rows']} | {_fmt(v['scam_share'])} | {_fmt(v['recall_at_suspicious'])}"
            f" | {_fmt(v['benign_flag_rate_at_suspicious'])} |"
            for c, v in m["by_line_class"].items()
        ],
        "",
        "## Known weaknesses",
        KNOWN_WEAKNESSES,
        "## Reproduce",
        "`python -m training.train_numbers --output models/numbers` (simulate with seed 0, then",
        "train; the joblib file is byte-identical between runs with the same library versions).",
        "",
    ]
    path = directory / "MODEL_CARD.md"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def main(
    data: Path | None,
    output: Path = DEFAULT_OUTPUT,
    progress: Callable[[str], None] = lambda msg: None,
) -> dict[str, Any]:
    """Train a number model into ``output`` and return its manifest.

    ``data`` None: simulate the shipped training set (seed 0) and train on it; else read
    the user's labelled CSV (:func:`load_labelled_csv`).
    """
    t0 = time.perf_counter()
    if data is None:
        from training.simulate_numbers import PRIORS_FILE, SIM_NOW, priors_sha256, simulate

        frame = simulate(SHIPPED_NUMBERS, seed=0)
        description: dict[str, Any] = {
            "labels": "simulated",
            "source": "training/simulate_numbers.py",
            "priors": PRIORS_FILE.name,
            "priors_sha256": priors_sha256(),
            "seed": 0,
            "now": SIM_NOW.isoformat(),
        }
        progress(f"simulated {len(frame)} numbers in {time.perf_counter() - t0:.1f} s")
    else:
        frame = load_labelled_csv(Path(data))
        description = {"labels": "user-supplied", "file": Path(data).name}
        progress(f"read {len(frame)} labelled numbers from {data}")
    train_number_model(frame, Path(output), seed=0, data=description, progress=progress)
    return json.loads((Path(output) / MANIFEST_FILE).read_text(encoding="utf-8"))


def _cli(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Train the kefuguard number risk model.")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="model directory")
    parser.add_argument(
        "--data", type=Path, default=None, help="labelled CSV (default: simulate from priors)"
    )
    args = parser.parse_args(argv)
    try:
        manifest = main(args.data, args.output, progress=lambda msg: print(msg, file=sys.stderr))
    except InvalidInputError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return 2
    print(json.dumps({"model_version": manifest["model_version"], **manifest["thresholds"]}))
    return 0


if __name__ == "__main__":
    sys.exit(_cli())
