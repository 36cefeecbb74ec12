"""Batch scoring of a CSV of messages, streamed in chunks.

``score_csv`` reads ``chunk_rows`` rows at a time, scores them with one vectorized call and
appends them to the output, so memory stays flat whatever the file size. The output has the
input columns plus ``risk``, ``verdict``, ``is_scam``, ``category`` and ``signals`` (a JSON
list of codes). Cells that a spreadsheet would run as a formula are escaped on output.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pandas as pd

from detector.engine import Detector
from detector.errors import InvalidInputError

CHUNK_ROWS = 2_000
OUTPUT_COLUMNS = ("risk", "verdict", "is_scam", "category", "signals")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def escape_formula(value: object) -> object:
    """Prefix a quote to text a spreadsheet would evaluate (CSV formula injection)."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


@contextmanager
def readable_csv(name: object) -> Iterator[None]:
    """Map the ways a user's CSV fails to read to one :class:`InvalidInputError` wording."""
    try:
        yield
    except UnicodeDecodeError as exc:
        raise InvalidInputError(
            f"{name} is not UTF-8 (byte {exc.start}: {exc.reason}); convert it first, "
            "e.g. iconv -f GB18030 -t UTF-8"
        ) from None
    except pd.errors.EmptyDataError:
        raise InvalidInputError(f"{name} is empty") from None
    except pd.errors.ParserError as exc:
        raise InvalidInputError(f"{name} is not a readable CSV: {exc}") from None


def count_rows(path: Path) -> int | None:
    """A fast estimate of the number of data rows (newlines − header), for progress."""
    try:
        with open(path, "rb") as fh:
            n = sum(block.count(b"\n") for block in iter(lambda: fh.read(1 << 20), b""))
        return max(n - 1, 0)
    except OSError:
        return None


def score_csv(
    detector: Detector,
    input_path: Path,
    output_path: Path,
    text_column: str = "text",
    chunk_rows: int = CHUNK_ROWS,
    on_progress: Callable[[int], None] = lambda n: None,
) -> dict[str, int]:
    """Score every row of ``input_path``; returns counts of rows and verdicts."""
    input_path, output_path = Path(input_path), Path(output_path)
    if not input_path.is_file():
        raise InvalidInputError(f"input file {input_path} does not exist")
    if input_path.stat().st_size == 0:
        raise InvalidInputError(f"input file {input_path} is empty")
    counts = {"rows": 0, "allow": 0, "warn": 0, "block": 0, "too_long": 0}
    tmp = output_path.with_name(output_path.name + ".part")
    try:
        with readable_csv(input_path), open(tmp, "w", encoding="utf-8", newline="") as out:
            reader = pd.read_csv(
                input_path,
                dtype=str,
                keep_default_na=False,
                encoding="utf-8",
                chunksize=chunk_rows,
            )
            first = True
            for chunk in reader:
                if chunk.empty:
                    continue
                if first and text_column not in chunk.columns:
                    raise InvalidInputError(
                        f"{input_path} has no column {text_column!r}; columns: "
                        f"{', '.join(map(str, chunk.columns))} (choose one with --text-column)",
                        column=text_column,
                    )
                _score_chunk(detector, chunk, text_column, counts)
                chunk = chunk.map(escape_formula)
                chunk.to_csv(out, index=False, header=first, quoting=csv.QUOTE_MINIMAL)
                first = False
                on_progress(len(chunk))
            if first:
                raise InvalidInputError(f"{input_path} has a header but no rows")
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    tmp.replace(output_path)
    return counts


def _score_chunk(detector: Detector, chunk: pd.DataFrame, column: str, counts: dict) -> None:
    texts = chunk[column].tolist()
    too_long = [len(t) > detector.max_chars for t in texts]
    assessments = detector.score_messages(
        [t if not long else "" for t, long in zip(texts, too_long, strict=True)],
        with_contacts=False,  # the output has no contact columns
    )
    risk, verdict, is_scam, category, signals = [], [], [], [], []
    for a, long in zip(assessments, too_long, strict=True):
        if long:
            counts["too_long"] += 1
            risk.append("")
            verdict.append("error:text_too_long")
            is_scam.append("")
            category.append("")
            signals.append("[]")
            continue
        counts[a.verdict] += 1
        risk.append(round(a.risk, 4))
        verdict.append(a.verdict)
        is_scam.append(int(a.is_scam))
        category.append(a.category or "")
        signals.append(json.dumps(sorted({s.code for s in a.signals})))
    counts["rows"] += len(texts)
    for name, values in zip(
        OUTPUT_COLUMNS, (risk, verdict, is_scam, category, signals), strict=True
    ):
        chunk[name] = values
