"""The audit report: one self-contained HTML page an analyst can open offline.

:func:`render_report` turns the result of an audit (ranked contacts, rejected input rows, the
summary and the daily report counts) into a single HTML document:

* **self-contained**: inline CSS, charts as base64 ``data:image/svg+xml`` images, no scripts,
  no fonts, no links to anywhere; a Content-Security-Policy ``<meta>`` forbids loading anything
  else, so the page cannot phone home even if it is opened on an analyst's laptop;
* **hostile-input safe**: contacts, reasons and rejected raw values come from whoever filed
  the reports; every data value is stripped of control / bidi-override characters, capped in
  length and passed through :func:`html.escape`. Chart labels are reduced to ASCII, and an
  SVG shown through ``<img>`` cannot run scripts anyway;
* **bounded**: charts summarize (histogram, counts per class, one point per day) and tables
  are capped (``top`` contacts, 20 rejected lines), so a 200,000-contact audit renders in
  about a second and the file stays a few hundred kilobytes;
* **font-free charts**: matplotlib draws the text as paths (``svg.fonttype = "path"``) with
  its bundled DejaVu Sans; chart text is English, the tables may carry Chinese and the browser
  renders it with the system's fonts.

Charts are drawn on bare :class:`matplotlib.figure.Figure` objects: pyplot is never imported,
so rendering needs no display and does not change the process-wide backend (a notebook that
imports this module keeps its inline backend). Style settings are applied with
``rc_context`` for the duration of each chart only.

The module takes plain frames and dicts (the columns are described on :func:`render_report`)
so it does not depend on the audit engine itself.
"""

from __future__ import annotations

import base64
import html
import io
import math
import os
import re
import secrets
from collections.abc import Iterable, Mapping
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

#: (anchor id, heading) of every section, in page order.
SECTIONS = (
    ("totals", "Totals (总览)"),
    ("verdicts", "Verdict breakdown (判定分布)"),
    ("risk", "Risk distribution (风险分布)"),
    ("daily", "Reports over time (每日举报量)"),
    ("line-classes", "Line-class breakdown (号码类型分布)"),
    ("top", "Top risky contacts (高风险联系方式)"),
    ("spoofing", "Spoofing suspected (疑似被冒用的官方号码)"),
    ("rejects", "Rejected rows (被拒绝的输入行)"),
)
HEADINGS = dict(SECTIONS)

VERDICTS = ("official", "unverified", "suspicious", "known_scam", "invalid")
VERDICT_ZH = {
    "official": "官方",
    "unverified": "未核实",
    "suspicious": "可疑",
    "known_scam": "已知诈骗",
    "invalid": "无效号码",
}
VERDICT_COLORS = {
    "official": "#2563eb",
    "unverified": "#94a3b8",
    "suspicious": "#f59e0b",
    "known_scam": "#dc2626",
    "invalid": "#6b7280",
}
OTHER_COLOR = "#a78bfa"

#: Risk bands drawn on the histogram: the number model's default thresholds.
SUSPICIOUS_AT = 0.5
KNOWN_SCAM_AT = 0.9
RISK_BINS = 20

REJECT_REASONS = {
    "empty_contact": "the contact field is empty",
    "bad_contact": "not a phone number, QQ, WeChat id, URL, e-mail or bank card",
    "bad_date": "the report date could not be read",
    "future_date": "the report date lies in the future",
}

#: How many rejected input lines the report lists.
REJECT_SAMPLE = 20
#: Line classes shown one by one on the chart; the rest are summed as "other".
MAX_LINE_CLASSES = 12
#: Longest value shown in a table cell (characters); longer values are cut with "…".
MAX_CELL = 300
MAX_REASONS = 12

_NONE_DASH = "—"
# Control characters, zero-width / bidi-override formatting characters (they can make one
# number look like another) and lone surrogates (they cannot be encoded as UTF-8).
_UNSAFE = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u061c\u200b-\u200f\u202a-\u202e\u2060-\u206f\ufeff\ud800-\udfff]"
)
_SPACES = re.compile(r"[\t\n\r]+")
# "http://" / "https://" in data are shown defanged ("hxxps://"): the page holds no URL at all.
_SCHEME = re.compile(r"(?i)(h)tt(ps?)(?=:\s*/\s*/)")
_NOT_LABEL = re.compile(r"[^ -~]")

_CSP = (
    "default-src 'none'; img-src data:; style-src 'unsafe-inline'; "
    "base-uri 'none'; form-action 'none'"
)


# -- values --------------------------------


def _missing(value: Any) -> bool:
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _clean(value: Any, limit: int = MAX_CELL) -> str:
    """Display text for one data value: unsafe characters replaced, length capped (unescaped)."""
    if _missing(value):
        return ""
    text = _SPACES.sub(" ", str(value))
    text = _SCHEME.sub(r"\1xx\2", _UNSAFE.sub("\ufffd", text))
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return text


