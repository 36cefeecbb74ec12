"""The audit HTML report: sections, rank order, escaping, no external resources, empty inputs,
atomic writes, and a real render in headless Chromium."""

from __future__ import annotations

import base64
import os
import re
import struct
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from detector import audit_report
from detector.audit_report import SECTIONS, render_report, write_report

NOW = pd.Timestamp("2026-11-27 12:00", tz="UTC")
CHROMIUM = Path("/usr/bin/chromium")

EVIL_CONTACT = '<script>alert("c")</script>&x'
EVIL_REASON = 'says "refund" & <script>steal()</script>'
EVIL_REJECT = '<img src=x onerror="alert(1)">&'


def contacts_frame(n: int = 5, **overrides) -> pd.DataFrame:
    rows = []
    for i in range(n):
        risk = round(0.95 - i * 0.1, 3)
        rows.append(
            {
                "rank": i + 1,
                "type": "phone",
                "contact": f"+86138001380{i:02d}",
                "line_class": "mobile",
                "region": "广东 深圳",
                "carrier": "中国移动",
                "reports": 10 - i,
                "distinct_reporters": 5 - i % 5,
                "first_seen": NOW - pd.Timedelta(days=20),
                "last_seen": NOW - pd.Timedelta(hours=i),
                "count_7d": 2,
                "count_30d": 4,
                "flagged_share": 0.5,
                "weighted": 3.0,
                "risk": risk,
                "verdict": "known_scam" if risk >= 0.9 else "suspicious",
                "official_for": "",
                "reason_codes": "many_reporters",
                "reasons": f"reported by {5 - i % 5} people; 冒充淘宝客服 reason {i}",
            }
        )
    frame = pd.DataFrame(rows)
    for column, value in overrides.items():
        frame[column] = value
    return frame


def rejects_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "line": [3, 7, 8],
            "reason": ["empty_contact", "bad_contact", "bad_date"],
            "contact": ["", EVIL_REJECT, "13800138000"],
        }
    )


