"""The Dask engine of ``run_audit`` gives the pandas engine's answer, on a real 2-worker
cluster (worker processes on 127.0.0.1)."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest

from detector.audit_dask import read_partitions
from detector.audit_io import run_audit
from detector.contact_check import ContactChecker
from detector.engine import Detector
from detector.registry import demo_registry

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
from bench_audit import generate

ROWS, CONTACTS, CHUNK_ROWS = 20_000, 4_000, 4_000
NOW = datetime(2026, 11, 27, 12, tzinfo=UTC)
VARYING = ("engine", "seconds")


@pytest.fixture(scope="module")
def cluster():
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
        memory_limit="1GiB",
    ) as local:
        yield local


@pytest.fixture(scope="module")
def reports(tmp_path_factory) -> Path:
    return generate(tmp_path_factory.mktemp("audit") / "reports.csv", ROWS, CONTACTS, seed=1)


@pytest.fixture(scope="module")
def checker() -> ContactChecker:
    return ContactChecker.load(demo_registry())


@pytest.fixture(scope="module")
def detector() -> Detector:
    return Detector.load()


def _both(input_path: Path, tmp_path: Path, checker, detector, scheduler: str):
    results = {}
    for engine in ("pandas", "dask"):
        out = tmp_path / engine
        out.mkdir()
        results[engine] = run_audit(
            input_path,
            out / "contacts.csv",
            checker,
            detector=detector,
            chunk_rows=CHUNK_ROWS,
            now=NOW,
            engine=engine,
            scheduler=scheduler if engine == "dask" else None,
            rejects_path=out / "rejects.csv",
        )
        assert not (out / "contacts.csv.checkpoint").exists()
    return results["pandas"], results["dask"], tmp_path


def _assert_same(pandas_run, dask_run, folder: Path, ignore: tuple[str, ...]) -> None:
    assert len(pandas_run.contacts) > 1_000
    assert len(pandas_run.rejects) > 50  # the generator's bad contacts and dates
    pd.testing.assert_frame_equal(dask_run.contacts, pandas_run.contacts)
    pd.testing.assert_frame_equal(dask_run.rejects, pandas_run.rejects)
    pd.testing.assert_frame_equal(dask_run.daily, pandas_run.daily)
    drop = set(VARYING) | set(ignore)
    assert {k: v for k, v in dask_run.summary.items() if k not in drop} == {
        k: v for k, v in pandas_run.summary.items() if k not in drop
    }
    assert dask_run.summary["engine"] == "dask"
    for name in ("contacts.csv", "rejects.csv"):
        assert (folder / "dask" / name).read_bytes() == (folder / "pandas" / name).read_bytes()


def test_dask_engine_matches_pandas_on_csv(
    reports, cluster, checker, detector, tmp_path, deadline
) -> None:
    with deadline(50):
        parts, _ = read_partitions(str(reports), CHUNK_ROWS)
        assert parts.npartitions > 1
        pandas_run, dask_run, folder = _both(
            reports, tmp_path, checker, detector, cluster.scheduler_address
        )
    # Line numbers come from row counts across partitions: check a few against the file.
    frame = pd.read_csv(reports, dtype=str, keep_default_na=False)
    late = dask_run.rejects[dask_run.rejects["line"] > ROWS // 2]
    assert len(late)
    for line, contact in late[["line", "contact"]].head(5).itertuples(index=False):
        assert frame["contact"].iloc[line - 2][:200] == contact
    # Texts are scored once per distinct text *per partition*: the count depends on where the
    # input is cut (pandas: every CHUNK_ROWS rows; Dask: byte ranges), the flags do not.
    _assert_same(pandas_run, dask_run, folder, ignore=("texts_scored",))
    distinct = frame.loc[frame["text"].str.strip() != "", "text"].str.replace(
        r"[0-9０-９]", "0", regex=True
    )
    for run in (pandas_run, dask_run):
        assert distinct.nunique() <= run.summary["texts_scored"] <= len(distinct)


def test_dask_engine_matches_pandas_on_parquet(
    reports, cluster, checker, detector, tmp_path, deadline
) -> None:
    """Row groups of CHUNK_ROWS rows: both engines cut the input at the same rows, so even
    ``texts_scored`` is equal."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = tmp_path / "reports.parquet"
    table = pa.Table.from_pandas(pd.read_csv(reports, dtype=str, keep_default_na=False))
    pq.write_table(table, path, row_group_size=CHUNK_ROWS)
    with deadline(50):
        parts, _ = read_partitions(str(path), CHUNK_ROWS)
        assert parts.npartitions == ROWS // CHUNK_ROWS
        pandas_run, dask_run, folder = _both(
            path, tmp_path, checker, detector, cluster.scheduler_address
        )
    _assert_same(pandas_run, dask_run, folder, ignore=())
    assert dask_run.summary["texts_scored"] > 0
