"""Running an audit on a file: chunks, a checkpoint to resume from, and the output files.

``run_audit`` streams the input (CSV or Parquet) through :func:`detector.audit.prepare_reports`
chunk by chunk. After each chunk it writes the prepared rows and the rejects to a checkpoint
folder beside the output (``OUT.csv.checkpoint/``, Arrow files) and records progress in
``state.json``; an interrupted audit started again with the same input and options skips
the chunks already done. The checkpoint pins the audit's clock (``now``), so a resumed audit
gives the same answer as an uninterrupted one. When every chunk is in, the per-contact
summary is computed once and the outputs are written (CSV cells that a spreadsheet would run
as formulas are escaped); the checkpoint is then removed.

Run from the main thread (the CLI), forked child processes (:mod:`detector.forked`) take
part of the work: on a large input some of the chunks and half of the contacts
(``summarize_contacts(parallel=True)``); and the HTML report, drawn by a child forked at
the start, which imports matplotlib while this process audits.
"""

from __future__ import annotations

import itertools
import json
import mmap
import os
import shutil
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

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
from detector.forked import Forked, ForkFailed, Standby, can_fork

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
        yield from _csv_chunks(path, chunk_rows)


class _NotAsPandas(Exception):
    """Arrow would not read this CSV as pandas does."""


def _csv_chunks(path: Path, chunk_rows: int) -> Iterator[pd.DataFrame]:
    """The frames of ``pd.read_csv(path, dtype=str, keep_default_na=False,
    chunksize=chunk_rows, encoding="utf-8", on_bad_lines="error")``.

    Arrow's CSV reader (10× faster, in this thread) reads them as long as it reads the
    file as pandas does: the same header, every row with every field. Where it would not
    (a short, long or undecodable row, a header pandas renames, one column, a carriage
    return without a line feed, a file without rows or ending inside a quoted value),
    pandas reads the file from the start and gives the frames not given yet.
    """
    given = 0
    try:
        for frame in _arrow_csv_chunks(path, chunk_rows):
            yield frame
            given += 1
        return
    except (_NotAsPandas, pa.ArrowException):
        pass
    frames = pd.read_csv(
        path,
        dtype=str,
        keep_default_na=False,
        chunksize=chunk_rows,
        encoding="utf-8",
        on_bad_lines="error",
    )
    yield from itertools.islice(frames, given, None)


def _arrow_csv_chunks(path: Path, chunk_rows: int) -> Iterator[pd.DataFrame]:
    """:func:`_csv_chunks` read by Arrow; raises _NotAsPandas or an ArrowException where
    that would not give pandas' frames."""
    import pyarrow.csv as pa_csv

    try:
        names = list(pd.read_csv(path, dtype=str, nrows=0, encoding="utf-8").columns)
    except ValueError as exc:  # unreadable: pandas says why, reading it all
        raise _NotAsPandas from exc
    reader = pa_csv.open_csv(
        path,
        read_options=pa_csv.ReadOptions(use_threads=False, block_size=4 << 20),
        parse_options=pa_csv.ParseOptions(newlines_in_values=True),
        convert_options=pa_csv.ConvertOptions(
            column_types=dict.fromkeys(names, pa.large_string()),
            strings_can_be_null=False,
            quoted_strings_can_be_null=False,
        ),
    )
    if reader.schema.names != names or set(reader.schema.types) != {pa.large_string()}:
        raise _NotAsPandas  # a header pandas renames (duplicate or empty names)
    if len(names) < 2:
        raise _NotAsPandas  # pandas skips lines of spaces as blank in one column
    if _lone_carriage_return(path):
        raise _NotAsPandas  # pandas reads some lines after one otherwise
    start, pending = 0, pa.Table.from_batches([], reader.schema)

    def frame(table: pa.Table) -> pd.DataFrame:
        out = table.to_pandas(
            types_mapper={pa.large_string(): pd.StringDtype("pyarrow", np.nan)}.get
        )
        out.index = pd.RangeIndex(start, start + len(out))
        return out

    for batch in reader:  # the last row is held back until the end is checked
        pending = pa.concat_tables([pending, pa.Table.from_batches([batch])])
        while len(pending) > chunk_rows:
            yield frame(pending.slice(0, chunk_rows))
            start += chunk_rows
            pending = pending.slice(chunk_rows)
    if not len(pending):
        raise _NotAsPandas  # no rows: pandas gives one empty frame
    # A quoted value left open runs to the end of the file for Arrow; pandas rejects it.
    last = pending.column(len(names) - 1)[-1].as_py()
    open_tail = ('"' + last.replace('"', '""')).encode("utf-8")
    with open(path, "rb") as fh:
        fh.seek(max(fh.seek(0, 2) - len(open_tail), 0))
        if fh.read() == open_tail:
            raise _NotAsPandas
    yield frame(pending)


