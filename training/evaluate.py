"""Evaluate a message model on labelled files: our CSV format and JSONL dialogues.

* CSV (``text`` plus optional ``label``, ``category``, ``source``): recall per scam category,
  flag rate per benign category and per source, PR-AUC when both classes are present.
* JSONL dialogues (``{"id", "lang", "source", "label", "turns": [{"role", "text"}]}``): every
  turn scored alone (flag rate overall and per role), and each dialogue as a conversation
  (flagged when any turn is flagged).

A row is *flagged* when its verdict is warn or block (risk ≥ the model's warn threshold).
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.metrics import average_precision_score

from detector.engine import Detector
from detector.errors import InvalidInputError
from detector.normalize import MAX_TEXT_CHARS

BATCH = 512


def _scores(detector: Detector, texts: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Risk, flagged (warn or block) and blocked per text, from the message model alone (the
    detector's own verdict: thresholds of the text's language where the model has them)."""
    risk, verdicts = [], []
    for i in range(0, len(texts), BATCH):
        chunk = [t[:MAX_TEXT_CHARS] for t in texts[i : i + BATCH]]
        for a in detector.score_messages(chunk, with_contacts=False):
            risk.append(a.risk)
            verdicts.append(a.verdict)
    v = np.asarray(verdicts, dtype=object)
    return np.asarray(risk, dtype=float), v != "allow", v == "block"


def _rate(mask: np.ndarray) -> float | None:
    return round(float(mask.mean()), 4) if len(mask) else None


def evaluate_csv(detector: Detector, path: Path) -> dict[str, Any]:
    try:
        df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise InvalidInputError(f"cannot read {path}: {exc}") from None
    if "text" not in df.columns:
        raise InvalidInputError(f"{path} has no 'text' column; found {', '.join(df.columns)}")
    risk, flagged, blocked = _scores(detector, df["text"].tolist())
    out: dict[str, Any] = {
        "file": path.name,
        "kind": "messages",
        "rows": len(df),
        "flag_rate": _rate(flagged),
        "block_rate": _rate(blocked),
    }
    if "label" in df.columns:
        is_scam = df["label"].str.lower().isin(["scam", "1"]).to_numpy()
        cat = df["category"] if "category" in df.columns else df["label"]
        out["recall_by_category"] = {
            str(c): _rate(flagged[(cat == c).to_numpy() & is_scam])
            for c in sorted(cat[is_scam].unique())
        }
        out["recall_at_block_by_category"] = {
            str(c): _rate(blocked[(cat == c).to_numpy() & is_scam])
            for c in sorted(cat[is_scam].unique())
        }
        out["flag_rate_by_benign_category"] = {
            str(c): _rate(flagged[(cat == c).to_numpy() & ~is_scam])
            for c in sorted(cat[~is_scam].unique())
        }
        if is_scam.any():
            out["recall"] = _rate(flagged[is_scam])
        if is_scam.any() and (~is_scam).any():
            out["pr_auc"] = round(float(average_precision_score(is_scam, risk)), 4)
    if "source" in df.columns:
        out["flag_rate_by_source"] = {
            str(s): _rate(flagged[(df["source"] == s).to_numpy()])
            for s in sorted(df["source"].unique())
        }
    return out


def evaluate_dialogues(detector: Detector, path: Path) -> dict[str, Any]:
    dialogues = []
    with open(path, encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                d = json.loads(line)
                turns = [(str(t["role"]), str(t["text"])) for t in d["turns"]]
            except (json.JSONDecodeError, KeyError, TypeError) as exc:
                raise InvalidInputError(f"{path}:{n}: not a dialogue record ({exc})") from None
            dialogues.append((d.get("label", ""), d.get("source", ""), turns))
    texts = [t for _, _, turns in dialogues for _, t in turns]
    roles = np.array([r for _, _, turns in dialogues for r, _ in turns])
    _, flagged, _ = _scores(detector, texts)
    per_dialogue = []
    pos = 0
    for _, _, turns in dialogues:
        per_dialogue.append(bool(flagged[pos : pos + len(turns)].any()))
        pos += len(turns)
    per_dialogue_arr = np.array(per_dialogue)
    labels = np.array([str(lab).lower() for lab, _, _ in dialogues])
    out: dict[str, Any] = {
        "file": path.name,
        "kind": "dialogues",
        "dialogues": len(dialogues),
        "turns": len(texts),
        "turn_flag_rate": _rate(flagged),
        "turn_flag_rate_by_role": {str(r): _rate(flagged[roles == r]) for r in sorted(set(roles))},
        "dialogue_flag_rate": _rate(per_dialogue_arr),
    }
    by_label: dict[str, list[bool]] = defaultdict(list)
    for lab, f in zip(labels, per_dialogue, strict=True):
        by_label[lab or "unlabelled"].append(f)
    out["dialogue_flag_rate_by_label"] = {k: _rate(np.array(v)) for k, v in by_label.items()}
    return out


def evaluate_path(detector: Detector, path: Path) -> list[dict[str, Any]]:
    """Evaluate one file, or every .csv/.jsonl file of a directory."""
    path = Path(path)
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.suffix in (".csv", ".jsonl"))
        if not files:
            raise InvalidInputError(f"{path} holds no .csv or .jsonl files")
    elif path.is_file():
        files = [path]
    else:
        raise InvalidInputError(f"{path} does not exist")
    results = []
    for f in files:
        if f.suffix == ".jsonl":
            results.append(evaluate_dialogues(detector, f))
        elif f.suffix == ".csv":
            results.append(evaluate_csv(detector, f))
        else:
            raise InvalidInputError(f"{f}: evaluate reads .csv and .jsonl files")
    return results


def format_report(results: list[dict[str, Any]], detector: Detector) -> str:
    lines = [
        f"model {detector.model_version}: warn >= {detector.warn_threshold}, "
        f"block >= {detector.block_threshold}"
        + "".join(
            f"; {lang}: warn >= {w}, block >= {b}"
            for lang, (w, b) in sorted(detector.thresholds_by_lang.items())
        )
    ]
    for r in results:
        if r["kind"] == "messages":
            lines.append(f"{r['file']}: {r['rows']} rows, flagged {r['flag_rate']}")
            for c, v in (r.get("recall_by_category") or {}).items():
                lines.append(f"  recall  {c:<28} {v}")
            for c, v in (r.get("flag_rate_by_benign_category") or {}).items():
                lines.append(f"  flagged {c:<28} {v}")
            if "pr_auc" in r:
                lines.append(f"  PR-AUC {r['pr_auc']}")
        else:
            lines.append(
                f"{r['file']}: {r['dialogues']} dialogues, {r['turns']} turns; turns flagged "
                f"{r['turn_flag_rate']} {r['turn_flag_rate_by_role']}; dialogues flagged "
                f"{r['dialogue_flag_rate']}"
            )
    return "\n".join(lines)