def daily_frame(days: int = 10) -> pd.DataFrame:
    dates = pd.date_range(NOW.normalize() - pd.Timedelta(days=days - 1), periods=days, freq="D")
    reports = np.arange(days) * 3 + 5
    return pd.DataFrame({"date": dates, "reports": reports, "flagged": reports // 3})


def summary_dict(contacts: pd.DataFrame | None = None, **overrides) -> dict:
    contacts = contacts_frame() if contacts is None else contacts
    summary = {
        "rows_read": 1234,
        "rows_rejected": 3,
        "rejects_by_reason": {"empty_contact": 1, "bad_contact": 1, "bad_date": 1},
        "contacts": len(contacts),
        "by_verdict": contacts["verdict"].value_counts().to_dict() if len(contacts) else {},
        "by_line_class": contacts["line_class"].value_counts().to_dict() if len(contacts) else {},
        "reports_with_text": 900,
        "texts_scored": 899,
        "engine": "pandas",
        "now": NOW.isoformat(),
        "seconds": 1.25,
        "input": "reports.csv",
    }
    summary.update(overrides)
    return summary


def render(contacts=None, rejects=None, summary=None, daily=None, **kwargs) -> str:
    contacts = contacts_frame() if contacts is None else contacts
    return render_report(
        contacts,
        rejects_frame() if rejects is None else rejects,
        summary_dict(contacts) if summary is None else summary,
        daily_frame() if daily is None else daily,
        **kwargs,
    )


def section(page: str, key: str) -> str:
    match = re.search(rf'<section id="{key}"[^>]*>(.*?)</section>', page, re.S)
    assert match, f"section {key} missing"
    return match.group(1)


def assert_self_contained(page: str) -> None:
    lowered = page.lower()
    for needle in ("http://", "https://", "<script", "<link", "@import", "url(", "<iframe"):
        assert needle not in lowered, needle
    assert re.search(r"""\ssrc=["'](?!data:image/svg\+xml;base64,)""", page) is None


# -- structure --------------------------------


def test_every_section_heading_is_present_in_order():
    page = render()
    assert page.startswith("<!DOCTYPE html>")
    assert '<meta charset="utf-8">' in page
    positions = [page.index(f"<h2>{heading}</h2>") for _, heading in SECTIONS]
    assert positions == sorted(positions)
    for heading in (
        "Totals (总览)",
        "Verdict breakdown (判定分布)",
        "Risk distribution (风险分布)",
        "Reports over time (每日举报量)",
        "Line-class breakdown (号码类型分布)",
        "Top risky contacts (高风险联系方式)",
        "Spoofing suspected (疑似被冒用的官方号码)",
        "Rejected rows (被拒绝的输入行)",
    ):
        assert f"<h2>{heading}</h2>" in page


def test_totals_show_counts_and_verdicts():
    totals = section(render(), "totals")
    assert "1,234" in totals  # rows read
    assert "0.2 %" in totals  # 3 of 1,234 rejected
    assert "known_scam" in totals and "suspicious" in totals
    assert "reports.csv" in totals and "pandas" in totals


def test_four_charts_are_inline_svg_drawn_without_fonts():
    page = render()
    uris = re.findall(r'src="data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)"', page)
    assert len(uris) == 4
    for uri in uris:
        svg = base64.b64decode(uri).decode("utf-8")
        assert "<svg" in svg
        assert "<text" not in svg  # svg.fonttype = "path": glyphs are outlines
        assert "font-family" not in svg


def test_top_table_lists_the_top_rows_in_rank_order():
    contacts = contacts_frame(6)
    table = section(render(contacts, top=4), "top")
    shown = re.findall(r"<code>(\+86138001380\d\d)</code>", table)
    assert shown == [f"+86138001380{i:02d}" for i in range(4)]
    assert "first 4 of 6" in table
    heads = re.findall(r"<th[^>]*>([^<]*)</th>", table)
    assert heads == [
        "Rank",
        "Contact",
        "Type",
        "Line class",
        "Reports",
        "Distinct reporters",
        "Last seen (UTC)",
        "Risk",
        "Verdict",
        "Reasons",
    ]
    assert "2026-11-27 12:00" in table  # last seen of rank 1, in UTC
    assert "0.95" in table and "冒充淘宝客服" in table


def test_rows_out_of_order_are_put_back_in_rank_order():
    contacts = contacts_frame(5).sample(frac=1.0, random_state=3)
    table = section(render(contacts, top=3), "top")
    assert re.findall(r"<code>(\+86138001380\d\d)</code>", table) == [
        "+8613800138000",
        "+8613800138001",
        "+8613800138002",
    ]


def test_spoofing_section_lists_reported_official_numbers_with_reasons():
    contacts = contacts_frame(4)
    contacts.loc[2, "official_for"] = "taobao;alipay"
    contacts.loc[2, "verdict"] = "official"
    contacts.loc[2, "reasons"] = "official number of taobao; reported by 3 people (spoofing?)"
    spoofing = section(render(contacts), "spoofing")
    assert "+8613800138002" in spoofing
    assert "+8613800138000" not in spoofing
    assert '<span class="chip">taobao</span>' in spoofing
    assert '<span class="chip">alipay</span>' in spoofing
    assert "reported by 3 people (spoofing?)" in spoofing


def test_rejects_summary_counts_reasons_and_lists_first_20_lines():
    rejects = pd.DataFrame(
        {"line": range(100, 130), "reason": ["bad_contact"] * 30, "contact": ["x"] * 30}
    )
    summary = summary_dict(rows_rejected=30, rejects_by_reason={"bad_contact": 30})
    part = section(render(rejects=rejects, summary=summary), "rejects")
    assert "<code>bad_contact</code>" in part and ">30<" in part and "100.0 %" in part
    lines = re.findall(r'<td class="num">(\d+)</td><td><code>bad_contact', part)
    assert lines == [str(n) for n in range(100, 120)]
    assert "first 20 of 30" in part


def test_reject_counts_fall_back_to_the_frame():
    summary = summary_dict()
    del summary["rejects_by_reason"], summary["rows_rejected"]
    part = section(render(summary=summary), "rejects")
    assert "<code>empty_contact</code>" in part and "<code>bad_date</code>" in part


# -- hostile data --------------------------------


def test_attacker_controlled_values_are_escaped():
    contacts = contacts_frame(3)
    contacts.loc[0, "contact"] = EVIL_CONTACT
    contacts.loc[1, "reasons"] = EVIL_REASON
    contacts.loc[1, "official_for"] = 'org"<b>'
    page = render(contacts)
    assert "&lt;script&gt;alert(&quot;c&quot;)&lt;/script&gt;&amp;x" in page
    assert "says &quot;refund&quot; &amp; &lt;script&gt;steal()&lt;/script&gt;" in page
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;&amp;" in page
    assert "org&quot;&lt;b&gt;" in page
    for raw in (EVIL_CONTACT, EVIL_REASON, EVIL_REJECT, 'org"<b>', "<img src=x", 'onerror="'):
        assert raw not in page
    assert_self_contained(page)


def test_hostile_summary_and_title_are_escaped():
    summary = summary_dict(
        input='<script>x</script>"&.csv',
        engine="<b>",
        now='"><script>',
        by_line_class={"<script>alert(1)</script>": 3, "手机": 2, "": 4},
        by_verdict={"<svg onload=x>": 1, "known_scam": 2},
    )
    page = render(summary=summary, title='<script>t</script> & "audit"')
    assert "<title>&lt;script&gt;t&lt;/script&gt; &amp; &quot;audit&quot;</title>" in page
    assert "&lt;script&gt;x&lt;/script&gt;&quot;&amp;.csv" in page
    assert "&lt;svg onload=x&gt;" in page and "<svg onload" not in page
    assert_self_contained(page)


def test_urls_in_data_are_defanged_and_no_url_is_left():
    contacts = contacts_frame(3)
    contacts.loc[0, ["type", "contact"]] = ["url", "https://taobao-refund.example.top/login"]
    contacts.loc[1, "reasons"] = "asked to open HTTP://pay.example.cn/x; and hTTps://a.b"
    rejects = rejects_frame()
    rejects.loc[0, "contact"] = "http://evil.example/?q=1"
    page = render(contacts, rejects)
    assert "hxxps://taobao-refund.example.top/login" in page
    assert "HxxP://pay.example.cn/x" in page
    assert "hxxp://evil.example/?q=1" in page
    assert_self_contained(page)


def test_control_and_bidi_characters_cannot_disguise_a_contact():
    contacts = contacts_frame(2)
    contacts["contact"] = contacts["contact"].astype(object)  # str dtype refuses surrogates
    contacts.loc[0, "contact"] = "+86138\u202e0001\u200b3800\x00\ud800"
    page = render(contacts)
    for char in ("\u202e", "\u200b", "\x00", "\ud800"):
        assert char not in page
    assert "+86138\ufffd0001\ufffd3800\ufffd\ufffd" in page
    page.encode("utf-8")  # no lone surrogate is left


def test_long_values_are_cut():
    contacts = contacts_frame(2)
    contacts.loc[0, "contact"] = "9" * 10_000
    contacts.loc[1, "reasons"] = "; ".join(f"reason {i}" for i in range(100))
    page = render(contacts)
    assert "9" * 10_000 not in page
    assert "9" * (audit_report.MAX_CELL - 1) + "…" in page
    assert "… and 88 more" in page


# -- empty and odd inputs --------------------------------


@pytest.mark.parametrize(
    "make",
    [
        lambda: (pd.DataFrame(), pd.DataFrame(), {}, pd.DataFrame()),
        lambda: (None, None, None, None),
        lambda: (
            contacts_frame(0),
            rejects_frame().iloc[0:0],
            summary_dict(contacts_frame(0), rows_rejected=0, rejects_by_reason={}),
            daily_frame().iloc[0:0],
        ),
    ],
    ids=["no-columns", "none", "columns-no-rows"],
)
def test_empty_inputs_render_with_none_notes(make):
    page = render_report(*make())
    for _, heading in SECTIONS:
        assert f"<h2>{heading}</h2>" in page
    for key in ("verdicts", "risk", "daily", "line-classes", "top", "spoofing", "rejects"):
        assert '<p class="none">None:' in section(page, key), key
    assert "data:image/svg+xml" not in page
    assert_self_contained(page)


def test_missing_values_and_columns_do_not_break_the_table():
    contacts = contacts_frame(3).drop(columns=["region", "carrier", "reasons", "line_class"])
    contacts.loc[0, ["risk", "reports", "last_seen"]] = [np.nan, np.nan, pd.NaT]
    contacts["last_seen"] = contacts["last_seen"].astype(object)
    contacts.loc[1, "last_seen"] = "not a date"
    table = section(render(contacts, summary={}), "top")
    assert table.count("<tr>") == 4  # head + 3 rows
    assert "not a date" in table


def test_top_zero_and_negative():
    assert '<p class="none">' in section(render(top=0), "top")
    with pytest.raises(ValueError):
        render(top=-1)


def test_rendering_is_deterministic():
    assert render() == render()


def test_daily_with_gaps_and_zones_and_a_long_span():
    daily = pd.DataFrame(
        {
            "date": pd.to_datetime(["2026-01-01", "2026-01-05", "2026-11-27"]).tz_localize("UTC"),
            "reports": [3, 0, 7],
            "flagged": [1, 0, 9],  # more flagged than reports is clipped on the chart
        }
    )
    part = section(render(daily=daily), "daily")
    assert "10 reports from 2026-01-01 to 2026-11-27" in part
    assert 'alt="Chart: reports per day' in part


def test_a_decade_of_days_is_charted_per_month_and_stays_small():
    dates = pd.date_range("2016-01-01", "2026-11-27", freq="D")
    daily = pd.DataFrame({"date": dates, "reports": 5, "flagged": 2})
    part = section(render(daily=daily), "daily")
    assert 'alt="Chart: reports per month' in part
    assert len(part) < 200_000


def test_a_large_audit_renders_quickly_and_stays_small(deadline):
    n = 200_000
    rng = np.random.default_rng(0)
    risk = np.sort(rng.random(n))[::-1]
    contacts = pd.DataFrame(
        {
            "rank": np.arange(1, n + 1),
            "type": "phone",
            "contact": [f"+86170{i:08d}" for i in range(n)],
            "line_class": rng.choice(["mobile", "virtual_operator", "fixed_line", ""], n),
            "reports": rng.integers(1, 50, n),
            "distinct_reporters": rng.integers(1, 20, n),
            "last_seen": NOW,
            "risk": risk,
            "verdict": np.where(risk >= 0.5, "suspicious", "unverified"),
            "official_for": np.where(np.arange(n) % 97 == 0, "taobao", ""),
            "reasons": "reported by several people",
        }
    )
    with deadline(30):
        page = render(contacts, summary={}, daily=daily_frame(365))
    assert len(page.encode("utf-8")) < 1_500_000
    assert section(page, "top").count("<tr>") == 101
    assert section(page, "spoofing").count("<tr>") == 101
    assert "first 100 of 2,062 reported official numbers" in page


# -- writing --------------------------------


def test_write_report_is_atomic_and_leaves_no_tmp(tmp_path):
    target = tmp_path / "audit.html"
    target.write_text("old report", encoding="utf-8")
    assert (
        write_report(target, contacts_frame(), rejects_frame(), summary_dict(), daily_frame())
        == target
    )
    assert os.listdir(tmp_path) == ["audit.html"]
    text = target.read_text(encoding="utf-8")
    assert (
        text.startswith("<!DOCTYPE html>") and "Spoofing suspected (疑似被冒用的官方号码)" in text
    )


def test_write_report_failure_keeps_the_old_report_and_no_tmp(tmp_path, monkeypatch):
    target = tmp_path / "audit.html"
    target.write_text("old report", encoding="utf-8")

    def broken_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(audit_report.os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        write_report(str(target), contacts_frame(), rejects_frame(), summary_dict(), daily_frame())
    assert os.listdir(tmp_path) == ["audit.html"]
    assert target.read_text(encoding="utf-8") == "old report"


# -- in a browser --------------------------------


def _chromium(args: list[str], profile: Path) -> subprocess.CompletedProcess[bytes]:
    command = [
        str(CHROMIUM),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        f"--user-data-dir={profile}",
        *args,
    ]
    return subprocess.run(command, capture_output=True, timeout=60, check=False)


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    return struct.unpack(">II", data[16:24])


@pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="headless browser test needs /usr/bin/chromium (apt-get install -y chromium)",
)
def test_report_renders_in_headless_chromium(tmp_path):
    contacts = contacts_frame(30)
    contacts.loc[0, "contact"] = EVIL_CONTACT
    contacts.loc[1, "reasons"] = EVIL_REASON
    contacts.loc[3, "official_for"] = "taobao"
    report = write_report(
        tmp_path / "report.html", contacts, rejects_frame(), summary_dict(contacts), daily_frame(60)
    )
    url = report.resolve().as_uri()
    shot = tmp_path / "report.png"

    done = _chromium([f"--screenshot={shot}", "--window-size=1280,2400", url], tmp_path / "profile")
    assert shot.is_file(), done.stderr.decode("utf-8", "replace")[-2000:]
    data = shot.read_bytes()
    assert _png_size(data) == (1280, 2400)
    assert len(data) > 20_000, "the screenshot looks blank"

    dumped = _chromium(["--dump-dom", url], tmp_path / "profile")
    assert dumped.returncode == 0, dumped.stderr.decode("utf-8", "replace")[-2000:]
    dom = dumped.stdout.decode("utf-8")
    for _, heading in SECTIONS:
        assert heading in dom
    assert "&lt;script&gt;alert" in dom  # shown as text, not parsed as an element
    assert "<script" not in dom.lower()
    assert dom.count('class="chart"') == 4
