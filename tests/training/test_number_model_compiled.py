"""The compiled number model: the Pipeline's predict_proba from arrays, without pandas."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd
import pytest

from detector.errors import ModelError
from detector.model import MANIFEST_FILE, sha256_file
from detector.number_model import (
    COMPILED_FILE,
    COUNT_FEATURES,
    DEFAULT_NUMBER_MODEL_DIR,
    FEATURES,
    LINE_CLASSES,
    MODEL_FILE,
    NO_REPORT_DAYS,
    NUMERIC_FEATURES,
    UNKNOWN_LINE_CLASS,
    CompiledNumberModel,
    export_compiled_number_model,
    features_for_one,
    load_number_model,
    numeric_for_one,
)
from detector.reports import Report, stats_for
from detector.results import NumberInfo, ReportStats

NOW = datetime(2025, 6, 1, tzinfo=UTC)


@pytest.fixture(scope="module")
def shipped():
    return load_number_model()


def _random_features(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "line_class": rng.choice([*LINE_CLASSES, UNKNOWN_LINE_CLASS], n),
            "valid": rng.integers(0, 2, n).astype(float),
            "official": rng.integers(0, 2, n).astype(float),
        }
    )
    for name in COUNT_FEATURES:
        values = rng.exponential(rng.choice([1, 10, 100]), n)
        values[rng.random(n) < 0.3] = 0
        frame[name] = np.where(rng.random(n) < 0.5, values.round(), values)
    frame["flagged_share"] = np.where(rng.random(n) < 0.3, rng.integers(0, 2, n), rng.random(n))
    frame["days_since_last"] = np.where(
        rng.random(n) < 0.2, NO_REPORT_DAYS, rng.exponential(60, n).clip(0, NO_REPORT_DAYS)
    )
    frame["active_days"] = rng.exponential(30, n).clip(0, NO_REPORT_DAYS)
    frame.loc[::97, "count"] = 1e9  # beyond every threshold and the calibration range
    return frame[list(FEATURES)]


def test_compiled_predictions_equal_the_pipelines(shipped):
    assert shipped.compiled is not None, "run `python -m detector.export`"
    frame = _random_features(20_000, seed=0)
    expected = shipped.pipeline.predict_proba(frame)[:, 1]
    np.testing.assert_allclose(shipped.predict_risk(frame), expected, rtol=0, atol=1e-12)


def test_compiled_walk_follows_missing_values_like_sklearn(shipped):
    frame = _random_features(2_000, seed=1)
    frame.loc[::3, "weighted"] = np.nan
    frame.loc[::5, "days_since_last"] = np.nan
    expected = shipped.pipeline.predict_proba(frame)[:, 1]
    np.testing.assert_allclose(shipped.predict_risk(frame), expected, rtol=0, atol=1e-12)


def _reports(rng, n: int) -> list[Report]:
    return [
        Report(
            "phone",
            "+8613812345678",
            NOW - timedelta(days=float(rng.exponential(20)), seconds=int(rng.integers(0, 86400))),
            reporter_hash=rng.choice([None, "a", "b", "c", "d"]),
            flagged=rng.choice([None, True, False]),
        )
        for _ in range(n)
    ]


def test_risk_for_one_is_predict_risk_of_features_for_one(shipped):
    rng = np.random.default_rng(2)
    stats = [ReportStats()] + [stats_for(_reports(rng, int(k)), now=NOW) for k in range(1, 40)]
    stats.append(ReportStats(count=3, first_seen="not a date", last_seen=None, flagged_share=2.0))
    stats.append(ReportStats(count=2, first_seen=None, last_seen="2025-05-30T10:00:00"))
    infos = [None] + [
        NumberInfo("", None, bool(v), True, None, None, None, lc)
        for lc in LINE_CLASSES
        for v in (0, 1)
    ]
    for s in stats:
        for info in rng.choice(np.array(infos, dtype=object), 4):
            for official in (False, True):
                for kind in (None, "phone", "qq"):
                    frame = features_for_one(info, s, official, NOW, contact_type=kind)
                    expected = float(shipped.pipeline.predict_proba(frame)[0, 1])
                    got = shipped.risk_for_one(info, s, official, NOW, contact_type=kind)
                    assert got == pytest.approx(expected, abs=1e-12)
                    line_class, numeric = numeric_for_one(info, s, official, NOW, contact_type=kind)
                    assert line_class == frame.iloc[0]["line_class"]
                    np.testing.assert_allclose(
                        numeric, frame.iloc[0][list(FEATURES[1:])].to_numpy(float), rtol=1e-15
                    )


def test_shipped_directory_lists_the_compiled_file():
    manifest = json.loads((DEFAULT_NUMBER_MODEL_DIR / MANIFEST_FILE).read_text(encoding="utf-8"))
    meta = manifest["files"][COMPILED_FILE]
    assert meta["sha256"] == sha256_file(DEFAULT_NUMBER_MODEL_DIR / COMPILED_FILE)


@pytest.fixture
def model_copy(tmp_path):
    dst = tmp_path / "numbers"
    shutil.copytree(DEFAULT_NUMBER_MODEL_DIR, dst)
    return dst


def test_when_compiled_then_nothing_is_unpickled_until_the_pipeline_is_asked_for(
    model_copy, monkeypatch
):
    import joblib

    real = joblib.load
    monkeypatch.setattr(joblib, "load", lambda *a, **k: pytest.fail("unpickled"))
    model = load_number_model(model_copy)
    assert 0.0 <= model.risk_for_one(None, ReportStats(), False) <= 1.0
    monkeypatch.setattr(joblib, "load", real)
    assert list(model.pipeline.classes_) == [0, 1]


def test_when_compiled_file_tampered_then_refused(model_copy):
    path = model_copy / COMPILED_FILE
    blob = bytearray(path.read_bytes())
    blob[len(blob) // 2] ^= 0xFF
    path.write_bytes(bytes(blob))
    with pytest.raises(ModelError, match="does not match its manifest"):
        load_number_model(model_copy)


def test_export_writes_the_same_file_as_the_save_path(model_copy, tmp_path):
    manifest_path = model_copy / MANIFEST_FILE
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    expected = manifest["files"].pop(COMPILED_FILE)
    manifest_path.write_text(json.dumps(manifest), encoding="utf-8")
    (model_copy / COMPILED_FILE).unlink()
    assert load_number_model(model_copy).compiled is None  # older directories still load
    written = export_compiled_number_model(model_copy)
    assert written["files"][COMPILED_FILE] == expected
    assert written["files"][MODEL_FILE] == manifest["files"][MODEL_FILE]
    assert load_number_model(model_copy).compiled is not None


def test_small_training_run_writes_a_compiled_model(tmp_path):
    from training.simulate_numbers import simulate
    from training.train_numbers import train_number_model

    frame = simulate(2500, seed=3)
    train_number_model(frame, tmp_path / "m", seed=0, data={"labels": "simulated"})
    model = load_number_model(tmp_path / "m")
    assert isinstance(model.compiled, CompiledNumberModel)
    features = frame[list(FEATURES)]
    np.testing.assert_allclose(
        model.predict_risk(features),
        model.pipeline.predict_proba(features)[:, 1],
        rtol=0,
        atol=1e-12,
    )


def _random_model(rng, n_trees: int, max_leaves: int) -> CompiledNumberModel:
    """Random trees (some a single leaf) over a few features, in the file's node layout."""
    categories, numeric = ["x", "y"], list(NUMERIC_FEATURES)
    n_features = len(categories) + len(numeric)
    arrays = {k: [] for k in ("feature", "threshold", "missing_left", "left", "right", "value")}
    roots, depth = [], 0

    def node(level: int, leaves_left: int) -> tuple[int, int]:
        """Add a subtree; its root index and its leaf count."""
        at = len(arrays["value"])
        for k in arrays:
            arrays[k].append(0)
        arrays["value"][at] = float(rng.normal())
        if leaves_left < 2 or rng.random() < 0.3:
            arrays["left"][at] = arrays["right"][at] = at
            return at, 1
        arrays["feature"][at] = int(rng.integers(n_features))
        arrays["threshold"][at] = float(rng.choice([0.5, 1.5, 2.5, rng.normal()]))
        arrays["missing_left"][at] = int(rng.integers(2))
        left, used = node(level + 1, leaves_left - 1)
        right, more = node(level + 1, leaves_left - used)
        arrays["left"][at], arrays["right"][at] = left, right
        nonlocal depth
        depth = max(depth, level + 1)
        return at, used + more

    for _ in range(n_trees):
        roots.append(node(0, max_leaves)[0])
    meta = {
        "line_classes": categories,
        "numeric": numeric,
        "baseline": 0.25,
        "depth": depth,
        "iso_min": -50.0,
        "iso_max": 50.0,
    }
    arrays = {k: np.asarray(v) for k, v in arrays.items()}
    arrays.update(roots=np.asarray(roots), iso_x=np.array([-50.0, 50.0]), iso_y=np.array([0, 1.0]))
    return CompiledNumberModel(meta, arrays)