def _esc(value: Any, limit: int = MAX_CELL) -> str:
    """HTML-escaped display text for one data value."""
    return html.escape(_clean(value, limit), quote=True)


def _to_int(value: Any) -> int | None:
    number = _to_float(value)
    return None if number is None else int(number)


def _to_float(value: Any) -> float | None:
    if _missing(value):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):
        return None
    return number if math.isfinite(number) else None


def _int(value: Any) -> str:
    number = _to_int(value)
    return _NONE_DASH if number is None else f"{number:,}"


def _when(value: Any) -> str:
    """A timestamp as ``YYYY-MM-DD HH:MM`` (UTC when it carries a zone); escaped."""
    if _missing(value) or value == "":
        return _NONE_DASH
    try:
        stamp = pd.Timestamp(value)
    except (TypeError, ValueError, OverflowError):
        return _esc(value, 40)
    if _missing(stamp):
        return _NONE_DASH
    if stamp.tzinfo is not None:
        stamp = stamp.tz_convert("UTC")
    return html.escape(stamp.strftime("%Y-%m-%d %H:%M"))


def _pct(part: float, whole: float) -> str:
    return f"{100.0 * part / whole:.1f} %" if whole else _NONE_DASH


def _label(value: Any, limit: int = 28) -> str:
    """Chart label: printable ASCII only (the bundled chart font has no CJK glyphs)."""
    text = _NOT_LABEL.sub("?", _clean(value, limit))
    return text or "(none)"


def _counts(given: Any, frame: pd.DataFrame, column: str) -> dict[str, int]:
    """Counts per value: the summary's dict when it has one, else counted from ``frame``."""
    counts: dict[str, int] = {}
    if isinstance(given, pd.Series):
        given = given.to_dict()
    if isinstance(given, Mapping) and given:
        for key, value in given.items():
            number = _to_int(value)
            if number:
                name = "" if _missing(key) else str(key)
                counts[name] = counts.get(name, 0) + number
        return counts
    if column in frame.columns and len(frame):
        values = frame[column].fillna("").astype(str).value_counts()
        counts = {str(k): int(v) for k, v in values.items()}
    return counts


def _ranked(contacts: pd.DataFrame | None) -> pd.DataFrame:
    """Contacts in rank order (row order already is; sorted only if a caller broke it)."""
    if contacts is None:
        return pd.DataFrame()
    if "rank" in contacts.columns and len(contacts) > 1:
        rank = pd.to_numeric(contacts["rank"], errors="coerce")
        if not rank.is_monotonic_increasing:
            order = np.argsort(rank.to_numpy(dtype=float, na_value=np.inf), kind="stable")
            return contacts.iloc[order]
    return contacts


# -- charts --------------------------------

_CHART_STYLE = {
    "svg.fonttype": "path",
    "svg.hashsalt": "kefuguard-audit-report",
    "font.family": "DejaVu Sans",
    "font.size": 9,
    "axes.titlesize": 10,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.edgecolor": "#94a3b8",
    "axes.labelcolor": "#334155",
    "axes.axisbelow": True,
    "axes.grid": True,
    "grid.color": "#e2e8f0",
    "grid.linewidth": 0.8,
    "xtick.color": "#475569",
    "ytick.color": "#475569",
    "legend.frameon": False,
}


def _style() -> AbstractContextManager[Any]:
    import matplotlib

    return matplotlib.rc_context(_CHART_STYLE)


def _figure(width: float = 5.6, height: float = 3.0):
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), layout="constrained")