def _lone_carriage_return(path: Path) -> bool:
    """Does the file hold a carriage return that is not followed by a line feed?"""
    with open(path, "rb") as fh:
        if not path.stat().st_size:
            return False
        with mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as data:
            if data.find(b"\r") < 0:
                return False  # the usual case, found without reading the file into memory
        last = b""
        for block in iter(lambda: fh.read(1 << 24), b""):
            if last == b"\r" and not block.startswith(b"\n"):
                return True
            returns = block.count(b"\r")
            if returns != block.count(b"\r\n") + block.endswith(b"\r"):
                return True
            last = block[-1:]
    return last == b"\r"


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

    def write(self, index: int, prepared: pd.DataFrame, rejects: pd.DataFrame) -> None:
        """Write the files of chunk ``index``; it counts as done once :meth:`done` says so."""
        for kind, frame in (("prepared", prepared), ("rejects", rejects)):
            frame.to_feather(self._file(kind, index), compression="uncompressed")

    def done(self, index: int, rows: int, texts: int) -> None:
        """Record chunk ``index`` (its files written; chunks in input order) as done."""
        self.state["chunks_done"] = index + 1
        self.state["rows_read"] += rows
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
    integer, float and string columns are formatted by :func:`_csv_bytes` (5× faster)."""
    data = _csv_bytes(frame, header)
    if data is None:
        frame.to_csv(path, index=False, header=header, encoding="utf-8")
    else:
        path.write_bytes(data)


def _csv_bytes(frame: pd.DataFrame, header: bool = True) -> bytes | None:
    """What ``frame.to_csv(index=False, header=header)`` writes, UTF-8 encoded, built column
    by column in Arrow: numbers as NumPy's ``str`` (what pandas writes), NaN as '', a cell
    quoted when it holds the delimiter, the quote or a line break (Python's csv,
    QUOTE_MINIMAL, with the quote doubled). None for frames with other column types, or
    one column (csv quotes an empty cell that is a row's only one)."""
    import csv
    import io

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
            arr = _csv_quoted(pc.fill_null(arr, ""))
        else:
            return None
        columns.append(arr)
    head = ""
    if header:
        out = io.StringIO()
        csv.writer(out, lineterminator="\n").writerow(frame.columns)
        head = out.getvalue()
    if not len(frame):
        return head.encode("utf-8")
    # Each row ends with a line break: the rows' bytes, back to back, are the file's body.
    columns[-1] = pc.binary_join_element_wise(
        columns[-1], pa.scalar("\n", pa.large_string()), pa.scalar("", pa.large_string())
    )
    rows = pc.binary_join_element_wise(*columns, pa.scalar(",", pa.large_string()))
    offsets = np.frombuffer(rows.buffers()[1], dtype=np.int64)
    start, end = int(offsets[rows.offset]), int(offsets[rows.offset + len(rows)])
    return head.encode("utf-8") + rows.buffers()[2].slice(start, end - start).to_pybytes()


def _csv_quoted(arr: pa.Array) -> pa.Array:
    """The cells of a string array as csv writes them (see :func:`_csv_bytes`): those
    holding the delimiter, the quote or a line break are quoted, each quote doubled."""
    data = arr.buffers()[2]
    if data is None or not np.isin(np.frombuffer(data, np.uint8), _QUOTED_BYTES).any():
        return arr  # none of those characters anywhere
    cells = pc.dictionary_encode(arr)  # the texts that hold them (reasons) repeat
    words = cells.dictionary
    mark = pa.scalar('"', pa.large_string())
    quoted = pc.binary_join_element_wise(
        mark, pc.replace_substring(words, '"', '""'), mark, pa.scalar("", pa.large_string())
    )
    quote = pc.match_substring_regex(words, '[,"\n]')
    return pc.if_else(quote, quoted, words).take(cells.indices)


_QUOTED_BYTES = np.frombuffer(b',"\n', np.uint8)


#: Inputs from this size on are prepared by two processes (see :func:`_prepare_chunks`).
PARALLEL_MIN_BYTES = 16 * 1024**2
#: The share of the chunks prepared by the forked child.
CHILD_SHARE = 0.5


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
    contacts parsed so far in memory) prepares them and writes their checkpoint files
    while this process reads and prepares the others; this process then reads the child's
    chunks back from their files. The checkpoint still counts the chunks done in input
    order (the child's first), so an interrupted audit resumes as before.
    """
    scorer = TextScorer(detector) if detector is not None else None
    parallel = can_fork() and input_path.stat().st_size >= PARALLEL_MIN_BYTES
    # The child takes the first chunks still to do (estimated from the line count), once
    # they are read: half of them (reading them is quick).
    rows = count_rows(input_path) if parallel else None
    chunks = -(-(rows or 0) // chunk_rows) - checkpoint.chunks_done
    share = max(1, round(chunks * CHILD_SHARE)) if chunks > 1 else 0
    frames: dict[int, tuple[pd.DataFrame, pd.DataFrame]] = {}  # chunk index: prepared, rejects
    first: list[tuple[int, pd.DataFrame, int]] = []  # (index, chunk, first line): the child's
    child: Forked | None = None
    later: list[tuple[int, int, int]] = []  # (index, rows, texts scored) of chunks done here

    def here(index: int, chunk: pd.DataFrame, line: int) -> int:
        prepared, rejects, texts = _prepare_chunk(
            index, chunk, line, columns, now, scorer, checkpoint
        )
        frames[index] = (prepared, rejects)
        return texts

    def count(index: int, rows: int, texts: int) -> None:
        checkpoint.done(index, rows, texts)
        progress(rows)

    line = 2
    try:
        for index, chunk in enumerate(read_chunks(input_path, chunk_rows)):
            if index == 0:
                columns.check(chunk.columns)
            if index < checkpoint.chunks_done:  # done before the interruption
                frames[index] = _chunk_files(checkpoint, index)
                progress(len(chunk))
            elif child is None and len(first) < share:
                first.append((index, chunk, line))
                if len(first) == share:
                    try:
                        child = Forked(_prepare_in_child, first, columns, now, scorer, checkpoint)
                    except ForkFailed:
                        share = 0
            elif first:  # the child's chunks are counted first
                later.append((index, len(chunk), here(index, chunk, line)))
            else:
                count(index, len(chunk), here(index, chunk, line))
            line += len(chunk)
        if first:
            texts: list[int] | None = None
            if child is not None:
                try:
                    texts, parsed = child.result()
                    _PARSED.add(parsed)
                except ForkFailed:  # do it here: a real error is raised as itself
                    texts = None
                child = None
            for i, (index, chunk, line) in enumerate(first):
                if texts is None:
                    count(index, len(chunk), here(index, chunk, line))
                else:
                    frames[index] = _chunk_files(checkpoint, index)
                    count(index, len(chunk), texts[i])
            for index, rows, scored in later:
                count(index, rows, scored)
    finally:
        if child is not None:
            child.cancel()
    if not frames:
        return pd.DataFrame(), pd.DataFrame()
    prepared, rejects = zip(*(frames[i] for i in sorted(frames)), strict=True)
    return pd.concat(prepared, ignore_index=True), pd.concat(rejects, ignore_index=True)


def _prepare_chunk(
    index: int,
    chunk: pd.DataFrame,
    line: int,
    columns: ColumnMap,
    now: datetime,
    scorer: TextScorer | None,
    checkpoint: Checkpoint,
) -> tuple[pd.DataFrame, pd.DataFrame, int]:
    """:func:`prepare_reports` of chunk ``index`` (first line ``line``) with its checkpoint
    files written; also the number of texts scored."""
    before = scorer.count if scorer else 0
    prepared, rejects = prepare_reports(
        chunk, columns, now=now, score_texts=scorer, first_line=line
    )
    checkpoint.write(index, prepared, rejects)
    return prepared, rejects, (scorer.count if scorer else 0) - before


def _chunk_files(checkpoint: Checkpoint, index: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    return checkpoint.load_chunk("prepared", index), checkpoint.load_chunk("rejects", index)


def _prepare_in_child(todo, columns, now, scorer, checkpoint):
    """:func:`_prepare_chunk` of chunks in a forked child: the texts scored in each, and
    what it added to the contact parse cache, for the parent to keep."""
    from threadpoolctl import threadpool_limits

    size = len(_PARSED)
    with threadpool_limits(limits=1):
        texts = [
            _prepare_chunk(index, chunk, line, columns, now, scorer, checkpoint)[2]
            for index, chunk, line in todo
        ]
    return texts, _PARSED.since(size)


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
    # The report is drawn by a child forked now: it imports matplotlib meanwhile.
    drawer = _report_drawer() if report_path is not None else None
    try:
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
        write_outputs(result, output, rejects_path, report_path, drawer=drawer)
    finally:
        if drawer is not None:
            drawer.cancel()
    checkpoint.remove()
    return result


def write_outputs(
    result: AuditResult,
    output: Path,
    rejects_path: Path | None,
    report_path: Path | None,
    *,
    drawer: Standby | None = None,
) -> None:
    """The contacts CSV, and the rejects CSV and HTML report when asked for. ``drawer``
    (:func:`_report_drawer`) draws the report while this process writes the CSVs."""
    if drawer is not None:
        try:
            drawer.send(result, report_path)
        except ForkFailed:
            drawer = None
    try:
        write_csv(_csv_dates(result.contacts), output)
        if rejects_path is not None:
            write_csv(result.rejects, rejects_path)
    except BaseException:
        if drawer is not None:
            drawer.cancel()
        raise
    if drawer is not None:
        try:
            drawer.result()
            return
        except ForkFailed:
            pass
    if report_path is not None:
        _write_report(result, report_path)


def _csv_dates(contacts: pd.DataFrame) -> pd.DataFrame:
    """Contacts with their times written as ``2026-11-27T12:00:00Z``."""
    times = {c: _iso_utc(contacts[c]) for c in ("first_seen", "last_seen") if c in contacts}
    return contacts.assign(**times) if len(contacts) else contacts


def _iso_utc(column: pd.Series) -> pd.Series:
    """Times as ``strftime("%Y-%m-%dT%H:%M:%SZ")`` writes them (seconds truncated, NaT as
    NaN), put together in Arrow from the text of each distinct day and two-digit numbers."""
    times = pd.to_datetime(column, utc=True)
    seconds = times.dt.tz_localize(None).to_numpy().astype("datetime64[s]")
    day = seconds.astype("datetime64[D]")
    days, day_at = np.unique(day, return_inverse=True)
    clock = np.where(np.isnat(seconds), 0, (seconds - day).astype(np.int64))
    two = pa.array([f"{i:02d}" for i in range(60)], pa.large_string())

    def text(value: str) -> pa.Scalar:
        return pa.scalar(value, pa.large_string())

    iso = pc.binary_join_element_wise(
        pa.array(np.datetime_as_string(days).tolist(), pa.large_string()).take(day_at.ravel()),
        text("T"),
        two.take(clock // 3600),
        text(":"),
        two.take(clock // 60 % 60),
        text(":"),
        two.take(clock % 60),
        text("Z"),
        text(""),
    )
    out = iso.to_pandas(types_mapper={pa.large_string(): pd.StringDtype("pyarrow", np.nan)}.get)
    return pd.Series(out.array, index=column.index).where(times.notna())


def _report_drawer() -> Standby | None:
    """A forked child that imports the report's modules (matplotlib: a second or more)
    while this process audits, then draws the report (:func:`write_outputs`); None where
    this process may not fork."""
    if not can_fork():
        return None
    try:
        return Standby(_import_report_modules, _write_report)
    except ForkFailed:
        return None


def _import_report_modules() -> None:
    """What drawing the report imports, at the lowest CPU priority: the audit's processes
    go first, and the imports take the CPU time they leave."""
    os.nice(19)
    import matplotlib.dates
    import matplotlib.figure  # noqa: F401

    import detector.audit_report  # noqa: F401


def _write_report(result: AuditResult, path: Path) -> None:
    from detector.audit_report import write_report

    write_report(path, result.contacts, result.rejects, result.summary, result.daily)