def _walked(model: CompiledNumberModel, X: np.ndarray) -> np.ndarray:
    """The decision function one row and one tree at a time (scikit-learn's rule)."""
    out = []
    for x in X:
        total = model.baseline
        for root in model.roots:
            at = int(root)
            while model.left[at] != at:
                value = x[model.feature[at]]
                go_left = (
                    model.missing_left[at] if np.isnan(value) else (value <= model.threshold[at])
                )
                at = int(model.left[at] if go_left else model.right[at])
            total += model.value[at]
        out.append(total)
    return np.array(out)


@pytest.mark.parametrize("max_leaves", [1, 6, 15, 40])
def test_compiled_bit_masks_find_the_leaves_a_tree_walk_finds(max_leaves):
    rng = np.random.default_rng(max_leaves)
    model = _random_model(rng, n_trees=12, max_leaves=max_leaves)
    X = rng.choice([0.0, 0.5, 1.0, 1.5, 2.0, 3.0, np.nan, -1.0], size=(3_000, model.n_features))
    X[::7] = rng.normal(size=(len(X[::7]), model.n_features))
    np.testing.assert_array_equal(model.raw(X), _walked(model, X))
    np.testing.assert_array_equal(model.raw(X[:1]), _walked(model, X[:1]))


def test_when_a_tree_has_over_64_leaves_then_the_pipeline_predicts(model_copy, monkeypatch):
    from detector import number_model

    with pytest.raises(number_model.WideTreesError):
        _random_model(np.random.default_rng(0), n_trees=40, max_leaves=80)
    monkeypatch.setattr(number_model, "MAX_LEAVES", 4)  # the shipped trees are wider
    model = load_number_model(model_copy)
    assert model.compiled is None and 0.0 <= model.risk_for_one(None, ReportStats(), False) <= 1
