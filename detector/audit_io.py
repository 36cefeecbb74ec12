"""Running an audit on a file: chunks, a checkpoint to resume from, and the output files.

``run_audit`` streams the input (CSV or Parquet) through :func:`detector.audit.prepare_reports`
chunk by chunk. After each chunk it writes the prepared rows and the rejects to a checkpoint
folder beside the output (``OUT.csv.checkpoint/``) and records progress in ``state.json``; an
interrupted audit started again with the same input and options skips the chunks already
done. The checkpoint pins the audit's clock (``now``), so a resumed audit gives the same
answer as an uninterrupted one. When every chunk is in, the per-contact summary is computed
once and the outputs are written (CSV cells that a spreadsheet would run as formulas are
escaped); the checkpoint is then removed.
"""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from detector.audit import (
    AuditResult,
    ColumnMap,
    TextScorer,
    build_summary,
    daily_counts,
    prepare_reports,
    summarize_contacts,
)
from detector.batch import count_rows, escape_formula, readable_csv
from detector.contact_check import ContactChecker
from detector.errors import InvalidInputError

CHUNK_ROWS = 100_000
STATE_FILE = "state.json"
MAX_INPUT_BYTES = 50 * 1024**3


def _is_parquet(path: Path) -> bool:
    return path.suffix.lower() in (".parquet", ".pq")


def total_rows(path: Path) -> int | None:
    if _is_parquet(path):
        import pyarrow.parquet as pq

        return pq.ParquetFile(path).metadata.num_rows
    return count_rows(path)


def read_chunks(path: Path, chunk_rows: int) -> Iterator[pd.DataFrame]:
    """The input as string DataFrames of ``chunk_rows`` rows (CSV: UTF-8; or Parquet)."""
    if _is_parquet(path):
        import pyarrow.parquet as pq

        for batch in pq.ParquetFile(path).iter_batches(batch_size=chunk_rows):
            yield batch.to_pandas().astype("string").fillna("").astype(object)
        return
    with readable_csv(path.name):
        yield from pd.read_csv(
            path,
            dtype=str,
            keep_default_na=False,
            chunksize=chunk_rows,
            encoding="utf-8",
            on_bad_lines="error",
        )


def _fingerprint(path: Path, columns: ColumnMap, chunk_rows: int) -> dict[str, Any]:
    st = path.stat()
    return {
        "input": str(path.resolve()),
        "bytes": st.st_size,
        "mtime_ns": st.st_mtime_ns,
        "columns": asdict(columns),
        "chunk_rows": chunk_rows,
    }


