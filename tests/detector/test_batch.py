"""Batch scoring of a CSV: streaming, output columns, bad files, formula escaping."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from detector.batch import escape_formula, score_csv
from detector.errors import InvalidInputError


def test_when_csv_scored_then_input_columns_plus_results(tiny_detector, tmp_path):
    src = tmp_path / "in.csv"
    pd.DataFrame(
        {
            "id": [1, 2, 3],
            "message": [
                "请把验证码发给我，我是客服",
                "您的验证码为482913，请勿泄露",
                "=HYPERLINK(1)",
            ],
        }
    ).to_csv(src, index=False)
    out = tmp_path / "out.csv"
    seen = []
    counts = score_csv(tiny_detector, src, out, "message", chunk_rows=2, on_progress=seen.append)
    assert seen == [2, 1]  # streamed in chunks of two rows
    df = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert list(df.columns) == [
        "id",
        "message",
        "risk",
        "verdict",
        "is_scam",
        "category",
        "signals",
    ]
    assert counts["rows"] == 3 and sum(counts[v] for v in ("allow", "warn", "block")) == 3
    assert df.loc[0, "is_scam"] == "1" and "requests_otp" in json.loads(df.loc[0, "signals"])
    assert df.loc[1, "is_scam"] == "0"
    assert df.loc[2, "message"] == "'=HYPERLINK(1)"  # formula injection escaped
    assert all(0 <= float(r) <= 1 for r in df["risk"])


def test_when_text_too_long_then_row_marked_not_crash(tiny_detector, tmp_path):
    src = tmp_path / "in.csv"
    pd.DataFrame({"text": ["x" * (tiny_detector.max_chars + 1), "hello"]}).to_csv(src, index=False)
    counts = score_csv(tiny_detector, src, tmp_path / "o.csv")
    df = pd.read_csv(tmp_path / "o.csv", dtype=str, keep_default_na=False)
    assert df.loc[0, "verdict"] == "error:text_too_long" and counts["too_long"] == 1


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty"),
        (b"id,body\n1,hello\n", "no column 'text'"),
        ("text\n请把验证码发给我\n".encode("gb18030"), "not UTF-8"),
        (b"text\n", "no rows"),
    ],
)
def test_when_bad_file_then_clear_error_and_no_output(tiny_detector, tmp_path, content, message):
    src = tmp_path / "in.csv"
    src.write_bytes(content)
    out = tmp_path / "out.csv"
    with pytest.raises(InvalidInputError, match=message):
        score_csv(tiny_detector, src, out)
    assert not out.exists() and not (tmp_path / "out.csv.part").exists()


def test_when_input_missing_then_clear_error(tiny_detector, tmp_path):
    with pytest.raises(InvalidInputError, match="does not exist"):
        score_csv(tiny_detector, tmp_path / "nope.csv", tmp_path / "o.csv")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+86 138", "'+86 138"),
        ("-5", "'-5"),
        ("@SUM", "'@SUM"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("safe", "safe"),
        (3, 3),
    ],
)
def test_when_cell_looks_like_formula_then_escaped(value, expected):
    assert escape_formula(value) == expected