def _img(fig, alt: str) -> str:
    """The figure as an ``<img>`` with a base64 SVG data URI (no ids leak into the page)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None})
    data = base64.b64encode(buf.getvalue()).decode("ascii")
    return (
        f'<img class="chart" alt="{html.escape(alt, quote=True)}" '
        f'src="data:image/svg+xml;base64,{data}">'
    )


def _barh(ax, labels: list[str], values: list[int], colors: list[str], total: int) -> None:
    y = np.arange(len(labels))
    ax.barh(y, values, color=colors, height=0.66)
    ax.set_yticks(y, labels)
    ax.invert_yaxis()
    ax.grid(axis="y", visible=False)
    ax.tick_params(axis="y", length=0)
    top = max(values) if values else 1
    ax.set_xlim(0, top * 1.28 or 1)
    for i, value in enumerate(values):
        ax.text(
            value + top * 0.015,
            i,
            f"{value:,}  ({100.0 * value / total:.1f}%)" if total else f"{value:,}",
            va="center",
            fontsize=8,
            color="#334155",
        )


def _verdict_chart(counts: dict[str, int]) -> str:
    names = [v for v in VERDICTS if counts.get(v)]
    names += sorted(k for k in counts if k not in VERDICTS and counts[k])
    values = [counts[n] for n in names]
    with _style():
        fig = _figure(5.6, 0.5 + 0.42 * max(len(names), 3))
        ax = fig.add_subplot()
        _barh(
            ax,
            [_label(n) for n in names],
            values,
            [VERDICT_COLORS.get(n, OTHER_COLOR) for n in names],
            sum(values),
        )
        ax.set_xlabel("contacts")
        return _img(fig, "Bar chart: contacts per verdict")


def _line_class_chart(counts: dict[str, int]) -> str:
    items = sorted(((v, k) for k, v in counts.items() if v > 0), key=lambda x: (-x[0], x[1]))
    shown = items[:MAX_LINE_CLASSES]
    rest = items[MAX_LINE_CLASSES:]
    labels = [_label(k) if k else "(not a number)" for _, k in shown]
    values = [v for v, _ in shown]
    if rest:
        labels.append(f"other ({len(rest)} classes)")
        values.append(sum(v for v, _ in rest))
    with _style():
        fig = _figure(5.6, 0.5 + 0.34 * max(len(labels), 3))
        ax = fig.add_subplot()
        _barh(ax, labels, values, ["#0f766e"] * len(values), sum(values))
        ax.set_xlabel("contacts")
        return _img(fig, "Bar chart: contacts per line class")


def _risk_color(left: float) -> str:
    if left >= KNOWN_SCAM_AT - 1e-9:
        return "#dc2626"
    if left >= SUSPICIOUS_AT - 1e-9:
        return "#f59e0b"
    return "#64748b"


def _risk_chart(risk: np.ndarray) -> str:
    counts, edges = np.histogram(risk, bins=RISK_BINS, range=(0.0, 1.0))
    colors = [_risk_color(left) for left in edges[:-1]]
    with _style():
        fig = _figure(5.6, 3.0)
        ax = fig.add_subplot()
        ax.bar(
            edges[:-1],
            counts,
            width=np.diff(edges),
            align="edge",
            color=colors,
            edgecolor="white",
            linewidth=0.6,
        )
        for at, name in ((SUSPICIOUS_AT, "suspicious"), (KNOWN_SCAM_AT, "known scam")):
            ax.axvline(at, color="#334155", linestyle="--", linewidth=0.8)
            ax.text(
                at,
                1.0,
                f" {name} {at:g}",
                transform=ax.get_xaxis_transform(),
                va="top",
                ha="left",
                fontsize=7.5,
                color="#334155",
            )
        ax.set_xlim(0, 1)
        ax.set_xlabel("risk")
        ax.set_ylabel("contacts")
        ax.grid(axis="x", visible=False)
        return _img(fig, "Histogram: contacts per risk band")


def _daily_series(daily: pd.DataFrame | None) -> pd.DataFrame:
    """Reports and flagged reports per calendar day (UTC), gaps filled with zeros.

    The chart sums them per week past 400 days and per month past three years, so a long
    (or mis-dated) input still gives a small chart.
    """
    if daily is None or not len(daily) or "date" not in daily.columns:
        return pd.DataFrame(columns=["reports", "flagged"])
    dates = pd.to_datetime(daily["date"], utc=True, errors="coerce")
    frame = pd.DataFrame(
        {
            "date": dates.dt.tz_localize(None).dt.normalize(),
            "reports": pd.to_numeric(daily.get("reports", 0), errors="coerce"),
            "flagged": pd.to_numeric(daily.get("flagged", 0), errors="coerce"),
        }
    ).dropna(subset=["date"])
    frame[["reports", "flagged"]] = frame[["reports", "flagged"]].fillna(0).clip(lower=0)
    series = frame.groupby("date").sum()
    if len(series) > 1 and (series.index[-1] - series.index[0]).days <= 3660:
        full = pd.date_range(series.index[0], series.index[-1], freq="D")
        series = series.reindex(full, fill_value=0)
    return series


def _daily_chart(series: pd.DataFrame) -> str:
    import matplotlib.dates as mdates

    span = (series.index[-1] - series.index[0]).days + 1 if len(series) else 0
    unit = "day"
    if span > 3 * 366:
        series, unit = series.resample("MS").sum(), "month"
    elif span > 400:
        series, unit = series.resample("W-MON", label="left", closed="left").sum(), "week"
    x = series.index.to_numpy()
    reports = series["reports"].to_numpy(dtype=float)
    flagged = np.minimum(series["flagged"].to_numpy(dtype=float), reports)
    with _style():
        fig = _figure(5.6, 3.0)
        ax = fig.add_subplot()
        if len(series) <= 120:
            width = {"day": 0.85, "week": 6.0, "month": 25.0}[unit]
            ax.bar(x, reports, width=width, color="#93c5fd", label="all reports")
            ax.bar(x, flagged, width=width, color="#dc2626", label="text flagged by the model")
        else:
            ax.fill_between(x, reports, step="mid", color="#93c5fd", label="all reports")
            ax.fill_between(
                x, flagged, step="mid", color="#dc2626", label="text flagged by the model"
            )
        locator = mdates.AutoDateLocator(minticks=3, maxticks=8)
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
        ax.set_ylim(0, max(float(reports.max()), 1.0) * 1.05)
        ax.set_ylabel(f"reports per {unit} (UTC)")
        ax.grid(axis="x", visible=False)
        ax.legend(loc="lower left", bbox_to_anchor=(0.0, 1.0), fontsize=8, ncols=2)
        return _img(fig, f"Chart: reports per {unit}, flagged reports overlaid")


# -- html pieces --------------------------------


def _none(text: str) -> str:
    return f'<p class="none">None: {html.escape(text)} (无)</p>'


def _section(key: str, body: str, extra: str = "") -> str:
    cls = f"card {extra}".strip()
    return (
        f'<section id="{key}" class="{cls}">\n'
        f"<h2>{html.escape(HEADINGS[key])}</h2>\n{body}\n</section>"
    )


def _verdict_badge(value: Any) -> str:
    text = _clean(value, 40)
    cls = text if text in VERDICTS else "other"
    zh = VERDICT_ZH.get(text)
    title = f' title="{html.escape(zh)}"' if zh else ""
    return f'<span class="badge v-{cls}"{title}>{html.escape(text) or _NONE_DASH}</span>'


def _risk_cell(value: Any) -> str:
    risk = _to_float(value)
    if risk is None:
        return f'<td class="num">{_NONE_DASH}</td>'
    band = "high" if risk >= KNOWN_SCAM_AT else "mid" if risk >= SUSPICIOUS_AT else "low"
    width = max(0.0, min(1.0, risk)) * 100
    return (
        f'<td class="num risk"><span class="meter"><span class="fill {band}" '
        f'style="width:{width:.0f}%"></span></span>{risk:.2f}</td>'
    )


def _reasons(value: Any) -> str:
    if _missing(value) or not str(value).strip():
        return f'<span class="muted">{_NONE_DASH}</span>'
    parts = [p.strip() for p in str(value).split(";") if p.strip()]
    extra = len(parts) - MAX_REASONS
    items = "".join(f"<li>{_esc(p)}</li>" for p in parts[:MAX_REASONS])
    if extra > 0:
        items += f'<li class="muted">… and {extra} more</li>'
    return f'<ul class="reasons">{items}</ul>'


def _orgs(value: Any) -> str:
    parts = [p.strip() for p in str(value).split(";") if p.strip()]
    return " ".join(f'<span class="chip">{_esc(p, 80)}</span>' for p in parts[:10])


def _contact_cell(row: Mapping[str, Any]) -> str:
    where = " · ".join(_esc(row.get(k), 60) for k in ("region", "carrier") if _clean(row.get(k)))
    sub = f'<span class="sub">{where}</span>' if where else ""
    return f'<td class="contact"><code>{_esc(row.get("contact"))}</code>{sub}</td>'


def _table(head: Iterable[tuple[str, str]], rows: list[str], cls: str = "") -> str:
    ths = "".join(f'<th class="{c}" scope="col">{html.escape(h)}</th>' for h, c in head)
    body = "\n".join(rows)
    return (
        f'<div class="table-wrap" tabindex="0"><table class="{cls}">'
        f"<thead><tr>{ths}</tr></thead>\n<tbody>\n{body}\n</tbody></table></div>"
    )


def _contact_rows(frame: pd.DataFrame, *, official: bool) -> list[str]:
    rows = []
    for row in frame.to_dict("records"):
        cells = [
            f'<td class="num">{_int(row.get("rank"))}</td>',
            _contact_cell(row),
            f"<td>{_esc(row.get('type'), 40)}</td>",
        ]
        if official:
            cells.append(f"<td>{_orgs(row.get('official_for'))}</td>")
        else:
            cells.append(f"<td>{_esc(row.get('line_class'), 40) or _NONE_DASH}</td>")
        cells += [
            f'<td class="num">{_int(row.get("reports"))}</td>',
            f'<td class="num">{_int(row.get("distinct_reporters"))}</td>',
            f'<td class="nowrap">{_when(row.get("last_seen"))}</td>',
            _risk_cell(row.get("risk")),
            f"<td>{_verdict_badge(row.get('verdict'))}</td>",
            f'<td class="reasons-cell">{_reasons(row.get("reasons"))}</td>',
        ]
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return rows


def _contact_head(*, official: bool) -> list[tuple[str, str]]:
    return [
        ("Rank", "num"),
        ("Contact", ""),
        ("Type", ""),
        ("Official for" if official else "Line class", ""),
        ("Reports", "num"),
        ("Distinct reporters", "num"),
        ("Last seen (UTC)", ""),
        ("Risk", "num"),
        ("Verdict", ""),
        ("Reasons", ""),
    ]


def _showing(shown: int, total: int, what: str) -> str:
    if shown >= total:
        return f'<p class="note">All {total:,} {html.escape(what)}.</p>'
    return f'<p class="note">Showing the first {shown:,} of {total:,} {html.escape(what)}.</p>'


# -- sections --------------------------------


def _totals(summary: Mapping[str, Any], verdicts: dict[str, int], n_contacts: int) -> str:
    read = _to_int(summary.get("rows_read"))
    rejected = _to_int(summary.get("rows_rejected"))
    contacts = _to_int(summary.get("contacts"))
    if contacts is None:
        contacts = n_contacts
    tiles = [
        ("Rows read", _int(read), "读取行数"),
        (
            "Rows rejected",
            _int(rejected)
            + (f" <small>{_pct(rejected, read)}</small>" if read and rejected is not None else ""),
            "被拒绝",
        ),
        ("Contacts", _int(contacts), "联系方式"),
        ("Reports with text", _int(summary.get("reports_with_text")), "含文本的举报"),
        ("Texts scored", _int(summary.get("texts_scored")), "已评分文本"),
    ]
    html_tiles = "".join(
        f'<div class="tile"><div class="k">{html.escape(k)} <span class="zh">{zh}</span></div>'
        f'<div class="v">{v}</div></div>'
        for k, v, zh in tiles
    )
    names = [*VERDICTS, *sorted(k for k in verdicts if k not in VERDICTS)]
    total = sum(verdicts.values())
    chips = "".join(
        f'<div class="vchip">{_verdict_badge(n)}<b>{_int(verdicts.get(n, 0))}</b>'
        f'<span class="muted">{_pct(verdicts.get(n, 0), total)}</span></div>'
        for n in names
    )
    meta = [
        ("Input", _esc(summary.get("input"), 200)),
        ("Audit time", _esc(summary.get("now"), 60)),
        ("Engine", _esc(summary.get("engine"), 20)),
    ]
    seconds = _to_float(summary.get("seconds"))
    if seconds is not None:
        meta.append(("Took", f"{seconds:,.1f} s"))
    dl = "".join(f"<div><dt>{k}</dt><dd>{v or _NONE_DASH}</dd></div>" for k, v in meta)
    return _section(
        "totals",
        f'<div class="tiles">{html_tiles}</div>\n'
        f'<h3>By verdict <span class="zh">按判定</span></h3>\n<div class="vchips">{chips}</div>\n'
        f'<dl class="meta">{dl}</dl>',
    )


def _verdict_section(verdicts: dict[str, int]) -> str:
    if not sum(verdicts.values()):
        return _section("verdicts", _none("no contacts to break down"), "chart-card")
    return _section("verdicts", _verdict_chart(verdicts), "chart-card")


def _risk_section(contacts: pd.DataFrame) -> str:
    if "risk" not in contacts.columns or not len(contacts):
        return _section("risk", _none("no contacts with a risk score"), "chart-card")
    risk = pd.to_numeric(contacts["risk"], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    risk = np.clip(risk[np.isfinite(risk)], 0.0, 1.0)
    if not risk.size:
        return _section("risk", _none("no contacts with a risk score"), "chart-card")
    n = risk.size
    note = (
        f'<p class="note">Median risk {float(np.median(risk)):.2f}; '
        f"{_pct(int((risk >= SUSPICIOUS_AT).sum()), n)} at or above {SUSPICIOUS_AT:g}, "
        f"{_pct(int((risk >= KNOWN_SCAM_AT).sum()), n)} at or above {KNOWN_SCAM_AT:g} "
        "(the number model's default thresholds).</p>"
    )
    return _section("risk", _risk_chart(risk) + note, "chart-card")


def _daily_section(daily: pd.DataFrame | None) -> str:
    series = _daily_series(daily)
    if not len(series) or not series["reports"].sum():
        return _section("daily", _none("no dated reports"), "chart-card")
    total = int(series["reports"].sum())
    flagged = int(series["flagged"].sum())
    first, last = series.index[0], series.index[-1]
    busiest = series["reports"].idxmax()
    note = (
        f'<p class="note">{total:,} reports from {first:%Y-%m-%d} to {last:%Y-%m-%d}; '
        f"{flagged:,} ({_pct(flagged, total)}) flagged by the text model; busiest day "
        f"{busiest:%Y-%m-%d} with {int(series['reports'].max()):,}.</p>"
    )
    return _section("daily", _daily_chart(series) + note, "chart-card")


def _line_class_section(counts: dict[str, int]) -> str:
    if not sum(counts.values()):
        return _section("line-classes", _none("no contacts to break down"), "chart-card")
    return _section("line-classes", _line_class_chart(counts), "chart-card")


def _top_section(contacts: pd.DataFrame, top: int) -> str:
    if not len(contacts) or top == 0:
        return _section("top", _none("no contacts to list"))
    shown = contacts.head(top)
    body = _showing(len(shown), len(contacts), "contacts, highest risk first") + _table(
        _contact_head(official=False), _contact_rows(shown, official=False), "contacts"
    )
    return _section("top", body)


def _spoofing_section(contacts: pd.DataFrame, top: int) -> str:
    if "official_for" in contacts.columns and len(contacts):
        orgs = contacts["official_for"].fillna("").astype(str).str.strip()
        official = contacts[orgs.ne("").to_numpy()]
    else:
        official = contacts.iloc[0:0]
    if not len(official):
        return _section("spoofing", _none("no official number was reported"))
    intro = (
        '<p class="lead">These numbers belong to an organisation in the registry and were '
        "still reported. The usual cause is caller-ID spoofing: a scammer shows the real hotline "
        "on the victim's phone. Do not block them; tell the organisation, and read the reasons "
        "(被举报的官方号码多为来电显示被伪造).</p>"
    )
    shown = official.head(max(top, 0))
    body = intro + _showing(len(shown), len(official), "reported official numbers")
    if len(shown):
        body += _table(
            _contact_head(official=True), _contact_rows(shown, official=True), "contacts"
        )
    return _section("spoofing", body)


def _rejects_section(rejects: pd.DataFrame | None, summary: Mapping[str, Any]) -> str:
    rejects = rejects if rejects is not None else pd.DataFrame()
    counts = _counts(summary.get("rejects_by_reason"), rejects, "reason")
    total = _to_int(summary.get("rows_rejected"))
    if total is None:
        total = sum(counts.values()) or len(rejects)
    if not total and not counts and not len(rejects):
        return _section("rejects", _none("every input row was read"))
    parts = []
    if counts:
        denominator = sum(counts.values())
        rows = [
            f"<tr><td><code>{_esc(reason, 60) or _NONE_DASH}</code></td>"
            f'<td class="muted">{html.escape(REJECT_REASONS.get(reason, ""))}</td>'
            f'<td class="num">{n:,}</td><td class="num">{_pct(n, denominator)}</td></tr>'
            for reason, n in sorted(counts.items(), key=lambda x: (-x[1], x[0]))
        ]
        head = [("Reason", ""), ("Meaning", ""), ("Rows", "num"), ("Share", "num")]
        parts.append('<h3>Per reason <span class="zh">按原因</span></h3>')
        parts.append(_table(head, rows, "compact"))
    if len(rejects):
        sample = rejects
        if "line" in rejects.columns:
            line = pd.to_numeric(rejects["line"], errors="coerce")
            if not line.is_monotonic_increasing:
                sample = rejects.iloc[
                    np.argsort(line.to_numpy(dtype=float, na_value=np.inf), kind="stable")
                ]
        sample = sample.head(REJECT_SAMPLE)
        rows = [
            f'<tr><td class="num">{_int(r.get("line"))}</td>'
            f"<td><code>{_esc(r.get('reason'), 60)}</code></td>"
            f'<td class="contact"><code>{_esc(r.get("contact"), 200)}</code></td></tr>'
            for r in sample.to_dict("records")
        ]
        head = [("Line", "num"), ("Reason", ""), ("Contact as given", "")]
        parts.append('<h3>First rejected lines <span class="zh">前若干行</span></h3>')
        parts.append(_showing(len(sample), len(rejects), "rejected lines"))
        parts.append(_table(head, rows, "compact"))
    else:
        parts.append(_none("no rejected lines were passed to the report"))
    return _section("rejects", "\n".join(parts))


# -- page --------------------------------

_CSS = """
:root{--bg:#f1f5f9;--card:#fff;--ink:#0f172a;--muted:#64748b;--line:#e2e8f0;--accent:#1d4ed8}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;background:var(--bg);color:var(--ink);line-height:1.45;
font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"PingFang SC","Hiragino Sans GB",
"Microsoft YaHei","Noto Sans CJK SC","Source Han Sans SC","WenQuanYi Micro Hei",sans-serif}
header.page{background:#0f172a;color:#e2e8f0;padding:20px 24px 14px}
header.page h1{margin:0 0 4px;font-size:22px;color:#fff;overflow-wrap:anywhere}
header.page p{margin:0;color:#94a3b8;font-size:13px;overflow-wrap:anywhere}
nav.toc{display:flex;flex-wrap:wrap;gap:6px 14px;margin-top:12px;font-size:13px}
nav.toc a{color:#bfdbfe;text-decoration:none;white-space:nowrap}
nav.toc a:hover{text-decoration:underline}
main{max-width:1240px;margin:0 auto;padding:18px 16px 40px}
.card{background:var(--card);border:1px solid var(--line);border-radius:10px;
padding:16px 18px;margin:0 0 16px;box-shadow:0 1px 2px rgba(15,23,42,.05);min-width:0}
.card h2{margin:0 0 12px;font-size:17px}
.card h3{margin:16px 0 8px;font-size:14px;color:#334155}
.zh{color:var(--muted);font-weight:normal}
.grid{display:grid;grid-template-columns:repeat(2,minmax(0,1fr));gap:16px;margin-bottom:16px}
.grid .card{margin:0}
@media (max-width:900px){.grid{grid-template-columns:minmax(0,1fr)}}
img.chart{display:block;width:100%;max-width:760px;height:auto;margin:0 auto}
.tiles{display:grid;grid-template-columns:repeat(auto-fit,minmax(150px,1fr));gap:10px}
.tile{border:1px solid var(--line);border-radius:8px;padding:10px 12px;background:#f8fafc}
.tile .k{font-size:12px;color:var(--muted)}
.tile .v{font-size:22px;font-weight:650;font-variant-numeric:tabular-nums}
.tile .v small{font-size:12px;color:var(--muted);font-weight:normal}
.vchips{display:flex;flex-wrap:wrap;gap:8px}
.vchip{display:flex;align-items:center;gap:8px;border:1px solid var(--line);border-radius:8px;
padding:6px 10px;font-variant-numeric:tabular-nums}
dl.meta{display:flex;flex-wrap:wrap;gap:4px 24px;margin:14px 0 0;font-size:13px}
dl.meta div{display:flex;gap:6px;min-width:0}
dl.meta dt{color:var(--muted)}
dl.meta dd{margin:0;overflow-wrap:anywhere}
.note{color:var(--muted);font-size:13px;margin:8px 0}
.lead{margin:0 0 8px;max-width:920px}
.none{color:var(--muted);font-style:italic;margin:4px 0}
.muted{color:var(--muted)}
.table-wrap{overflow-x:auto;-webkit-overflow-scrolling:touch;border:1px solid var(--line);
border-radius:8px;max-width:100%}
.table-wrap:focus{outline:2px solid #93c5fd}
table{border-collapse:collapse;width:100%;font-size:13px}
table.contacts{min-width:1000px}
table.compact{min-width:480px}
th,td{padding:6px 8px;border-bottom:1px solid var(--line);text-align:left;vertical-align:top}
thead th{position:sticky;top:0;background:#f8fafc;font-size:12px;color:#334155;
z-index:1}
thead th.num{white-space:normal}
tbody tr:nth-child(even){background:#fbfdff}
tbody tr:hover{background:#eff6ff}
tbody tr:last-child td{border-bottom:0}
.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.nowrap{white-space:nowrap}
td.contact{min-width:160px;max-width:300px;overflow-wrap:anywhere}
td.contact code{font:12.5px/1.35 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
td.contact .sub{display:block;font-size:11.5px;color:var(--muted)}
code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12.5px;
overflow-wrap:anywhere}
td.reasons-cell{min-width:240px;max-width:520px}
ul.reasons{margin:0;padding-left:16px}
ul.reasons li{margin:0 0 2px}
.meter{display:inline-block;width:44px;height:6px;border-radius:3px;background:#e2e8f0;
margin-right:6px;vertical-align:middle;overflow:hidden}
.meter .fill{display:block;height:100%}
.fill.low{background:#64748b}.fill.mid{background:#f59e0b}.fill.high{background:#dc2626}
.badge{display:inline-block;padding:1px 8px;border-radius:999px;font-size:12px;
white-space:nowrap;border:1px solid transparent}
.v-official{background:#dbeafe;color:#1e40af}
.v-unverified{background:#f1f5f9;color:#475569;border-color:#cbd5e1}
.v-suspicious{background:#fef3c7;color:#92400e}
.v-known_scam{background:#fee2e2;color:#991b1b}
.v-invalid{background:#e5e7eb;color:#374151}
.v-other{background:#ede9fe;color:#5b21b6}
.chip{display:inline-block;background:#e0f2fe;color:#075985;border-radius:4px;padding:0 6px;
margin:0 4px 2px 0;font-size:12px}
footer{color:var(--muted);font-size:12px;text-align:center;padding:8px 16px 24px}
@media (max-width:600px){
body{font-size:13px}
header.page{padding:16px 14px 12px}
main{padding:12px 8px 32px}
.card{padding:12px;border-radius:8px}
.tile .v{font-size:19px}
}
@media print{
body{background:#fff}
header.page{background:#fff;color:#000}
header.page h1{color:#000}
nav.toc{display:none}
.card{box-shadow:none;break-inside:avoid-page}
.table-wrap{overflow:visible}
thead th{position:static}
}
"""


def render_report(
    contacts: pd.DataFrame | None,
    rejects: pd.DataFrame | None,
    summary: Mapping[str, Any] | None,
    daily: pd.DataFrame | None,
    *,
    top: int = 100,
    title: str = "kefuguard audit",
) -> str:
    """The audit as one self-contained HTML document (a ``str``; write it as UTF-8).

    ``contacts``: one row per reported contact in rank order, columns ``rank``, ``type``,
    ``contact``, ``line_class``, ``region``, ``carrier``, ``reports``, ``distinct_reporters``,
    ``first_seen``, ``last_seen``, ``count_7d``, ``count_30d``, ``flagged_share``,
    ``weighted``, ``risk``, ``verdict``, ``official_for`` (";"-joined org slugs),
    ``reason_codes``, ``reasons`` ("; "-joined sentences). ``rejects``: ``line``, ``reason``,
    ``contact`` (raw). ``summary``: ``rows_read``, ``rows_rejected``, ``rejects_by_reason``,
    ``contacts``, ``by_verdict``, ``by_line_class``, ``reports_with_text``, ``texts_scored``,
    ``engine``, ``now``, ``seconds``, ``input``. ``daily``: ``date``, ``reports``, ``flagged``.

    Missing columns and keys are shown as "—" (counts per verdict / line class / reject
    reason fall back to counting the frames); empty or ``None`` inputs give a "None" note in
    their sections. ``top`` caps the contact tables (the top-risk table and the spoofing
    table). The output is deterministic for the same inputs.
    """
    if isinstance(top, bool) or not isinstance(top, int | np.integer) or top < 0:
        raise ValueError(f"top must be a non-negative integer, got {top!r}")
    top = int(top)
    contacts = _ranked(contacts)
    summary = summary if isinstance(summary, Mapping) else {}
    verdicts = _counts(summary.get("by_verdict"), contacts, "verdict")
    line_classes = _counts(summary.get("by_line_class"), contacts, "line_class")

    page_title = _esc(title, 200) or "kefuguard audit"
    subtitle = " · ".join(
        x
        for x in (
            _esc(summary.get("input"), 200),
            f"audit time {_esc(summary.get('now'), 60)}" if _clean(summary.get("now")) else "",
            f"{_esc(summary.get('engine'), 20)} engine" if _clean(summary.get("engine")) else "",
        )
        if x
    )
    toc = "".join(f'<a href="#{key}">{html.escape(text)}</a>' for key, text in SECTIONS)
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<meta name="referrer" content="no-referrer">',
        '<meta name="generator" content="kefuguard audit report">',
        f"<title>{page_title}</title>",
        f"<style>{_CSS}</style>",
        "</head>",
        "<body>",
        '<header class="page">',
        f"<h1>{page_title}</h1>",
        f"<p>{subtitle or 'fraud / fake-support audit (客服诈骗审计)'}</p>",
        f'<nav class="toc" aria-label="Sections">{toc}</nav>',
        "</header>",
        "<main>",
        _totals(summary, verdicts, len(contacts)),
        '<div class="grid">',
        _verdict_section(verdicts),
        _risk_section(contacts),
        _daily_section(daily),
        _line_class_section(line_classes),
        "</div>",
        _top_section(contacts, top),
        _spoofing_section(contacts, top),
        _rejects_section(rejects, summary),
        "</main>",
        "<footer>Generated by kefuguard. Self-contained: no scripts and no external "
        "resources; values from reports are shown as text, web addresses defanged "
        "(hxxps://).</footer>",
        "</body>",
        "</html>",
        "",
    ]
    return "\n".join(parts)


def write_report(
    path: str | os.PathLike[str],
    contacts: pd.DataFrame | None,
    rejects: pd.DataFrame | None,
    summary: Mapping[str, Any] | None,
    daily: pd.DataFrame | None,
    *,
    top: int = 100,
    title: str = "kefuguard audit",
) -> Path:
    """Render the report and write it to ``path`` atomically; returns the path.

    The page is written to a temporary file next to ``path`` and moved over it with
    :func:`os.replace`, so a reader never sees half a report and a failed render leaves the
    previous report (and no temporary file) behind.
    """
    path = Path(path)
    data = render_report(contacts, rejects, summary, daily, top=top, title=title).encode("utf-8")
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
    try:
        with open(tmp, "xb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path
