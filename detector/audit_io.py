"""Running an audit on a file: chunks, a checkpoint to resume from, and the output files.

``run_audit`` streams the input (CSV or Parquet) through :func:`detector.audit.prepare_reports`
chunk by chunk. After each chunk it writes the prepared rows and the rejects to a checkpoint
folder beside the output (``OUT.csv.checkpoint/``, Arrow files) and records progress in
``state.json``; an interrupted audit started again with the same input and options skips
the chunks already done. The checkpoint pins the audit's clock (``now``), so a resumed audit
gives the same answer as an uninterrupted one. When every chunk is in, the per-contact
summary is computed once and the outputs are written (CSV cells that a spreadsheet would run
as formulas are escaped); the checkpoint is then removed.

On a large input run from the main thread (the CLI), a forked child process
(:mod:`detector.forked`) takes part of each step: some of the chunks, half of the contacts
(``summarize_contacts(parallel=True)``) and the HTML report.
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

import numpy as np
import pandas as pd

from detector.audit import (
    _PARSED,
    AuditResult,
    ColumnMap,
    TextScorer,
    build_summary,
    daily_counts,
    prepare_reports,
    summarize_contacts,
)
from detector.batch import _FORMULA_START, count_rows, escape_formula, readable_csv
from detector.contact_check import ContactChecker
from detector.errors import InvalidInputError
from detector.forked import Forked, ForkFailed, can_fork

CHUNK_ROWS = 100_000
STATE_FILE = "state.json"
#: Version of the checkpoint's files (Arrow IPC, uncompressed: written and read back 4×
#: faster than Parquet); a checkpoint of another version is discarded.
CHECKPOINT_FORMAT = 2
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
        "checkpoint_format": CHECKPOINT_FORMAT,
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

    def _file(self, kind: str, index: int) -> Path:
        return self.folder / f"{kind}-{index:06d}.arrow"

    def save(self, index: int, prepared: pd.DataFrame, rejects: pd.DataFrame, texts: int) -> None:
        for kind, frame in (("prepared", prepared), ("rejects", rejects)):
            frame.to_feather(self._file(kind, index), compression="uncompressed")
        self.state["chunks_done"] = index + 1
        self.state["rows_read"] += len(prepared) + len(rejects)
        self.state["texts_scored"] += texts
        tmp = self.folder / (STATE_FILE + ".tmp")
        tmp.write_text(json.dumps(self.state), encoding="utf-8")
        tmp.replace(self.folder / STATE_FILE)

    def load_chunk(self, kind: str, index: int) -> pd.DataFrame:
        return pd.read_feather(self._file(kind, index))

    def remove(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


def _escape_formulas(column: pd.Series) -> pd.Series:
    """``column.map(escape_formula)``, vectorized for string columns."""
    if isinstance(column.dtype, pd.StringDtype) and column.notna().any():
        starts = column.str.startswith(_FORMULA_START).fillna(False).astype(bool)
        return column.where(~starts, "'" + column) if starts.any() else column
    return column.map(escape_formula)


def _escaped(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    for col in out.columns:
        if pd.api.types.is_object_dtype(out[col]) or pd.api.types.is_string_dtype(out[col]):
            out[col] = _escape_formulas(out[col])
    return out


def write_csv(frame: pd.DataFrame, path: Path) -> None:
    """Atomically write ``frame`` with formula-looking cells escaped."""
    tmp = path.with_name(path.name + ".part")
    _to_csv(_escaped(frame), tmp)
    tmp.replace(path)


def _to_csv(frame: pd.DataFrame, path: Path, header: bool = True) -> None:
    """``frame.to_csv(path, index=False, header=header, encoding="utf-8")``; frames of
    integer, float and string columns are formatted by :func:`_csv_text` (5× faster)."""
    text = _csv_text(frame, header)
    if text is None:
        frame.to_csv(path, index=False, header=header, encoding="utf-8")
    else:
        path.write_bytes(text.encode("utf-8"))


def _csv_text(frame: pd.DataFrame, header: bool = True) -> str | None:
    """What ``frame.to_csv(index=False, header=header)`` writes, built column by column in
    Arrow: numbers as NumPy's ``str`` (what pandas writes), NaN as '', a cell quoted when
    it holds the delimiter, the quote or a line break (Python's csv, QUOTE_MINIMAL, with
    the quote doubled). None for frames with other column types, or one column (csv
    quotes an empty cell that is a row's only one)."""
    import csv
    import io

    import pyarrow as pa
    import pyarrow.compute as pc

    if frame.shape[1] < 2 or not all(isinstance(c, str) for c in frame.columns):
        return None
    columns = []
    for name in frame.columns:
        col = frame[name]
        if col.dtype.kind in "iu" and isinstance(col.dtype, np.dtype):
            arr = pa.array(col.to_numpy()).cast(pa.large_string())
        elif col.dtype.kind == "f" and isinstance(col.dtype, np.dtype):
            values = col.to_numpy()
            if (np.signbit(values) & (values == 0)).any():
                return None  # -0.0 and 0.0 are one value to np.unique, not to str
            distinct, which = np.unique(values, return_inverse=True)  # NumPy's str, once each
            text = pa.array(distinct.astype(str).tolist(), type=pa.large_string())
            arr = pc.if_else(pa.array(np.isnan(values)), "", text.take(pa.array(which)))
        elif isinstance(col.dtype, pd.StringDtype):
            arr = col.array.__arrow_array__().combine_chunks().cast(pa.large_string())
            arr = pc.fill_null(arr, "")
            quote = pc.match_substring_regex(arr, '[,"\n]')
            if pc.any(quote).as_py():
                mark = pa.scalar('"', pa.large_string())
                quoted = pc.binary_join_element_wise(
                    mark,
                    pc.replace_substring(arr, '"', '""'),
                    mark,
                    pa.scalar("", pa.large_string()),
                )
                arr = pc.if_else(quote, quoted, arr)
        else:
            return None
        columns.append(arr)
    head = ""
    if header:
        out = io.StringIO()
        csv.writer(out, lineterminator="\n").writerow(frame.columns)
        head = out.getvalue()
    if not len(frame):
        return head
    rows = pc.binary_join_element_wise(*columns, pa.scalar(",", pa.large_string()))
    return head + "\n".join(rows.to_pylist()) + "\n"


#: Inputs from this size on are prepared by two processes (see :func:`_prepare_chunks`).
PARALLEL_MIN_BYTES = 16 * 1024**2
#: The share of the chunks prepared by the forked child.
CHILD_SHARE = 0.6


def _prepare_chunks(
    input_path: Path,
    checkpoint: Checkpoint,
    columns: ColumnMap,
    now: datetime,
    detector,
    chunk_rows: int,
    progress: Callable[[int], None],
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Step 1 of the pandas engine: every chunk prepared and checkpointed, in input order.

    On a large input, once the first chunks (:data:`CHILD_SHARE` of them) are read, a
    forked child (:mod:`detector.forked`: it starts with those chunks, the models and the
    contacts parsed so far in memory) prepares them while this process reads and prepares
    the others. The checkpoint is still written chunk after chunk in input order (the
    child's chunks first), so an interrupted audit resumes as before.
    """
    scorer = TextScorer(detector) if detector is not None else None
    parallel = can_fork() and input_path.stat().st_size >= PARALLEL_MIN_BYTES
    # The child takes the first chunks still to do (estimated from the line count), once
    # they are read; more than half, as this process also reads the input.
    rows = count_rows(input_path) if parallel else None
    chunks = -(-(rows or 0) // chunk_rows) - checkpoint.chunks_done
    share = max(1, round(chunks * CHILD_SHARE)) if chunks > 1 else 0
    done: dict[str, list[pd.DataFrame]] = {"prepared": [], "rejects": []}
    first: list[tuple[int, pd.DataFrame, int]] = []  # (index, chunk, first line): the child's
    child: Forked | None = None
    later: list[tuple[int, tuple, int]] = []  # prepared here while the child works

    def here(chunk: pd.DataFrame, line: int) -> tuple[pd.DataFrame, pd.DataFrame, int]:
        before = scorer.count if scorer else 0
        prepared, rejects = prepare_reports(
            chunk, columns, now=now, score_texts=scorer, first_line=line
        )
        return prepared, rejects, (scorer.count if scorer else 0) - before

    def save(index: int, got: tuple[pd.DataFrame, pd.DataFrame, int], rows: int) -> None:
        checkpoint.save(index, *got)
        done["prepared"].append(got[0])
        done["rejects"].append(got[1])
        progress(rows)

    line = 2
    try:
        for index, chunk in enumerate(read_chunks(input_path, chunk_rows)):
            if index == 0:
                columns.check(chunk.columns)
            if index < checkpoint.chunks_done:  # done before the interruption
                for kind, frames in done.items():
                    frames.append(checkpoint.load_chunk(kind, index))
                progress(len(chunk))
            elif child is None and len(first) < share:
                first.append((index, chunk, line))
                if len(first) == share:
                    try:
                        child = Forked(_prepare_in_child, first, columns, now, scorer)
                    except ForkFailed:
                        share = 0
            elif first:  # the child's chunks come first: keep this one's answer until then
                later.append((index, here(chunk, line), len(chunk)))
            else:
                save(index, here(chunk, line), len(chunk))
            line += len(chunk)
        if first:
            results = None
            if child is not None:
                try:
                    results, parsed = child.result()
                    _PARSED.add(parsed)
                except ForkFailed:  # do it here: a real error is raised as itself
                    results = None
                child = None
            if results is None:
                results = [here(chunk, line) for _, chunk, line in first]
            for (index, chunk, _), got in zip(first, results, strict=True):
                save(index, got, len(chunk))
            for index, got, size in later:
                save(index, got, size)
    finally:
        if child is not None:
            child.cancel()
    prepared, rejects = (
        pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
        for frames in done.values()
    )
    return prepared, rejects


def _prepare_in_child(todo, columns, now, scorer):
    """:func:`prepare_reports` of chunks in a forked child; also returns what it added to
    the contact parse cache, for the parent to keep."""
    from threadpoolctl import threadpool_limits

    size = len(_PARSED)
    results = []
    with threadpool_limits(limits=1):
        for _, chunk, line in todo:
            before = scorer.count if scorer else 0
            prepared, rejects = prepare_reports(
                chunk, columns, now=now, score_texts=scorer, first_line=line
            )
            results.append((prepared, rejects, (scorer.count if scorer else 0) - before))
    return results, _PARSED.since(size)


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
        prepared, rejects = _prepare_chunks(
            input_path, checkpoint, columns, now, detector, chunk_rows, progress
        )
        rows_read, texts = checkpoint.state["rows_read"], checkpoint.state["texts_scored"]
    else:
        raise InvalidInputError(f"unknown engine {engine!r}; use pandas or dask")
    if rejects.empty:
        rejects = pd.DataFrame({"line": [], "reason": [], "contact": []})
    contacts = summarize_contacts(prepared, checker, now=now, parallel=True)
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
    """The contacts CSV, and the rejects CSV and HTML report when asked for. For a large
    audit, a forked child (:mod:`detector.forked`) draws the report while this process
    writes the CSVs."""
    child = None
    if report_path is not None and len(result.contacts) >= PARALLEL_OUTPUT_CONTACTS and can_fork():
        try:
            child = Forked(_write_report, result, report_path)
        except ForkFailed:
            child = None
    try:
        write_csv(_csv_dates(result.contacts), output)
        if rejects_path is not None:
            write_csv(result.rejects, rejects_path)
    except BaseException:
        if child is not None:
            child.cancel()
        raise
    if child is not None:
        try:
            child.result()
        except ForkFailed:
            child = None
    if child is None and report_path is not None:
        _write_report(result, report_path)


def _csv_dates(contacts: pd.DataFrame) -> pd.DataFrame:
    """Contacts with their times written as ``2026-11-27T12:00:00Z``."""
    contacts = contacts.copy()
    for col in ("first_seen", "last_seen"):
        if col in contacts and len(contacts):
            contacts[col] = pd.to_datetime(contacts[col], utc=True).dt.strftime(
                "%Y-%m-%dT%H:%M:%SZ"
            )
    return contacts


#: Contacts from which the report is drawn in a forked child.
PARALLEL_OUTPUT_CONTACTS = 20_000


def _write_report(result: AuditResult, path: Path) -> None:
    from detector.audit_report import write_report

    write_report(path, result.contacts, result.rejects, result.summary, result.daily)
