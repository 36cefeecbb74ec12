"""Batch audits of reported contacts: user reports in, one ranked verdict per contact out.

Two pure steps, so the same code runs on one machine (pandas) or partition by partition
(Dask, ``detector/audit_dask.py``):

1. :func:`prepare_reports` — per partition: map the input columns, parse each *distinct*
   contact once, read dates, reject bad rows with a reason (nothing is dropped silently),
   and flag report texts with the message model (each distinct text, digits folded, scored
   once). Output: one small row per accepted report.
2. :func:`summarize_contacts` — over all prepared rows: report aggregates
   (:func:`detector.reports.aggregate_reports`), number intelligence for each distinct number,
   registry facts, the number risk model in one vectorized call, then the verdict and reasons
   of :class:`detector.contact_check.ContactChecker` with that risk; ranked by verdict and
   risk. Official contacts that are being reported come out as ``spoofing_suspected`` /
   ``malicious_marking`` and are never flagged.

:func:`audit_frame` chains both for a DataFrame in memory; the CLI streams a file through
step 1 in chunks with a checkpoint (``detector/audit_io.py``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd

from detector.contact_check import ContactChecker
from detector.contacts import MAX_CONTACT_CHARS, parse_contact
from detector.errors import InvalidInputError
from detector.number_model import number_features
from detector.reports import ANONYMOUS_WEIGHT, aggregate_reports, stats_from_row
from detector.results import CONTACT_TYPES, Contact

#: Reports dated before this are impossible for a phone-scam audit (and usually a parse slip).
EARLIEST = pd.Timestamp("2000-01-01", tz="UTC")
VERDICT_ORDER = {"known_scam": 0, "suspicious": 1, "invalid": 2, "unverified": 3, "official": 4}
PREPARED_COLUMNS = ("type", "normalized", "reported_at", "reporter_hash", "flagged", "raw")
CONTACT_COLUMNS = (
    "rank",
    "type",
    "contact",
    "line_class",
    "region",
    "carrier",
    "reports",
    "distinct_reporters",
    "first_seen",
    "last_seen",
    "count_7d",
    "count_30d",
    "flagged_share",
    "weighted",
    "risk",
    "verdict",
    "official_for",
    "reason_codes",
    "reasons",
)
_DIGITS = re.compile(r"[0-9０-９]")


@dataclass(frozen=True)
class ColumnMap:
    """Which input column holds what (only ``contact`` is required)."""

    contact: str = "contact"
    reported_at: str = "reported_at"
    reporter_id: str = "reporter_id"
    category: str = "category"
    text: str = "text"
    channel: str = "channel"
    type: str = "type"

    def check(self, columns: pd.Index | list[str]) -> None:
        if self.contact not in columns:
            raise InvalidInputError(
                f"no contact column {self.contact!r}; columns are: {', '.join(map(str, columns))}"
                " (use --number-column)",
                columns=[str(c) for c in columns],
            )


@dataclass
class AuditResult:
    contacts: pd.DataFrame
    rejects: pd.DataFrame
    summary: dict[str, Any]
    daily: pd.DataFrame = field(default_factory=pd.DataFrame)


def _column(chunk: pd.DataFrame, name: str) -> pd.Series:
    if name in chunk.columns:
        return chunk[name].fillna("").astype(str)
    return pd.Series([""] * len(chunk), index=chunk.index, dtype=object)


_NUMBERISH = re.compile(r"[+＋]?[0-9０-９][0-9０-９ \-()（）]*")
_COMPACT = str.maketrans("０１２３４５６７８９＋（）", "0123456789+()", " -()")


def _compact(value: str) -> str:
    """A number as typed (``138 0013-8000``, full-width digits) → its compact form; other
    values are returned as they are. Many written forms of one number share one parse."""
    return value.translate(_COMPACT) if _NUMBERISH.fullmatch(value) else value


@lru_cache(maxsize=1_000_000)
def _parse_one(value: str, type_: str) -> tuple[str, str, str]:
    if not value.strip():
        return ("", "", "empty_contact")
    if len(value) > MAX_CONTACT_CHARS:
        return ("", "", "contact_too_long")
    try:
        c: Contact = parse_contact(value, type_ if type_ in CONTACT_TYPES else None)
    except InvalidInputError:
        return ("", "", "bad_contact")
    return (c.type, c.normalized, "")


def _parse_unique(values: pd.Series, types: pd.Series) -> tuple[pd.Series, pd.Series, pd.Series]:
    """type, normalized and reject reason per row; each distinct contact parsed once (per
    process, across chunks)."""
    keys = pd.Series([_compact(v) for v in values.tolist()], index=values.index)
    pairs = pd.DataFrame({"v": keys, "t": types})
    codes, uniques = pd.factorize(pd.MultiIndex.from_frame(pairs))
    parsed = [_parse_one(v, t) for v, t in uniques]
    table = pd.DataFrame(parsed, columns=["type", "normalized", "reason"]).iloc[codes]
    table.index = values.index
    return table["type"], table["normalized"], table["reason"]


def _flag_texts(texts: pd.Series, score: Callable[[list[str]], list[bool]] | None) -> pd.Series:
    """1.0/0.0 for texts the message model flags/does not, NaN without text.

    Each distinct text is scored once, digits folded to 0 first: the model masks digits
    anyway, and a scam campaign sends the same template with other amounts and numbers.
    """
    out = pd.Series(np.nan, index=texts.index, dtype=float)
    has = texts.str.strip() != ""
    if score is None or not has.any():
        return out
    keys = texts[has].str.replace(_DIGITS, "0", regex=True)
    distinct = keys.drop_duplicates()
    flags = dict(zip(distinct.tolist(), score(distinct.tolist()), strict=True))
    out[has] = keys.map(flags).astype(float)
    return out


class TextScorer:
    """Score report texts with a Detector (flagged = its verdict is not ``allow``), counting
    how many it scored. Overlong texts are scored on their first ``max_chars`` characters."""

    def __init__(self, detector, max_chars: int | None = None):
        self.detector = detector
        self.limit = max_chars or detector.max_chars
        self.count = 0

    def __call__(self, texts: list[str]) -> list[bool]:
        self.count += len(texts)
        flags: list[bool] = []
        for i in range(0, len(texts), 2_000):
            batch = [t[: self.limit] for t in texts[i : i + 2_000]]
            flags.extend(
                a.verdict != "allow"
                for a in self.detector.score_messages(batch, with_contacts=False)
            )
        return flags


def prepare_reports(
    chunk: pd.DataFrame,
    columns: ColumnMap = ColumnMap(),
    *,
    now: datetime | None = None,
    score_texts: Callable[[list[str]], list[bool]] | None = None,
    first_line: int = 2,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Accepted reports (:data:`PREPARED_COLUMNS`) and rejects (``line``, ``reason``,
    ``contact``) of one partition. ``first_line`` is the input line of the chunk's first row
    (2 for a CSV whose header is line 1)."""
    columns.check(chunk.columns)
    now_ts = pd.Timestamp(now or datetime.now(UTC))
    now_ts = now_ts.tz_localize("UTC") if now_ts.tzinfo is None else now_ts.tz_convert("UTC")
    lines = pd.Series(np.arange(first_line, first_line + len(chunk)), index=chunk.index)
    raw = _column(chunk, columns.contact)
    types, normalized, reason = _parse_unique(raw, _column(chunk, columns.type).str.strip())

    when_text = _column(chunk, columns.reported_at).str.strip()
    when = pd.to_datetime(when_text, errors="coerce", utc=True, format="mixed")
    when = when.where(when_text != "", now_ts)  # no date: counted as reported now
    bad_date = when.isna() | (when < EARLIEST)
    reason = reason.mask((reason == "") & bad_date, "bad_date")
    reason = reason.mask((reason == "") & (when > now_ts + pd.Timedelta(days=1)), "future_date")

    ok = reason == ""
    rejects = pd.DataFrame(
        {"line": lines[~ok], "reason": reason[~ok], "contact": raw[~ok].str.slice(0, 200)}
    ).reset_index(drop=True)
    reporter = _column(chunk, columns.reporter_id)[ok]
    prepared = pd.DataFrame(
        {
            "type": types[ok],
            "normalized": normalized[ok],
            "reported_at": when[ok].clip(upper=now_ts),
            # Only distinct counts are needed: ids stay in memory, never in outputs.
            "reporter_hash": reporter.where(reporter.str.strip() != "", None),
            "flagged": _flag_texts(_column(chunk, columns.text)[ok], score_texts),
            "raw": raw[ok],
        }
    ).reset_index(drop=True)
    return prepared, rejects