class Checkpoint:
    """Prepared chunks on disk plus ``state.json``; stale state (other input) is discarded."""

    def __init__(self, folder: Path, fingerprint: dict[str, Any], now: datetime):
        self.folder = folder
        self.state: dict[str, Any] = {
            "fingerprint": fingerprint,
            "now": now.isoformat(),
            "chunks_done": 0,
            "rows_read": 0,
            "texts_scored": 0,
        }
        state_path = folder / STATE_FILE
        if state_path.is_file():
            try:
                old = json.loads(state_path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                old = None
            if old and old.get("fingerprint") == fingerprint:
                self.state = old
            else:
                shutil.rmtree(folder)
        folder.mkdir(parents=True, exist_ok=True)

    @property
    def now(self) -> datetime:
        return datetime.fromisoformat(self.state["now"])

    @property
    def chunks_done(self) -> int:
        return int(self.state["chunks_done"])

    def save(self, index: int, prepared: pd.DataFrame, rejects: pd.DataFrame, texts: int) -> None:
        prepared.to_parquet(self.folder / f"prepared-{index:06d}.parquet", index=False)
        rejects.to_parquet(self.folder / f"rejects-{index:06d}.parquet", index=False)
        self.state["chunks_done"] = index + 1
        self.state["rows_read"] += len(prepared) + len(rejects)
        self.state["texts_scored"] += texts
        tmp = self.folder / (STATE_FILE + ".tmp")
        tmp.write_text(json.dumps(self.state), encoding="utf-8")
        tmp.replace(self.folder / STATE_FILE)

    def load(self, kind: str) -> pd.DataFrame:
        files = sorted(self.folder.glob(f"{kind}-*.parquet"))
        frames = [pd.read_parquet(f) for f in files]
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()

    def remove(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


def write_csv(frame: pd.DataFrame, path: Path) -> None:
    """Atomically write ``frame`` with formula-looking cells escaped."""
    out = frame.copy()
    for col in out.columns:
        if pd.api.types.is_object_dtype(out[col]) or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].map(escape_formula)
    tmp = path.with_name(path.name + ".part")
    out.to_csv(tmp, index=False, encoding="utf-8")
    tmp.replace(path)


def run_audit(
    input_path: Path,
    output: Path,
    checker: ContactChecker,
    *,
    detector=None,
    columns: ColumnMap = ColumnMap(),  # noqa: B008 - frozen
    rejects_path: Path | None = None,
    report_path: Path | None = None,
    chunk_rows: int = CHUNK_ROWS,
    now: datetime | None = None,
    progress: Callable[[int], None] = lambda rows: None,
    engine: str = "pandas",
    scheduler: str | None = None,
) -> AuditResult:
    """Audit ``input_path`` into ``output`` (CSV), resuming from a checkpoint if one matches.

    ``scheduler`` (dask engine only): a Dask scheduler address; see
    :func:`detector.audit_dask.prepare_with_dask`.
    """
    t0 = time.perf_counter()
    input_path = Path(input_path)
    if not input_path.is_file():
        raise InvalidInputError(f"input not found: {input_path}", path=str(input_path))
    if input_path.stat().st_size > MAX_INPUT_BYTES:
        raise InvalidInputError(f"{input_path.name} is over {MAX_INPUT_BYTES} bytes")
    if input_path.stat().st_size == 0:
        raise InvalidInputError(f"{input_path.name} is empty")
    checkpoint = Checkpoint(
        output.with_name(output.name + ".checkpoint"),
        _fingerprint(input_path, columns, chunk_rows),
        now or datetime.now(UTC),
    )
    now = checkpoint.now
    if engine == "dask":
        from detector.audit_dask import prepare_with_dask

        prepared, rejects, rows_read, texts = prepare_with_dask(
            input_path,
            columns,
            now=now,
            detector=detector,
            chunk_rows=chunk_rows,
            scheduler=scheduler,
        )
        progress(rows_read)
    elif engine == "pandas":
        scorer = TextScorer(detector) if detector is not None else None
        line = 2
        for index, chunk in enumerate(read_chunks(input_path, chunk_rows)):
            if index == 0:
                columns.check(chunk.columns)
            if index < checkpoint.chunks_done:
                progress(len(chunk))  # done before the interruption
            else:
                scored_before = scorer.count if scorer else 0
                prepared_chunk, rejects_chunk = prepare_reports(
                    chunk,
                    columns,
                    now=now,
                    score_texts=scorer,
                    first_line=line,
                )
                scored = (scorer.count if scorer else 0) - scored_before
                checkpoint.save(index, prepared_chunk, rejects_chunk, scored)
                progress(len(chunk))
            line += len(chunk)
        prepared, rejects = checkpoint.load("prepared"), checkpoint.load("rejects")
        rows_read, texts = checkpoint.state["rows_read"], checkpoint.state["texts_scored"]
    else:
        raise InvalidInputError(f"unknown engine {engine!r}; use pandas or dask")
    if rejects.empty:
        rejects = pd.DataFrame({"line": [], "reason": [], "contact": []})
    contacts = summarize_contacts(prepared, checker, now=now)
    summary = build_summary(
        contacts,
        rejects,
        prepared,
        rows_read=rows_read,
        texts_scored=texts,
        engine=engine,
        now=now,
        seconds=time.perf_counter() - t0,
        source=input_path.name,
    )
    result = AuditResult(contacts, rejects, summary, daily_counts(prepared))
    write_outputs(result, output, rejects_path, report_path)
    checkpoint.remove()
    return result


def write_outputs(
    result: AuditResult, output: Path, rejects_path: Path | None, report_path: Path | None
) -> None:
    contacts = result.contacts.copy()
    for col in ("first_seen", "last_seen"):
        if col in contacts and len(contacts):
            contacts[col] = pd.to_datetime(contacts[col], utc=True).dt.strftime(
                "%Y-%m-%dT%H:%M:%SZ"
            )
    write_csv(contacts, output)
    if rejects_path is not None:
        write_csv(result.rejects, rejects_path)
    if report_path is not None:
        from detector.audit_report import write_report

        write_report(report_path, result.contacts, result.rejects, result.summary, result.daily)
