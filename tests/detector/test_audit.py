"""Batch audits: verdicts per contact, rejects with reasons, checkpoint and resume, CLI."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest

from detector.audit import CONTACT_COLUMNS, ColumnMap, audit_frame
from detector.audit_io import run_audit
from detector.contact_check import ContactChecker
from detector.registry import demo_registry
from tests.detector.test_cli import run

NOW = datetime(2026, 11, 27, tzinfo=UTC)
SCAM_TEXT = "【示例卡盟】您的订单异常需要退款，请把手机收到的验证码发给客服"


@pytest.fixture(scope="module")
def checker():
    return ContactChecker.load(demo_registry())


def reports(rows: list[tuple]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["contact", "reported_at", "reporter_id", "text"])


def many(contact: str, n: int, text: str = "", day: int = 20) -> list[tuple]:
    return [(contact, f"2026-11-{day:02d} 10:00", f"user{i}", text) for i in range(n)]


def by_contact(result) -> dict[str, dict]:
    return {r["contact"]: r for r in result.contacts.to_dict("records")}


def test_when_audited_then_one_ranked_explained_row_per_contact(checker, tiny_detector):
    frame = reports(
        many("170 1234 5678", 40, SCAM_TEXT)
        + many("+86 170-1234-5678", 5)  # the same number, written otherwise
        + many("400-820-5678", 30, "有人冒充这个客服电话骗我")  # the official hotline
        + many("13912345678", 2)
        + [("", "2026-11-20", "u", ""), ("13800138000", "someday", "u", "")]
    )
    result = audit_frame(frame, checker, detector=tiny_detector, now=NOW)
    assert list(result.contacts.columns) == list(CONTACT_COLUMNS)
    rows = by_contact(result)
    assert set(rows) == {"+8617012345678", "+864008205678", "+8613912345678"}
    scam = rows["+8617012345678"]
    assert (scam["reports"], scam["distinct_reporters"]) == (45, 40)
    assert scam["verdict"] == "known_scam" and scam["rank"] == 1
    assert "virtual_operator_segment" in scam["reason_codes"]
    official = rows["+864008205678"]
    assert official["verdict"] == "official" and official["official_for"] == "demo-kameng"
    assert "spoofing_suspected" in official["reason_codes"]
    assert rows["+8613912345678"]["verdict"] != "known_scam"  # two reports never condemn
    assert result.contacts["rank"].tolist() == [1, 2, 3]
    assert result.rejects[["line", "reason"]].values.tolist() == [
        [79, "empty_contact"],
        [80, "bad_date"],
    ]
    assert result.summary["rows_read"] == 79 and result.summary["rows_rejected"] == 2


@pytest.mark.parametrize(
    ("contact", "when", "reason"),
    [
        ("", "2026-11-01", "empty_contact"),
        ("   ", "2026-11-01", "empty_contact"),
        ("n/a", "2026-11-01", "bad_contact"),
        ("x" * 600, "2026-11-01", "contact_too_long"),
        ("13800138000", "31/31/2026", "bad_date"),
        ("13800138000", "1970-01-01", "bad_date"),
        ("13800138000", "2030-01-01", "future_date"),
    ],
)
def test_when_row_is_bad_then_rejected_with_reason(checker, contact, when, reason):
    result = audit_frame(reports([(contact, when, "u", "")]), checker, now=NOW)
    assert result.rejects["reason"].tolist() == [reason]
    assert result.contacts.empty


def test_when_columns_are_mapped_then_read(checker):
    frame = pd.DataFrame({"号码": ["13800138000"], "时间": ["2026-11-20"], "举报人": ["u1"]})
    cols = ColumnMap(contact="号码", reported_at="时间", reporter_id="举报人")
    result = audit_frame(frame, checker, columns=cols, now=NOW)
    assert result.contacts["contact"].tolist() == ["+8613800138000"]


def write_csv(path: Path, frame: pd.DataFrame) -> Path:
    frame.to_csv(path, index=False)
    return path


def sample(n_numbers: int = 30) -> pd.DataFrame:
    rows = []
    for k in range(n_numbers):
        rows += many(f"1391234{k:04d}", 1 + k % 5, SCAM_TEXT if k % 3 == 0 else "", 1 + k % 25)
    rows.append(('=HYPERLINK("http://x")', "2026-11-20", "u", ""))
    return reports(rows)


def test_when_interrupted_then_resume_gives_the_uninterrupted_answer(tmp_path, checker):
    src = write_csv(tmp_path / "r.csv", sample())
    whole = run_audit(src, tmp_path / "whole.csv", checker, chunk_rows=10, now=NOW)

    out = tmp_path / "resumed.csv"
    seen = {"rows": 0}

    def boom(rows: int) -> None:
        seen["rows"] += rows
        if seen["rows"] >= 30:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_audit(src, out, checker, chunk_rows=10, now=NOW, progress=boom)
    checkpoint = tmp_path / "resumed.csv.checkpoint"
    state = json.loads((checkpoint / "state.json").read_text())
    assert state["chunks_done"] == 3 and not out.exists()
    resumed = run_audit(src, out, checker, chunk_rows=10, now=datetime(2030, 1, 1, tzinfo=UTC))
    assert resumed.summary["now"] == NOW.isoformat()  # the checkpoint's clock, not the new one
    pd.testing.assert_frame_equal(resumed.contacts, whole.contacts)
    pd.testing.assert_frame_equal(resumed.rejects, whole.rejects)
    assert not checkpoint.exists()
    assert out.read_bytes() == (tmp_path / "whole.csv").read_bytes()


def test_when_input_changed_then_stale_checkpoint_discarded(tmp_path, checker):
    src = write_csv(tmp_path / "r.csv", sample(10))
    stale = tmp_path / "out.csv.checkpoint"
    stale.mkdir()
    (stale / "state.json").write_text(json.dumps({"fingerprint": {"input": "other"}}))
    (stale / "prepared-000000.parquet").write_bytes(b"junk")
    result = run_audit(src, tmp_path / "out.csv", checker, chunk_rows=10, now=NOW)
    assert result.summary["contacts"] == 10


def test_when_parquet_input_then_same_as_csv(tmp_path, checker):
    frame = sample(12)
    a = run_audit(write_csv(tmp_path / "r.csv", frame), tmp_path / "a.csv", checker, now=NOW)
    frame.to_parquet(tmp_path / "r.parquet", index=False)
    b = run_audit(tmp_path / "r.parquet", tmp_path / "b.csv", checker, now=NOW)
    pd.testing.assert_frame_equal(a.contacts, b.contacts)


def test_when_cli_audit_then_csv_rejects_report_and_escaped_cells(tmp_path):
    src = write_csv(tmp_path / "r.csv", sample(20))
    out, rej, html = tmp_path / "o.csv", tmp_path / "rej.csv", tmp_path / "r.html"
    proc = run(
        "audit", str(src), "--output", str(out), "--rejects", str(rej), "--report", str(html)
    )
    assert proc.returncode == 0, proc.stderr.decode()
    summary = json.loads(proc.stdout)
    assert summary["contacts"] == 20 and summary["rows_rejected"] == 1
    assert b"rows" in proc.stderr  # the progress bar
    table = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert list(table.columns) == list(CONTACT_COLUMNS)
    assert table["contact"].str.startswith("'+86").all()  # '+…' would be a formula
    rejected = pd.read_csv(rej, dtype=str, keep_default_na=False)
    assert rejected["contact"].tolist() == ['\'=HYPERLINK("http://x")']
    assert "<html" in html.read_text(encoding="utf-8").lower()


@pytest.mark.parametrize(
    ("content", "args", "message"),
    [
        (b"number,reported_at\n13800138000,2026-11-01\n", (), "contact"),
        (b"", (), "empty"),
        ("contact\n13800138000\n".encode("utf-16"), (), "UTF-8"),
    ],
)
def test_when_cli_input_is_bad_then_json_error(tmp_path, content, args, message):
    src = tmp_path / "in.csv"
    src.write_bytes(content)
    proc = run("audit", str(src), "--output", str(tmp_path / "o.csv"), "--no-progress", *args)
    assert proc.returncode == 2, proc.stdout.decode()
    error = json.loads(proc.stderr.decode().strip().splitlines()[-1])["error"]
    assert message in error["message"]