def daily_counts(prepared: pd.DataFrame) -> pd.DataFrame:
    if prepared.empty:
        return pd.DataFrame(
            {"date": pd.Series([], dtype="datetime64[ns]"), "reports": [], "flagged": []}
        )
    day = prepared["reported_at"].dt.tz_convert("UTC").dt.tz_localize(None).dt.floor("D")
    table = (
        pd.DataFrame({"date": day, "flagged": (prepared["flagged"] == 1.0).astype(int)})
        .groupby("date")
        .agg(reports=("flagged", "size"), flagged=("flagged", "sum"))
        .reset_index()
    )
    return table


def summarize_contacts(
    prepared: pd.DataFrame,
    checker: ContactChecker,
    *,
    now: datetime | None = None,
) -> pd.DataFrame:
    """One ranked row per contact (:data:`CONTACT_COLUMNS`)."""
    now = now or datetime.now(UTC)
    if prepared.empty:
        return pd.DataFrame(columns=list(CONTACT_COLUMNS))
    stats = aggregate_reports(prepared, now=now)
    keys = list(stats.index)
    registry = checker.registry
    infos = []
    official = []
    for type_, value in keys:
        infos.append(checker.numbers.analyze(value) if type_ in ("phone", "short_number") else None)
        official.append(bool(registry.lookup((type_, value))))
    line_class = [i.line_class if i is not None else "" for i in infos]
    features = number_features(
        stats,
        now,
        line_class=[lc or "unknown" for lc in line_class],
        valid=[bool(i.valid) if i is not None else False for i in infos],
        official=official,
    )
    model = checker.number_model
    risk = model.predict_risk(features) if model is not None else np.zeros(len(keys))

    rows = []
    records = stats.to_dict("records")
    for (type_, value), info, r, srow in zip(keys, infos, risk, records, strict=True):
        a = checker.assess(
            Contact(type_, value, value),
            stats=stats_from_row(srow),
            now=now,
            risk=float(r),
            info=info,
        )
        rows.append(
            (
                a.verdict,
                ";".join(a.official_for),
                ";".join(x.code for x in a.reasons),
                "; ".join(x.message for x in a.reasons),
            )
        )
    out = pd.DataFrame(
        {
            "type": [k[0] for k in keys],
            "contact": [k[1] for k in keys],
            "line_class": line_class,
            "region": [(i.region or "") if i is not None else "" for i in infos],
            "carrier": [(i.carrier or "") if i is not None else "" for i in infos],
            "reports": stats["count"].to_numpy(),
            "distinct_reporters": stats["distinct_reporters"].to_numpy(),
            "first_seen": stats["first_seen"].to_numpy(),
            "last_seen": stats["last_seen"].to_numpy(),
            "count_7d": stats["count_7d"].to_numpy(),
            "count_30d": stats["count_30d"].to_numpy(),
            "flagged_share": stats["flagged_share"].to_numpy().round(4),
            "weighted": stats["weighted"].to_numpy().round(4),
            "risk": np.round(risk, 4),
            "verdict": [r[0] for r in rows],
            "official_for": [r[1] for r in rows],
            "reason_codes": [r[2] for r in rows],
            "reasons": [r[3] for r in rows],
        }
    )
    order = out["verdict"].map(VERDICT_ORDER)
    out = (
        out.assign(_order=order)
        .sort_values(
            ["_order", "risk", "distinct_reporters", "contact"],
            ascending=[True, False, False, True],
        )
        .drop(columns="_order")
        .reset_index(drop=True)
    )
    out.insert(0, "rank", np.arange(1, len(out) + 1))
    return out


