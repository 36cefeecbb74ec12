"""The audit as it was before its vectorized paths (kept as the oracle of the equality tests
in test_audit_fast.py): every distinct contact parsed with ``parse_contact``, every number
analyzed with ``NumberAnalyzer.analyze``, ``ContactChecker.assess`` called per contact."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from functools import lru_cache

import numpy as np
import pandas as pd

from detector.audit import CONTACT_COLUMNS, EARLIEST, VERDICT_ORDER, ColumnMap
from detector.contact_check import ContactChecker
from detector.contacts import MAX_CONTACT_CHARS, parse_contact
from detector.errors import InvalidInputError
from detector.number_model import number_features
from detector.reports import aggregate_reports, stats_from_row
from detector.results import CONTACT_TYPES, Contact

_DIGITS = re.compile(r"[0-9０-９]")


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


def prepare_reports(
    chunk: pd.DataFrame,
    columns: ColumnMap = ColumnMap(),  # noqa: B008 - frozen
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
