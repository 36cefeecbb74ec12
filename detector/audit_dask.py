"""Step 1 of an audit (:func:`detector.audit.prepare_reports`) on a Dask cluster.

``run_audit(..., engine="dask")`` calls :func:`prepare_with_dask`: the input (CSV or Parquet,
a local path or any URL fsspec reads) is split into partitions of about ``chunk_rows`` rows,
each partition is prepared on a worker, and the prepared rows and rejects come back to the
client as pandas DataFrames; the per-contact summary (step 2) then runs on the client, as with
the pandas engine.

* One pass over the input. Each partition reports its row count with its rejects; the client
  turns their partition-relative line numbers into input lines afterwards (header = line 1,
  row ``i`` = line ``i + 2``: rows are counted, as the pandas engine does, so a quoted field
  that spans several physical lines still counts as one).
* Report texts are scored in the workers by a Detector loaded **once per worker process**
  (:data:`_DETECTORS`, keyed by model directory); tasks carry the model directory and version,
  never the Detector itself.
* CSV partitions are byte ranges cut at line breaks (``dask.dataframe.read_csv``): a quoted
  field containing a line break must not straddle a cut. Inputs whose texts contain line
  breaks are safer as Parquet.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd

from detector.audit import PREPARED_COLUMNS, ColumnMap, TextScorer, prepare_reports
from detector.batch import readable_csv
from detector.errors import InvalidInputError, ModelError

#: Dask's own schedulers (no cluster): useful for debugging and small inputs.
LOCAL_SCHEDULERS = ("sync", "synchronous", "single-threaded", "threads", "processes")
MIN_BLOCK_BYTES = 64 * 1024
SAMPLE_BYTES = 1 << 20

#: Per-process cache of loaded Detectors, keyed by model directory ("" = the default one).
_DETECTORS: dict[str, Any] = {}
_DETECTORS_LOCK = threading.Lock()

# (model directory or None for the worker's default, model version, max_chars)
ModelRef = tuple[str | None, str, int]


def _worker_detector(model_dir: str | None, version: str):
    """The Detector of ``model_dir`` in this process, loaded on first use."""
    key = model_dir or ""
    with _DETECTORS_LOCK:
        detector = _DETECTORS.get(key)
        if detector is None:
            from detector.engine import Detector

            detector = Detector.load(model_dir)
            _DETECTORS[key] = detector
    if detector.model_version != version:
        raise ModelError(
            f"worker loaded message model {detector.model_version} from "
            f"{model_dir or 'its default model directory'}, the client uses {version}: "
            "install the same models on every worker"
        )
    return detector


def _model_ref(detector) -> ModelRef | None:
    """What a worker needs to load the client's message model itself."""
    if detector is None:
        return None
    from detector.model import default_model_dir

    directory = getattr(getattr(detector, "model", None), "directory", None)
    default = default_model_dir()
    if directory is not None and Path(directory).resolve() == Path(default).resolve():
        directory = None  # the default model: each worker resolves its own installed copy
    return (
        str(directory) if directory is not None else None,
        str(detector.model_version),
        int(detector.max_chars),
    )


_PARTITION_META = pd.DataFrame(
    {
        "rows": pd.Series([], dtype="int64"),
        "texts": pd.Series([], dtype="int64"),
        "prepared": pd.Series([], dtype=object),
        "rejects": pd.Series([], dtype=object),
    }
)


def _prepare_partition(
    chunk: pd.DataFrame,
    columns: ColumnMap,
    now: datetime,
    model: ModelRef | None,
    parquet: bool,
) -> pd.DataFrame:
    """One row per partition: its row count, texts scored, prepared rows and rejects (lines
    relative to the partition: 0 = its first row)."""
    if parquet:  # as detector.audit_io.read_chunks reads Parquet
        chunk = chunk.astype("string").fillna("").astype(object)
    scorer = None
    if model is not None:
        model_dir, version, max_chars = model
        scorer = TextScorer(_worker_detector(model_dir, version), max_chars)
    prepared, rejects = prepare_reports(chunk, columns, now=now, score_texts=scorer, first_line=0)
    texts = scorer.count if scorer else 0
    out = pd.DataFrame({"rows": [len(chunk)], "texts": [texts]}, dtype="int64")
    out["prepared"] = pd.Series([prepared], dtype=object)
    out["rejects"] = pd.Series([rejects], dtype=object)
    return out


def _is_parquet(path: str) -> bool:
    return path.lower().rstrip("/").endswith((".parquet", ".pq", ".parq"))


