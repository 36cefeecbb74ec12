"""`kefuguard train-numbers` as a user runs it: their own labelled numbers → a usable model."""

from __future__ import annotations

import json
import random

from detector.number_model import load_number_model
from tests.detector.test_cli import run


def labelled_csv(path, n=400, seed=1):
    rng = random.Random(seed)
    rows = ["number,label,distinct_reporters,count,flagged_share,official"]
    for i in range(n):
        scam = i % 2 == 0
        prefix = rng.choice(["170", "171"]) if scam else rng.choice(["138", "139"])
        reporters = rng.randint(3, 30) if scam else rng.randint(0, 2)
        flagged = rng.uniform(0.5, 1.0) if scam else rng.uniform(0.0, 0.3)
        rows.append(
            f"{prefix}{rng.randrange(10**8):08d},{'scam' if scam else 'benign'},"
            f"{reporters},{reporters},{flagged:.2f},0"
        )
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_when_user_trains_on_own_labels_then_model_loads_and_separates(tmp_path):
    out = tmp_path / "numbers"
    proc = run(
        "train-numbers", "--data", str(labelled_csv(tmp_path / "l.csv")), "--output", str(out)
    )
    assert proc.returncode == 0, proc.stderr.decode()
    summary = json.loads(proc.stdout)
    assert summary["data"]["labels"] == "user-supplied"
    model = load_number_model(out)
    assert model.version == summary["model_version"]
    assert set(model.thresholds) == {"suspicious", "known_scam"}


def test_when_labels_are_bad_then_json_error_naming_the_row(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("number,label\n13800138000,scam\n13900139000,maybe\n", encoding="utf-8")
    proc = run("train-numbers", "--data", str(path), "--output", str(tmp_path / "o"))
    assert proc.returncode == 2
    error = json.loads(proc.stderr)["error"]
    assert error["code"] == "invalid_input"
    assert "row" in error["message"]
