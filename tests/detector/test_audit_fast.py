"""The audit's vectorized and parallel paths give the answer of the one-contact-at-a-time
audit (tests/detector/audit_reference.py), row for row."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import detector.audit as audit
import detector.audit_io as audit_io
from detector.contact_check import ContactChecker
from detector.registry import demo_registry
from tests.detector import audit_reference as reference

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
from bench_audit import generate

NOW = datetime(2026, 11, 27, 12, tzinfo=UTC)

#: Contacts of every kind and spelling the generated reports do not have.
SPECIAL = [
    "400-820-5678",
    "+86 400 820 5678",
    "021-6123-4567",
    "(021)61234567",
    "（021）61234567",
    "95079",
    "95588",
    "10086",
    "1008611",
    "110",
    "12306",
    "106901234567",
    "+86 10 6901 2345",
    "010-69012345",
    "800012345",
    "QQ: 800012345",
    "kameng_demo_kefu",
    "微信号：kefu_01",
    "kameng-demo.com",
    "http://kameng-demo.com.cn/login",
    "support@kameng-demo.com",
    "demopay.cn",
    "6222021234567890128",
    "+852 9876 5432",
    "+85312345678",
    "+886 2 2345 6789",
    "+1 415 555 2671",
    "+1 649 232 1234",
    "+44 20 7946 0958",
    "+7 495 123 4567",
    "+39 06 1234 5678",
    "+54 9 11 2345 6789",
    "+61 2 9374 4000",
    "+999 1234 5678",
    "+0123",
    "+95588",
    "008613800138000",
    "8613800138000",
    "00852 9876 5432",
    "１３８ ００１３ ８０００",
    "+８６１３８００１３８０００",
    "62345678",
    "1234",
    "12",
    "170 1234 5678",
    "16212345678",
    "14012345678",
    "17951 13800138000",
    "1795113800138000",
    "0755-2345-6789",
    "075523456789",
    "0086 10 6234 5678",
    "+86 (0)10 6234 5678",
    "+86 01062345678",
    "16812345",
    "95012345678",
    "10 96123",
    "n/a",
    "不详",
    "=cmd|' /C calc'!A0",
    "",
    "   ",
    "x" * 600,
]
TYPES = ["", "phone", "qq", "wechat", "short_number", "url", "电话", "bank_card"]
DATES = [
    "2026-11-20 10:00:00",
    "2026-11-20 10:00",
    "2026-11-20",
    "2026-11-20T10:00:00+08:00",
    "2026/11/20 10:00",
    "20 Nov 2026",
    "2026-13-45 10:00:00",
    "2026-02-30 10:00:00",
    "1999-12-31 23:59:59",
    "2030-01-01 00:00:00",
    "not a date",
    "",
]


@pytest.fixture(scope="module")
def checker() -> ContactChecker:
    return ContactChecker.load(demo_registry())


@pytest.fixture(scope="module")
def reports(tmp_path_factory) -> pd.DataFrame:
    """Generated reports plus every special contact, type and date, reported a few times."""
    path = generate(tmp_path_factory.mktemp("fast") / "r.csv", 12_000, 3_000, seed=3)
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    frame["type"] = ""
    rng = np.random.default_rng(5)
    rows = []
    for i in range(1_500):
        rows.append(
            {
                "contact": SPECIAL[i % len(SPECIAL)],
                "reported_at": DATES[rng.integers(len(DATES))],
                "reporter_id": f"r{rng.integers(40)}" if i % 7 else "",
                "category": "other",
                "text": "冒充客服要验证码 123456" if i % 3 == 0 else "",
                "channel": "call",
                "type": TYPES[i % len(TYPES)] if i % 5 == 0 else "",
            }
        )
    both = pd.concat([frame, pd.DataFrame(rows)], ignore_index=True)
    return both.sample(frac=1.0, random_state=1).reset_index(drop=True).astype("str")


def _score(texts: list[str]) -> list[bool]:
    return ["验证码" in t or "安全账户" in t for t in texts]


def _prepare(module, frame: pd.DataFrame, chunk: int = 4_000):
    parts = [
        module.prepare_reports(
            frame.iloc[i : i + chunk], now=NOW, score_texts=_score, first_line=i + 2
        )
        for i in range(0, len(frame), chunk)
    ]
    return tuple(pd.concat(p, ignore_index=True) for p in zip(*parts, strict=True))


def test_when_reports_prepared_then_same_rows_and_rejects_as_one_at_a_time(reports):
    fast_prepared, fast_rejects = _prepare(audit, reports)
    ref_prepared, ref_rejects = _prepare(reference, reports)
    pd.testing.assert_frame_equal(fast_prepared, ref_prepared)
    pd.testing.assert_frame_equal(fast_rejects, ref_rejects)
    assert set(ref_rejects["reason"]) >= {"bad_contact", "empty_contact", "bad_date"}


def test_when_contacts_summarized_then_same_verdicts_and_reasons_as_one_at_a_time(
    reports, checker, monkeypatch
):
    prepared, _ = _prepare(reference, reports)
    expected = reference.summarize_contacts(prepared, checker, now=NOW)
    assert {"official", "invalid", "unverified"} <= set(expected["verdict"])
    assert {"qq", "wechat", "url", "email", "short_number", "bank_card"} <= set(expected["type"])
    pd.testing.assert_frame_equal(audit.summarize_contacts(prepared, checker, now=NOW), expected)
    # Half of the contacts in a forked child: the same frame.
    monkeypatch.setattr(audit, "PARALLEL_MIN_ROWS", 0)
    parallel = audit.summarize_contacts(prepared, checker, now=NOW, parallel=True)
    pd.testing.assert_frame_equal(parallel, expected)


def test_when_input_large_then_forked_chunks_give_the_sequential_files(
    reports, checker, tmp_path, monkeypatch
):
    src = tmp_path / "r.csv"
    reports.to_csv(src, index=False)
    monkeypatch.setattr(audit_io, "PARALLEL_MIN_BYTES", 10**12)
    one = audit_io.run_audit(src, tmp_path / "one.csv", checker, chunk_rows=2_000, now=NOW)
    monkeypatch.setattr(audit_io, "PARALLEL_MIN_BYTES", 0)
    monkeypatch.setattr(audit, "PARALLEL_MIN_ROWS", 0)
    two = audit_io.run_audit(
        src,
        tmp_path / "two.csv",
        checker,
        chunk_rows=2_000,
        now=NOW,
        rejects_path=tmp_path / "rej.csv",
        report_path=tmp_path / "r.html",
    )
    pd.testing.assert_frame_equal(one.contacts, two.contacts)
    pd.testing.assert_frame_equal(one.rejects, two.rejects)
    assert (tmp_path / "one.csv").read_bytes() == (tmp_path / "two.csv").read_bytes()
    assert "<html" in (tmp_path / "r.html").read_text(encoding="utf-8").lower()


def test_when_forked_run_interrupted_then_resume_gives_the_uninterrupted_answer(
    reports, checker, tmp_path, monkeypatch
):
    src = tmp_path / "r.csv"
    reports.iloc[:6_000].to_csv(src, index=False)
    monkeypatch.setattr(audit_io, "PARALLEL_MIN_BYTES", 0)
    whole = audit_io.run_audit(src, tmp_path / "whole.csv", checker, chunk_rows=1_000, now=NOW)
    seen = {"rows": 0}

    def boom(rows: int) -> None:
        seen["rows"] += rows
        if seen["rows"] >= 3_000:
            raise KeyboardInterrupt

    out = tmp_path / "resumed.csv"
    with pytest.raises(KeyboardInterrupt):
        audit_io.run_audit(src, out, checker, chunk_rows=1_000, now=NOW, progress=boom)
    resumed = audit_io.run_audit(src, out, checker, chunk_rows=1_000, now=NOW)
    pd.testing.assert_frame_equal(resumed.contacts, whole.contacts)
    assert out.read_bytes() == (tmp_path / "whole.csv").read_bytes()


def test_when_columns_missing_then_same_contacts_as_one_at_a_time(reports, checker):
    frame = reports[["contact", "reported_at"]].iloc[:3_000]
    fast, _ = audit.prepare_reports(frame, now=NOW)
    ref, _ = reference.prepare_reports(frame, now=NOW)
    pd.testing.assert_frame_equal(
        audit.summarize_contacts(fast, checker, now=NOW),
        reference.summarize_contacts(ref, checker, now=NOW),
    )


_date_text = st.one_of(
    st.sampled_from(DATES),
    st.from_regex(r"\A20[0-3][0-9]-[01][0-9]-[0-3][0-9] [0-2][0-9]:[0-6][0-9]:[0-6][0-9]\Z"),
    st.from_regex(
        r"\A20[0-9]{2}-[0-9]{2}-[0-9]{2}( [0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,9})?)?)?\Z"
    ),
    st.text(alphabet="0123456789-: T+./", max_size=25),
)


@settings(max_examples=200, deadline=None)
@given(st.lists(_date_text, min_size=1, max_size=30))
def test_property_dates_read_as_one_mixed_column(texts):
    column = pd.Series(texts, dtype="str")
    fast = audit._read_dates(column)
    slow = pd.to_datetime(column, errors="coerce", utc=True, format="mixed")
    pd.testing.assert_series_equal(fast, slow)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.sampled_from(["", "  ", "客服要验证码 12345", "退款 ９８ 元", "ok", "a1b2"]),
            st.text(alphabet="0123456789０１２ 验证码客服ab", max_size=12),
        ),
        max_size=40,
    )
)
def test_property_text_flags_as_before(texts):
    column = pd.Series(texts, dtype="str")
    pd.testing.assert_series_equal(
        audit._flag_texts(column, _score), reference._flag_texts(column, _score)
    )


_cells = st.one_of(
    st.none(),
    st.text(alphabet='ab,"\n\r =+-@\t中 ', max_size=8),
)
_floats = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0.0, -0.0, 0.1, 1e-05, 1e20, 0.9977, 12.3456]),
)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.tuples(_cells, _cells, _floats, st.integers(-(2**62), 2**62)), max_size=25),
    st.booleans(),
)
def test_property_csv_bytes_are_what_to_csv_writes(rows, header):
    frame = pd.DataFrame(
        {
            "a": pd.Series([r[0] for r in rows], dtype="str"),
            "b,c": pd.Series([r[1] for r in rows], dtype="str"),
            "f": pd.Series([r[2] for r in rows], dtype="float64"),
            "n": pd.Series([r[3] for r in rows], dtype="int64"),
        }
    )
    data = audit_io._csv_bytes(frame, header)
    if data is not None:
        assert data == frame.to_csv(index=False, header=header).encode("utf-8")


@settings(max_examples=200, deadline=None)
@given(st.lists(_cells, max_size=25))
def test_property_formula_escaping_as_escape_formula(cells):
    from detector.batch import escape_formula

    column = pd.Series(cells, dtype="str")
    pd.testing.assert_series_equal(audit_io._escape_formulas(column), column.map(escape_formula))


_times = st.one_of(
    st.none(),
    st.datetimes(min_value=datetime(1970, 1, 1), max_value=datetime(2099, 12, 31)),
)


@settings(max_examples=100, deadline=None)
@given(st.lists(_times, min_size=1, max_size=20))
def test_property_csv_dates_are_strftime(times):
    column = pd.Series(pd.to_datetime(times, utc=True), dtype="datetime64[us, UTC]")
    frame = pd.DataFrame({"first_seen": column, "last_seen": column})
    got = audit_io._csv_dates(frame)
    expected = column.dt.strftime("%Y-%m-%dT%H:%M:%SZ")
    for name in ("first_seen", "last_seen"):
        pd.testing.assert_series_equal(got[name], expected, check_names=False)


_report_rows = st.lists(
    st.tuples(
        st.sampled_from(["phone", "qq", "url"]),
        st.sampled_from(["+8613800138000", "+8613900139000", "a", "b", "中文"]),
        st.integers(0, 120 * 86400),  # seconds before NOW (some in the future)
        st.one_of(st.none(), st.sampled_from(["u1", "u2", "u3", " "])),
        st.sampled_from([np.nan, 0.0, 1.0]),
    ),
    min_size=1,
    max_size=60,
)


@settings(max_examples=150, deadline=None)
@given(_report_rows)
def test_property_report_stats_are_aggregate_reports(rows):
    from detector.reports import aggregate_reports

    prepared = pd.DataFrame(
        {
            "type": pd.Series([r[0] for r in rows], dtype="str"),
            "normalized": pd.Series([r[1] for r in rows], dtype="str"),
            "reported_at": pd.Series(
                [pd.Timestamp(NOW) - pd.Timedelta(seconds=r[2] - 86400) for r in rows],
                dtype="datetime64[us, UTC]",
            ),
            "reporter_hash": pd.Series([r[3] for r in rows], dtype="str"),
            "flagged": [r[4] for r in rows],
        }
    )
    reports = audit._Coded.of(prepared)
    got = audit._report_stats(reports, NOW)
    expected = aggregate_reports(prepared, now=NOW)
    assert list(zip(reports.types[got.index], reports.values[got.index], strict=True)) == list(
        expected.index
    )
    pd.testing.assert_frame_equal(
        got.reset_index(drop=True), expected.reset_index(drop=True), check_exact=True
    )


_plain_cell = st.text(alphabet='ab 中\t\x00\ufeff"', max_size=5)  # a quote inside is literal
_quoted_cell = (
    st.lists(st.sampled_from([*'ab,中 \n\r"\ufeff', "\r\n"]), max_size=6)
    .map("".join)
    .map(lambda v: '"' + v.replace('"', '""') + '"')
)
_odd_cell = st.sampled_from(['"', '"x"y', ' "x"'])


@st.composite
def _csv_files(draw) -> str:
    """CSV text mostly well formed (Arrow reads it), sometimes not (short rows, blank and
    space-only lines, stray quotes, lone carriage returns, no final line break)."""
    n = draw(st.integers(2, 3))
    names = st.sampled_from(["a", "b", "c", '"d,e"', "中", "a"])
    header = ",".join(draw(st.lists(names, min_size=n, max_size=n)))
    cell = st.one_of(_plain_cell, _quoted_cell, _quoted_cell, _odd_cell)
    row = st.lists(cell, min_size=n, max_size=n).map(",".join)
    short = st.lists(cell, min_size=n - 1, max_size=n - 1).map(",".join)
    rows = draw(
        st.lists(st.one_of(row, row, row, row, short, st.sampled_from(["", " "])), max_size=8)
    )
    ends = st.sampled_from(["\n", "\r\n", "\n", "\n\n", "\r"])
    text = header + "".join(draw(ends) + r for r in rows) + draw(ends)
    return text.rstrip("\r\n") if draw(st.booleans()) else text


@settings(max_examples=400, deadline=None)
@given(text=_csv_files(), chunk=st.integers(1, 3))
def test_property_csv_chunks_are_what_pandas_reads(tmp_path_factory, text, chunk):
    path = tmp_path_factory.mktemp("csv") / "r.csv"
    path.write_bytes(text.encode("utf-8"))

    def frames(read):
        try:
            return list(read()), None
        except Exception as exc:  # both ways must fail alike
            return None, type(exc)

    expected = frames(
        lambda: pd.read_csv(
            path,
            dtype=str,
            keep_default_na=False,
            chunksize=chunk,
            encoding="utf-8",
            on_bad_lines="error",
        )
    )
    got = frames(lambda: audit_io._csv_chunks(path, chunk))
    assert got[1] == expected[1]
    for a, b in zip(got[0] or [], expected[0] or [], strict=True):
        pd.testing.assert_frame_equal(a, b, check_exact=True)


@pytest.mark.parametrize("bad", ["short", "2,3,4", '"open'])
def test_when_arrow_stops_midway_then_pandas_gives_the_rest(tmp_path, bad):
    rows = [f"{i},{'x' * 30}" for i in range(150_000)]  # over one Arrow block (4 MB)
    rows[140_000] = bad
    path = tmp_path / "r.csv"
    path.write_text("a,b\n" + "\n".join(rows) + "\n", encoding="utf-8")
    kwargs = {"dtype": str, "keep_default_na": False, "encoding": "utf-8"}
    expected = pd.read_csv(path, chunksize=20_000, on_bad_lines="error", **kwargs)
    got = audit_io._csv_chunks(path, 20_000)
    try:
        want = list(expected)
    except pd.errors.ParserError:
        with pytest.raises(pd.errors.ParserError):
            list(got)
        return
    for a, b in zip(got, want, strict=True):
        pd.testing.assert_frame_equal(a, b, check_exact=True)