def build_summary(
    contacts: pd.DataFrame,
    rejects: pd.DataFrame,
    prepared: pd.DataFrame,
    *,
    rows_read: int,
    texts_scored: int,
    engine: str,
    now: datetime,
    seconds: float,
    source: str,
) -> dict[str, Any]:
    return {
        "input": source,
        "engine": engine,
        "now": now.isoformat(),
        "seconds": round(seconds, 2),
        "rows_read": int(rows_read),
        "rows_rejected": len(rejects),
        "rejects_by_reason": {str(k): int(v) for k, v in rejects["reason"].value_counts().items()}
        if len(rejects)
        else {},
        "contacts": len(contacts),
        "by_verdict": {str(k): int(v) for k, v in contacts["verdict"].value_counts().items()}
        if len(contacts)
        else {},
        "by_line_class": {
            str(k or "not_a_number"): int(v)
            for k, v in contacts["line_class"].value_counts().items()
        }
        if len(contacts)
        else {},
        "reports_with_text": int(prepared["flagged"].notna().sum()) if len(prepared) else 0,
        "texts_scored": int(texts_scored),
        "anonymous_weight": ANONYMOUS_WEIGHT,
    }


def audit_frame(
    reports: pd.DataFrame,
    checker: ContactChecker,
    *,
    detector=None,
    columns: ColumnMap = ColumnMap(),
    now: datetime | None = None,
    source: str = "dataframe",
) -> AuditResult:
    """The whole audit of a reports DataFrame in memory (tests, notebooks, small files)."""
    import time

    t0 = time.perf_counter()
    now = now or datetime.now(UTC)
    scorer = TextScorer(detector) if detector is not None else None
    prepared, rejects = prepare_reports(reports, columns, now=now, score_texts=scorer)
    contacts = summarize_contacts(prepared, checker, now=now)
    summary = build_summary(
        contacts,
        rejects,
        prepared,
        rows_read=len(reports),
        texts_scored=scorer.count if scorer else 0,
        engine="pandas",
        now=now,
        seconds=time.perf_counter() - t0,
        source=source,
    )
    return AuditResult(contacts, rejects, summary, daily_counts(prepared))