def _csv_blocksize(path: str, chunk_rows: int) -> int:
    """Bytes per partition for at most about ``chunk_rows`` rows, from the average row length
    of the first MiB of the file."""
    import math

    from fsspec.core import url_to_fs

    fs, target = url_to_fs(path)
    with fs.open(target, "rb") as fh:
        sample = fh.read(SAMPLE_BYTES)
    body = sample.split(b"\n", 1)[1] if b"\n" in sample else b""
    rows = body.count(b"\n")
    per_row = len(body) / rows if rows else max(len(sample), 1)
    want = max(int(per_row * chunk_rows), 1)
    # Dask cuts a file into size // blocksize blocks (rounding down, so blocks grow): ask
    # for the rounded-up count instead, so that partitions stay at or under chunk_rows.
    size = fs.size(target) or want
    return max(size // math.ceil(size / want), MIN_BLOCK_BYTES)


def read_partitions(path: str, chunk_rows: int):
    """The input as a Dask DataFrame of strings, about ``chunk_rows`` rows per partition."""
    import dask.dataframe as dd

    name = path.rsplit("/", 1)[-1]
    with readable_csv(name):
        if _is_parquet(path):
            return dd.read_parquet(path, split_row_groups=True), True
        return (
            dd.read_csv(
                path,
                dtype=str,
                keep_default_na=False,
                blocksize=_csv_blocksize(path, chunk_rows),
                encoding="utf-8",
                on_bad_lines="error",
            ),
            False,
        )


@contextmanager
def _runner(scheduler: str | None) -> Iterator[Any]:
    """A ``distributed.Client`` or the name of a local Dask scheduler; closes what it starts.

    ``scheduler``: a scheduler address (``tcp://host:8786``), one of :data:`LOCAL_SCHEDULERS`,
    or None: the current default client, else the scheduler set in Dask's config, else a
    2-worker ``LocalCluster`` on this machine.
    """
    if scheduler in LOCAL_SCHEDULERS:
        yield scheduler
        return
    from distributed import Client, LocalCluster, default_client

    if scheduler:
        try:
            client = Client(scheduler, set_as_default=False, timeout=30)
        except OSError as exc:
            raise InvalidInputError(
                f"cannot reach the Dask scheduler at {scheduler}: {exc}", scheduler=scheduler
            ) from None
        with client:
            yield client
        return
    try:
        yield default_client()
        return
    except ValueError:  # no default client
        pass
    import dask

    configured = dask.config.get("scheduler", None)
    if configured is not None:
        yield configured
        return
    with (
        LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
        ) as cluster,
        Client(cluster, set_as_default=False) as client,
    ):
        yield client


def _compute(collection, runner) -> pd.DataFrame:
    if isinstance(runner, str):
        return collection.compute(scheduler=runner)
    return runner.compute(collection, sync=True)


def prepare_with_dask(
    input_path: Path | str,
    columns: ColumnMap,
    *,
    now: datetime,
    detector=None,
    chunk_rows: int = 100_000,
    scheduler: str | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame, int, int]:
    """Prepared rows, rejects (input line numbers), rows read and texts scored.

    Same results as the pandas engine of :func:`detector.audit_io.run_audit`; ``texts_scored``
    is the sum over partitions of the distinct texts each scored, so it depends on how the
    input is split (as it does on ``chunk_rows`` with the pandas engine). Without
    ``detector``, no text is scored.
    """
    path = str(input_path)
    frame, parquet = read_partitions(path, chunk_rows)
    columns.check(frame.columns)
    parts = frame.map_partitions(
        _prepare_partition,
        columns,
        now,
        _model_ref(detector),
        parquet,
        meta=_PARTITION_META,
        enforce_metadata=False,
        align_dataframes=False,
    )
    with readable_csv(Path(path).name), _runner(scheduler) as runner:
        done = _compute(parts, runner)

    rows = done["rows"].to_numpy()
    first_lines = 2 + rows.cumsum() - rows
    rejects = [
        r.assign(line=r["line"] + int(first))
        for r, first in zip(done["rejects"], first_lines, strict=True)
        if len(r)
    ]
    prepared = [p for p in done["prepared"] if len(p)]
    prepared_frame = (
        pd.concat(prepared, ignore_index=True)
        if prepared
        else pd.DataFrame(columns=list(PREPARED_COLUMNS))
    )
    rejects_frame = (
        pd.concat(rejects, ignore_index=True)
        if rejects
        else pd.DataFrame({"line": [], "reason": [], "contact": []})
    )
    return prepared_frame, rejects_frame, int(rows.sum()), int(done["texts"].sum())
