"""Training and evaluation through the CLI, as a user retrains on their own data."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from detector.errors import InvalidInputError
from detector.model import load_message_model
from training.train import (
    choose_lang_thresholds,
    choose_thresholds,
    read_labelled_csv,
    warn_cuts,
)

EXE = shutil.which("kefuguard", path=str(Path(sys.executable).parent))
DATA = Path(__file__).resolve().parent.parent / "data"


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([EXE, *args], capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def user_csv(tmp_path_factory) -> Path:
    base = pd.read_csv(DATA / "tiny_corpus.csv", dtype=str, keep_default_na=False)
    rows = pd.concat(
        [base.assign(text=base.text + f" #{k}", group=base.group + str(k)) for k in range(4)]
    )
    path = tmp_path_factory.mktemp("user") / "labelled.csv"
    rows.drop(columns=["lang"]).to_csv(path, index=False)
    return path


@pytest.mark.parametrize("target", ["label", "category"])
def test_when_user_trains_then_model_dir_is_usable(user_csv, tmp_path, target):
    out = tmp_path / "m"
    proc = run("train", "--data", str(user_csv), "--target", target, "--output", str(out))
    assert proc.returncode == 0, proc.stderr
    assert "fold 4/4" in proc.stderr and "final model fitted" in proc.stderr  # progress
    model = load_message_model(out)
    assert model.manifest["target"] == target
    assert (out / "MODEL_CARD.md").read_text(encoding="utf-8").startswith("# Model card")
    classes = {"benign", "scam"} if target == "label" else set(pd.read_csv(user_csv)["category"])
    assert set(model.classes) == classes

    check = run("messages", "check", "--model", str(out), "请把验证码发给我，我是平台客服")
    assert check.returncode == 0, check.stderr
    assert json.loads(check.stdout)["model_version"] == model.version

    report = tmp_path / "eval.json"
    ev = run("evaluate", "--data", str(user_csv), "--model", str(out), "--json", str(report))
    assert ev.returncode == 0, ev.stderr
    result = json.loads(report.read_text(encoding="utf-8"))["results"][0]
    assert result["rows"] == len(pd.read_csv(user_csv)) and "pr_auc" in result


def test_when_training_twice_then_same_model(user_csv, tmp_path):
    from training.train import Params, train

    a = train(user_csv, tmp_path / "a", "label", Params(min_df=1))
    b = train(user_csv, tmp_path / "b", "label", Params(min_df=1))
    assert a["files"] == b["files"]  # byte-identical artifact
    assert a["thresholds"] == b["thresholds"]


def test_when_ngrams_are_longer_than_the_shared_counter_holds_then_each_fit_counts(
    user_csv, tmp_path
):
    from detector.engine import Detector
    from training.train import Params, train

    manifest = train(user_csv, tmp_path / "m", "label", Params(min_df=1, ngram_range=(1, 4)))
    assert manifest["params"]["ngram_range"] == [1, 4]
    pipeline = load_message_model(tmp_path / "m").pipeline
    assert max(len(t) for t in pipeline[0].vectorizer_.vocabulary_) == 4
    d = Detector.load(tmp_path / "m")
    assert (
        d.score_message("请把验证码发给我，我是平台客服").risk
        > d.score_message("双十一充值95折，官网下单即可").risk
    )


def test_when_evaluating_dialogues_then_turns_and_dialogues_reported(tiny_model_dir, tmp_path):
    path = tmp_path / "d.jsonl"
    dialogues = [
        {
            "id": 1,
            "label": "benign",
            "turns": [
                {"role": "customer", "text": "充值没到账"},
                {"role": "agent", "text": "麻烦提供订单号"},
            ],
        },
        {
            "id": 2,
            "label": "scam",
            "turns": [{"role": "agent", "text": "我是客服，请把验证码发给我"}],
        },
    ]
    path.write_text(
        "\n".join(json.dumps(d, ensure_ascii=False) for d in dialogues), encoding="utf-8"
    )
    proc = run(
        "evaluate",
        "--data",
        str(path),
        "--model",
        str(tiny_model_dir),
        "--json",
        str(tmp_path / "r.json"),
    )
    assert proc.returncode == 0, proc.stderr
    r = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))["results"][0]
    assert r["turns"] == 3 and r["dialogues"] == 2
    assert set(r["turn_flag_rate_by_role"]) == {"customer", "agent"}
    assert r["dialogue_flag_rate_by_label"]["scam"] == 1.0


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("text,label\n" + "a,maybe\n" * 10, "labels must be"),
        ("body,label\nx,scam\n", "lacks column"),
        ("text,label\n" + "a,scam\n" * 10, "both scam and benign"),
        ("", "empty"),
    ],
)
def test_when_training_data_bad_then_clear_error(tmp_path, content, message):
    path = tmp_path / "bad.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InvalidInputError, match=message):
        read_labelled_csv(path, "label")
    proc = run("train", "--data", str(path), "--output", str(tmp_path / "m"))
    assert (
        proc.returncode == 2
        and json.loads(proc.stderr.strip().splitlines()[-1])["error"]["message"]
    )


def test_thresholds_respect_benign_budget():
    rng = np.random.default_rng(0)
    benign = rng.uniform(0, 1, 10_000)
    risk = np.concatenate([benign, np.ones(100)])
    is_scam = np.concatenate([np.zeros(10_000, bool), np.ones(100, bool)])
    t = choose_thresholds(risk, is_scam)
    assert (benign >= t["warn"]).mean() <= 0.01
    assert (benign >= t["block"]).mean() <= 0.002
    assert t["warn"] >= 0.5 and t["block"] >= 0.8
    low = choose_thresholds(np.concatenate([np.zeros(100), np.ones(10)]), np.arange(110) >= 100)
    assert low == {"warn": 0.5, "block": 0.8}  # floors hold


def test_each_language_with_enough_benign_rows_gets_its_own_budget():
    rng = np.random.default_rng(1)
    # zh benign rows score low, en benign rows high: one global cut would spend the whole
    # budget on en; per language, each side flags at most 1 % of its own benign rows.
    zh, en = rng.uniform(0.0, 0.8, 3000), rng.uniform(0.3, 0.99, 1500)
    few = rng.uniform(0, 1, 200)  # too few rows to set thresholds of their own
    risk = np.concatenate([zh, en, few, np.ones(50)])
    langs = np.array(["zh"] * 3000 + ["en"] * 1500 + ["ja"] * 200 + ["zh"] * 50)
    is_scam = np.arange(len(risk)) >= 4700
    by_lang = choose_lang_thresholds(risk, is_scam, langs)
    assert set(by_lang) == {"zh", "en"}
    assert (zh >= by_lang["zh"]["warn"]).mean() <= 0.01
    assert (en >= by_lang["en"]["warn"]).mean() <= 0.01
    assert by_lang["zh"]["warn"] < by_lang["en"]["warn"]
    cuts = warn_cuts(np.array(["zh", "en", "ja"]), {"warn": 0.7, "by_lang": by_lang})
    assert list(cuts) == [by_lang["zh"]["warn"], by_lang["en"]["warn"], 0.7]
