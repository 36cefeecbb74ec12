"""The number risk model: features, monotone calibrated risk, simulation, artifacts, retraining."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd
import pytest

from detector.errors import InvalidInputError, ModelError
from detector.model import MANIFEST_FILE, sha256_file
from detector.number_model import (
    DEFAULT_NUMBER_MODEL_DIR,
    FEATURES,
    LINE_CLASSES,
    MODEL_FILE,
    MONOTONIC,
    NO_REPORT_DAYS,
    NUMBER_MODEL_DIR_ENV,
    UNKNOWN_LINE_CLASS,
    features_for_one,
    load_number_model,
    number_features,
)
from detector.reports import Report, aggregate_reports, reports_frame, stats_for
from detector.results import NumberInfo, ReportStats
from training import simulate_numbers
from training.simulate_numbers import SIM_NOW, simulate, simulate_reports
from training.train_numbers import load_labelled_csv, main, train_number_model

NOW = datetime(2025, 6, 1, tzinfo=UTC)


@pytest.fixture(scope="module")
def shipped():
    return load_number_model()


@pytest.fixture(scope="module")
def small_sim():
    return simulate(2000, seed=7)


def _info(line_class: str, raw: str = "13812345678") -> NumberInfo:
    return NumberInfo(
        raw=raw,
        e164=None,
        valid=line_class != "invalid",
        possible=True,
        region="CN",
        carrier=None,
        geo=None,
        line_class=line_class,
    )


def _many_reports(n: int, flagged: float = 1.0) -> ReportStats:
    return ReportStats(
        count=n,
        distinct_reporters=n,
        first_seen=(NOW - timedelta(days=20)).isoformat(),
        last_seen=(NOW - timedelta(hours=2)).isoformat(),
        count_7d=n // 3,
        count_30d=n,
        flagged_share=flagged,
        weighted=0.7 * n,
    )


# Features ----------


def test_line_classes_match_the_number_analyzer():
    from detector.numbers import LINE_CLASSES as ANALYZER_CLASSES

    assert tuple(ANALYZER_CLASSES) == LINE_CLASSES


def test_features_for_one_is_number_features_on_one_row():
    reports = [
        Report("phone", "+8613812345678", NOW - timedelta(days=d), reporter_hash=r, flagged=f)
        for d, r, f in [(1, "a", True), (3, "b", None), (40, "a", False), (2, None, True)]
    ]
    stats = stats_for(reports, now=NOW)
    one = features_for_one(_info("mobile"), stats, official=False, now=NOW)
    table = aggregate_reports(reports_frame(reports), now=NOW)
    many = number_features(table, NOW, line_class=["mobile"], valid=[True], official=[0])
    assert list(one.columns) == list(FEATURES)
    pd.testing.assert_frame_equal(one.reset_index(drop=True), many.reset_index(drop=True))
    row = one.iloc[0]
    assert row["count"] == 4 and row["distinct_reporters"] == 3
    assert row["days_since_last"] == pytest.approx(1.0)
    assert row["active_days"] == pytest.approx(39.0)


def test_no_reports_and_unknown_structure_have_defined_features():
    row = features_for_one(None, ReportStats(), official=False, now=NOW).iloc[0]
    assert row["line_class"] == UNKNOWN_LINE_CLASS and row["valid"] == 0
    assert row["count"] == 0 and row["days_since_last"] == NO_REPORT_DAYS
    qq = features_for_one(_info("mobile"), ReportStats(), False, NOW, contact_type="qq")
    assert qq.iloc[0]["line_class"] == UNKNOWN_LINE_CLASS


def test_number_features_takes_a_left_joined_table_with_missing_aggregates():
    stats = pd.DataFrame(
        {"count": [3, np.nan], "last_seen": [NOW - timedelta(days=2), pd.NaT]}, index=["a", "b"]
    )
    out = number_features(stats, NOW, line_class="mobile", valid=1, official=[0, 1])
    assert list(out.index) == ["a", "b"]
    assert out.loc["b", "count"] == 0 and out.loc["b", "days_since_last"] == NO_REPORT_DAYS
    assert out.loc["a", "days_since_last"] == pytest.approx(2.0)
    with pytest.raises(InvalidInputError, match="official"):
        number_features(stats, NOW, line_class="mobile", valid=1, official=[0, 2])


def test_predict_risk_names_missing_feature_columns(shipped):
    with pytest.raises(InvalidInputError, match="flagged_share"):
        shipped.predict_risk(pd.DataFrame({"count": [1]}))


# Behaviour of the shipped model -------

GRIDS = {
    "distinct_reporters": [0, 1, 2, 3, 5, 10, 30, 100, 1000],
    "weighted": [0, 0.2, 0.5, 1, 2, 5, 10, 50, 500],
    "count_7d": [0, 1, 2, 3, 5, 10, 50, 500],
    "count_30d": [0, 1, 2, 3, 5, 10, 50, 500],
    "flagged_share": list(np.linspace(0, 1, 11)),
    "official": [0, 1],
    "days_since_last": [0, 1, 3, 7, 14, 30, 60, 120, NO_REPORT_DAYS],
}


@pytest.mark.parametrize("feature", sorted(GRIDS))
def test_risk_is_monotone_where_it_must_be(shipped, small_sim, feature):
    base = pd.concat([small_sim[small_sim["count"] > 0].head(300), small_sim.head(50)])
    grid = GRIDS[feature]
    frames = [base.assign(**{feature: float(v)}) for v in grid]
    risk = shipped.predict_risk(pd.concat(frames, ignore_index=True)).reshape(len(grid), -1)
    steps = np.diff(risk, axis=0) * MONOTONIC[feature]
    assert steps.min() >= -1e-12, f"risk moves against {feature} (worst step {steps.min()})"


@pytest.mark.parametrize("flagged", [None, False, True])
def test_two_fresh_reports_on_an_ordinary_mobile_are_not_a_known_scam(shipped, flagged):
    reports = [
        Report(
            "phone",
            "+8613812345678",
            NOW - timedelta(hours=h),
            reporter_hash=f"new{h}",
            flagged=flagged,
        )
        for h in (1, 20)
    ]
    risk = shipped.predict_risk(
        features_for_one(_info("mobile"), stats_for(reports, NOW), False, NOW)
    )
    assert risk[0] < shipped.thresholds["known_scam"]


@pytest.mark.parametrize(
    "line_class", ["service_95_96", "shared_cost_400", "carrier_service", "mobile"]
)
@pytest.mark.parametrize("n", [10, 200, 5000])
def test_an_official_number_with_many_reports_stays_below_suspicious(shipped, line_class, n):
    risk = shipped.predict_risk(features_for_one(_info(line_class), _many_reports(n), True, NOW))
    assert risk[0] < shipped.thresholds["suspicious"]


def test_many_fresh_flagged_reporters_on_a_virtual_number_are_a_known_scam(shipped):
    risk = shipped.predict_risk(
        features_for_one(_info("virtual_operator"), _many_reports(30), False, NOW)
    )
    assert risk[0] >= shipped.thresholds["known_scam"]


def test_a_number_nobody_reported_is_not_suspicious(shipped):
    for info in (_info("mobile"), _info("international"), None):
        risk = shipped.predict_risk(features_for_one(info, ReportStats(), False, NOW))
        assert risk[0] < shipped.thresholds["suspicious"]


# Simulation ----------


def test_simulate_is_deterministic_for_a_seed(small_sim):
    pd.testing.assert_frame_equal(simulate(2000, seed=7), small_sim)
    assert not simulate(2000, seed=8)[list(FEATURES)].equals(small_sim[list(FEATURES)])


def test_simulate_aggregates_its_reports_with_aggregate_reports(monkeypatch):
    calls = []

    def spy(reports, now=None, **kw):
        calls.append(len(reports))
        return aggregate_reports(reports, now=now, **kw)

    monkeypatch.setattr(simulate_numbers, "aggregate_reports", spy)
    frame = simulate(500, seed=3)
    numbers, reports = simulate_reports(500, seed=3)
    assert calls == [len(reports)]
    table = aggregate_reports(reports, now=SIM_NOW).droplevel("type")
    reported = frame.index[frame["count"] > 0]
    keys = numbers.loc[reported, "key"]
    for col in ("count", "distinct_reporters", "weighted", "count_7d", "flagged_share"):
        np.testing.assert_allclose(frame.loc[reported, col], table.loc[keys, col].astype(float))


def test_simulated_numbers_look_like_their_segment(small_sim):
    assert set(small_sim["label"]) == {"scam", "benign"}
    assert set(small_sim["line_class"]) <= {*LINE_CLASSES, UNKNOWN_LINE_CLASS}
    first = small_sim.groupby("line_class")["number"].first()
    assert first["virtual_operator"][:3] in ("170", "171", "162", "165", "167")
    assert first["shared_cost_400"].startswith("400") and len(first["shared_cost_400"]) == 10
    assert first["international"].startswith("+")
    official = small_sim[small_sim["official"] == 1]
    assert (official["label"] == "benign").all() and official["count"].max() > 20


# Artifacts ----------


def test_shipped_model_loads_and_matches_its_manifest(shipped):
    manifest = json.loads((DEFAULT_NUMBER_MODEL_DIR / MANIFEST_FILE).read_text(encoding="utf-8"))
    meta = manifest["files"][MODEL_FILE]
    assert meta["sha256"] == sha256_file(DEFAULT_NUMBER_MODEL_DIR / MODEL_FILE)
    assert meta["bytes"] <= 5_000_000
    assert manifest["data"]["labels"] == "simulated"
    assert manifest["features"] == list(FEATURES)
    assert 0.5 <= shipped.thresholds["suspicious"] <= shipped.thresholds["known_scam"] <= 1.0
    assert manifest["metrics"]["benign_flag_rate_at_suspicious"] <= 0.01
    assert "simulated labels" in (DEFAULT_NUMBER_MODEL_DIR / "MODEL_CARD.md").read_text("utf-8")


@pytest.fixture
def model_copy(tmp_path):
    dst = tmp_path / "numbers"
    shutil.copytree(DEFAULT_NUMBER_MODEL_DIR, dst)
    return dst


def test_tampered_model_file_is_refused_before_unpickling(model_copy):
    path = model_copy / MODEL_FILE
    blob = bytearray(path.read_bytes())
    blob[len(blob) // 2] ^= 0xFF
    path.write_bytes(bytes(blob))
    with pytest.raises(ModelError, match="does not match its manifest"):
        load_number_model(model_copy)


def test_replaced_model_file_and_version_drift_are_refused(model_copy):
    manifest_path = model_copy / MANIFEST_FILE
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    manifest["versions"]["scikit-learn"] = "0.1.0"
    manifest_path.write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(ModelError, match="train-numbers"):
        load_number_model(model_copy)
    (model_copy / MODEL_FILE).write_bytes(b"cos\nsystem\n(S'echo pwned'\ntR.")
    with pytest.raises(ModelError):
        load_number_model(model_copy)


def test_env_var_points_the_loader_elsewhere(model_copy, monkeypatch, tmp_path):
    monkeypatch.setenv(NUMBER_MODEL_DIR_ENV, str(model_copy))
    assert load_number_model().directory == model_copy
    monkeypatch.setenv(NUMBER_MODEL_DIR_ENV, str(tmp_path / "nope"))
    with pytest.raises(ModelError, match="does not exist"):
        load_number_model()


# Retraining ----------


def test_small_training_run_writes_a_model_that_loads_back(tmp_path):
    frame = simulate(3000, seed=11)
    metrics = train_number_model(frame, tmp_path / "m", seed=0, data={"labels": "simulated"})
    assert metrics["roc_auc"] > 0.85
    model = load_number_model(tmp_path / "m")
    assert model.manifest["data"]["labels"] == "simulated"
    risk = model.predict_risk(frame.head(20))
    assert risk.shape == (20,) and ((risk >= 0) & (risk <= 1)).all()
    assert (tmp_path / "m" / "MODEL_CARD.md").is_file()


def test_main_retrains_on_a_labelled_csv(tmp_path):
    sim = simulate(1500, seed=5)
    csv = tmp_path / "labelled.csv"
    cols = ["number", "label", "official", "count", "distinct_reporters", "weighted"]
    cols += ["count_7d", "count_30d", "flagged_share", "days_since_last", "active_days"]
    sim.assign(label=np.where(sim["label"] == "scam", "1", "0"))[cols].to_csv(csv, index=False)
    manifest = main(csv, tmp_path / "out")
    assert manifest["data"]["labels"] == "user-supplied" and manifest["data"]["rows"] == 1500
    loaded = load_labelled_csv(csv)
    assert list(loaded.columns) == ["number", "label", *FEATURES]
    assert set(loaded["line_class"]) <= set(LINE_CLASSES)  # recomputed by detector.numbers
    known = (sim["line_class"] != UNKNOWN_LINE_CLASS).to_numpy()
    agree = (loaded["line_class"] == sim["line_class"]).to_numpy()[known].mean()
    assert agree > 0.95  # the simulated strings are numbers of their segment
    np.testing.assert_allclose(loaded["weighted"], sim["weighted"])
    card = (tmp_path / "out" / "MODEL_CARD.md").read_text("utf-8")
    assert "user-supplied" in card


def test_labelled_csv_without_aggregates_means_no_reports(tmp_path):
    csv = tmp_path / "min.csv"
    csv.write_text("number,label\n13812345678,scam\n4008001234,benign\n", encoding="utf-8")
    frame = load_labelled_csv(csv)
    assert list(frame["label"]) == ["scam", "benign"]
    assert list(frame["line_class"]) == ["mobile", "shared_cost_400"]
    assert (frame["count"] == 0).all() and (frame["days_since_last"] == NO_REPORT_DAYS).all()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "does not exist"),
        ("", "is empty"),
        ("number,label\n", "no rows"),
        ("number,count\n138,1\n", "lacks column.*label"),
        ("label\nscam\n", "lacks column.*number"),
        ("number,label\n13812345678,scam\n13812345679,maybe\n", r"row 2 \(line 3\).*'maybe'"),
        ("number,label\n13812345678,scam\n,benign\n", r"row 2.*number is empty"),
        ("number,label,count\n13812345678,scam,lots\n", r"row 1.*count must be a number"),
        ("number,label,count\n13812345678,scam,-1\n", r"row 1.*count must be a number >= 0"),
        ("number,label,flagged_share\n138,scam,0.5\n139,benign,1.5\n", r"row 2.*flagged_share"),
        ("number,label,official\n13812345678,benign,perhaps\n", r"row 1.*official"),
    ],
)
def test_labelled_csv_errors_name_the_problem(tmp_path, content, message):
    path = tmp_path / "data.csv"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(InvalidInputError, match=message):
        load_labelled_csv(path)


def test_training_needs_both_labels(tmp_path):
    frame = simulate(300, seed=1)
    with pytest.raises(InvalidInputError, match="at least"):
        train_number_model(frame[frame["label"] == "benign"], tmp_path / "m")
