"""Batch audits of reported contacts: user reports in, one ranked verdict per contact out.

Two pure steps, so the same code runs on one machine (pandas) or partition by partition
(Dask, ``detector/audit_dask.py``):

1. :func:`prepare_reports` — per partition: map the input columns, parse each *distinct*
   contact once, read dates, reject bad rows with a reason (nothing is dropped silently),
   and flag report texts with the message model (each distinct text, digits folded, scored
   once). Output: one small row per accepted report.
2. :func:`summarize_contacts` — over all prepared rows: report aggregates (those of
   :func:`detector.reports.aggregate_reports`, grouped by integer codes of the contacts
   and reporters), number intelligence for each distinct number, registry facts, the
   number risk model in one vectorized call, then the verdict and reasons of
   :class:`detector.contact_check.ContactChecker` with that risk; ranked by verdict and
   risk. Official contacts that are being reported come out as ``spoofing_suspected`` /
   ``malicious_marking`` and are never flagged.

Both steps work on whole columns: contacts are parsed and numbers analyzed by the
vectorized paths of :mod:`detector.bulk` (which give what ``parse_contact`` and
``NumberAnalyzer.analyze`` give), and ``ContactChecker.assess`` runs once per distinct
combination of its inputs. ``tests/detector/audit_reference.py`` keeps the audit as it was
one contact at a time; ``tests/detector/test_audit_fast.py`` checks both agree.

:func:`audit_frame` chains both for a DataFrame in memory; the CLI streams a file through
step 1 in chunks with a checkpoint (``detector/audit_io.py``), using a second process
(:mod:`detector.forked`) for half of each step on large inputs.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from detector.bulk import analyze_many, compact_many, number_info, parse_series
from detector.contact_check import ContactChecker
from detector.errors import InvalidInputError
from detector.forked import Forked, ForkFailed, can_fork
from detector.number_model import number_features
from detector.reports import ANONYMOUS_WEIGHT, HALF_LIFE_DAYS, STATS_COLUMNS, stats_from_row
from detector.results import Contact

#: Reports dated before this are impossible for a phone-scam audit (and usually a parse slip).
EARLIEST = pd.Timestamp("2000-01-01", tz="UTC")
_NUMBER_TYPES = ("phone", "short_number")
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
    return pd.Series("", index=chunk.index, dtype="str")


#: ``YYYY-MM-DD HH:MM:SS`` with fields in range (strptime would also take second 60 and 61,
#: which the "mixed" reader rejects).
_DATE_TIME = (
    r"(?:19|20)[0-9]{2}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01]) "
    r"(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]"
)


class _ParseCache:
    """Process-wide answers of :func:`detector.bulk.parse_one` for contacts that are not
    plain mobiles (those are cheaper to read again than to look up): the same contacts
    come back chunk after chunk. Emptied when it grows past ``max_entries``."""

    def __init__(self, max_entries: int = 1_000_000):
        self.max_entries = max_entries
        self.by_key: dict[tuple[str, str], tuple[str, str, str]] = {}

    def __len__(self) -> int:
        return len(self.by_key)

    def since(self, size: int) -> list | None:
        """The entries added after the cache had ``size`` entries (None if emptied since)."""
        if len(self.by_key) < size:
            return None
        return list(itertools.islice(self.by_key.items(), size, None))

    def add(self, entries: list | None) -> None:
        """Add entries (of :meth:`since` in another process)."""
        if entries and len(self.by_key) + len(entries) <= self.max_entries:
            self.by_key.update(entries)

    def lookup(self, values: pd.Series, types: pd.Series) -> tuple[pd.Series, ...]:
        """type, normalized and reject reason (string Series) of each row: each distinct
        contact as written compacted and parsed once."""
        values, types = values.astype("str"), types.astype("str")
        if len(self.by_key) > self.max_entries:
            self.by_key.clear()
        type_codes, type_values = pd.factorize(types)
        parts: list[list[pa.Array]] = [[], [], []]
        index = np.zeros(len(values), dtype=np.int64)
        offset = 0
        for code, t in enumerate(type_values):
            rows = np.flatnonzero(type_codes == code) if len(type_values) > 1 else slice(None)
            encoded = pc.dictionary_encode(_arrow(values.iloc[rows]))
            parsed = parse_series(
                compact_many(pd.Series(encoded.dictionary, dtype="str")), t, self.by_key
            )
            index[rows] = offset + np.asarray(encoded.indices, dtype=np.int64)
            for part, p in zip(parts, parsed, strict=True):
                part.append(_arrow(p))
            offset += len(encoded.dictionary)
        take = pa.array(index)
        return tuple(
            pd.Series(
                (pa.concat_arrays(p) if p else pa.array([], pa.large_string())).take(take),
                index=values.index,
                dtype="str",
            )
            for p in parts
        )


def _arrow(series: pd.Series) -> pa.Array:
    return series.array.__arrow_array__().combine_chunks()


_PARSED = _ParseCache()


def _parse_unique(values: pd.Series, types: pd.Series) -> tuple[pd.Series, pd.Series, pd.Series]:
    """type, normalized and reject reason per row (:func:`detector.bulk.parse_one`); each
    distinct contact as written compacted and parsed once per process."""
    return _PARSED.lookup(values, types)


def _read_dates(when_text: pd.Series) -> pd.Series:
    """``pd.to_datetime(when_text, errors="coerce", utc=True, format="mixed")``, with the
    common ``YYYY-MM-DD HH:MM:SS`` read by its format first (same values, 2× faster)."""
    mixed = {"errors": "coerce", "utc": True, "format": "mixed"}
    plain = np.array(when_text.str.fullmatch(_DATE_TIME).fillna(False), dtype=bool)
    if not plain.any():
        return pd.to_datetime(when_text, **mixed)
    when = pd.to_datetime(
        when_text.where(plain, ""), errors="coerce", utc=True, format="%Y-%m-%d %H:%M:%S"
    )
    if when.isna().all():
        return pd.to_datetime(when_text, **mixed)
    rest = ~plain | when.isna().to_numpy()
    if rest.any():
        other = pd.to_datetime(when_text[rest], **mixed)
        if other.notna().any() and other.dtype != when.dtype:
            return pd.to_datetime(when_text, **mixed)  # another resolution: as one column
        when[rest] = other.astype(when.dtype)
    return when


def _flag_texts(texts: pd.Series, score: Callable[[list[str]], list[bool]] | None) -> pd.Series:
    """1.0/0.0 for texts the message model flags/does not, NaN without text.

    Each distinct text is scored once, digits folded to 0 first: the model masks digits
    anyway, and a scam campaign sends the same template with other amounts and numbers.
    """
    out = pd.Series(np.nan, index=texts.index, dtype=float)
    has = texts.str.strip() != ""
    if score is None or not has.any():
        return out
    keys = texts[has].str.replace(_DIGITS.pattern, "0", regex=True)
    codes, distinct = pd.factorize(keys)
    flags = np.asarray(score(list(distinct)), dtype=float)
    out[has] = flags[codes]
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
    when = _read_dates(when_text)
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


@dataclass(frozen=True)
class _Coded:
    """Prepared reports with each contact as an integer: row ``i`` reports contact
    ``key[i]``, that is ``(types[key[i]], values[key[i]])``. Keys follow (type, contact)
    order, the order of :func:`detector.reports.aggregate_reports`."""

    key: np.ndarray
    types: np.ndarray
    values: np.ndarray
    reported_at: pd.Series
    reporter: pd.Series
    flagged: np.ndarray

    @classmethod
    def of(cls, prepared: pd.DataFrame) -> _Coded:
        value_code, values = pd.factorize(prepared["normalized"].astype("str"), sort=True)
        type_code, types = pd.factorize(prepared["type"].astype("str"), sort=True)
        key, pairs = pd.factorize(type_code.astype(np.int64) * len(values) + value_code, sort=True)
        return cls(
            key,
            np.asarray(types, dtype=object)[pairs // len(values)],
            np.asarray(values, dtype=object)[pairs % len(values)],
            prepared["reported_at"].reset_index(drop=True),
            prepared["reporter_hash"].reset_index(drop=True),
            pd.to_numeric(prepared["flagged"], errors="coerce").to_numpy(float),
        )


def _report_stats(reports: _Coded, now: datetime) -> pd.DataFrame:
    """``aggregate_reports(prepared, now=now)`` indexed by contact key: the same values,
    computed the same way (the same pandas reductions over rows in the same order), with
    contacts and reporters grouped as integers (strings cost 4× more to group)."""
    now_ts = pd.Timestamp(now)
    now_ts = now_ts.tz_localize("UTC") if now_ts.tzinfo is None else now_ts.tz_convert("UTC")
    at = pd.to_datetime(reports.reported_at, utc=True)
    age_days = ((now_ts - at).dt.total_seconds() / 86400.0).clip(lower=0.0)
    df = pd.DataFrame(
        {
            "key": reports.key,
            "at": at,
            "flagged": reports.flagged,
            "decay": np.power(0.5, age_days / HALF_LIFE_DAYS),
            "in7": age_days <= 7,
            "in30": age_days <= 30,
        }
    )
    out = df.groupby("key", sort=True).agg(
        count=("at", "size"),
        first_seen=("at", "min"),
        last_seen=("at", "max"),
        count_7d=("in7", "sum"),
        count_30d=("in30", "sum"),
        flagged_share=("flagged", "mean"),
    )
    reporter, names = pd.factorize(reports.reporter)
    named = reporter >= 0
    # Each reporter counts once per contact: their freshest report (groups in order of first
    # appearance, as aggregate_reports groups them).
    pair = reports.key[named].astype(np.int64) * max(len(names), 1) + reporter[named]
    per_reporter = df["decay"][named].groupby(pair, sort=False).max()
    owner = per_reporter.index.to_numpy() // max(len(names), 1)
    anon = df[~named]
    out["distinct_reporters"] = per_reporter.groupby(owner).size().reindex(
        out.index, fill_value=0
    ) + anon.groupby("key").size().reindex(out.index, fill_value=0)
    out["weighted"] = per_reporter.groupby(owner).sum().reindex(out.index, fill_value=0.0) + (
        anon.groupby("key")["decay"].sum() * ANONYMOUS_WEIGHT
    ).reindex(out.index, fill_value=0.0)
    out["flagged_share"] = out["flagged_share"].fillna(0.0)
    for col in ("count", "count_7d", "count_30d", "distinct_reporters"):
        out[col] = out[col].astype("int64")
    return out[list(STATS_COLUMNS)]


def _numbers_of(checker: ContactChecker, types: np.ndarray, values: np.ndarray):
    """Number intelligence (:func:`detector.bulk.analyze_many` columns) of every phone and
    short number among the contacts, each distinct value analyzed once; other rows None."""
    rows = np.flatnonzero(np.isin(types, _NUMBER_TYPES))
    codes, distinct = pd.factorize(values[rows])
    found = analyze_many(checker.numbers, list(distinct))
    columns = {}
    for name, column in found.items():
        full = np.full(len(values), None, dtype=object)
        full[rows] = column[codes]
        columns[name] = full
    return rows, columns


def _in_registry(registry, types: np.ndarray, values: np.ndarray) -> np.ndarray:
    """``bool(registry.lookup((type, value)))`` of each contact."""
    listed = {c.key for c in registry.contacts}
    found = np.zeros(len(values), dtype=bool)
    maybe = np.flatnonzero(pd.Series(values).isin([v for _, v in listed]).to_numpy())
    found[maybe] = [(types[i], values[i]) in listed for i in maybe.tolist()]
    return found


def _signature_codes(columns: list[np.ndarray]) -> np.ndarray:
    """One int code per row for each distinct combination of the columns' values."""
    code = np.zeros(len(columns[0]), dtype=np.int64)
    for column in columns:
        part, uniques = pd.factorize(column, use_na_sentinel=False)
        code, _ = pd.factorize(code * max(len(uniques), 1) + part)
    return code


def summarize_contacts(
    prepared: pd.DataFrame,
    checker: ContactChecker,
    *,
    now: datetime | None = None,
    parallel: bool = False,
) -> pd.DataFrame:
    """One ranked row per contact (:data:`CONTACT_COLUMNS`).

    Vectorized: numbers are analyzed with :func:`detector.bulk.analyze_many`, the risk model
    runs once, and :meth:`ContactChecker.assess` runs once per distinct combination of what
    it reads (type; the contact itself for URLs and official contacts; line class and
    number reasons; count, distinct reporters and 30-day count; the flagged share of an
    official contact; which thresholds the risk reaches); its verdict and reasons are then
    those of every contact with that combination.

    ``parallel``: on a large input, half of the contacts are summarized in a forked child
    process (:mod:`detector.forked`) while this process does the other half; contacts are
    independent, so the answer is the same.
    """
    now = now or datetime.now(UTC)
    if prepared.empty:
        return pd.DataFrame(columns=list(CONTACT_COLUMNS))
    out = _contact_rows_in_halves(prepared, checker, now) if parallel else None
    if out is None:
        out = _contact_rows(prepared, checker, now)
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


#: Below this many prepared rows the contacts are summarized in this process only.
PARALLEL_MIN_ROWS = 200_000
#: The prepared columns a summary reads.
_SUMMARIZED = ("type", "normalized", "reported_at", "reporter_hash", "flagged")


def _contact_rows_in_halves(
    prepared: pd.DataFrame, checker: ContactChecker, now: datetime
) -> pd.DataFrame | None:
    """:func:`_contact_rows`, half of the contacts in a forked child; None when not worth
    it or not possible here."""
    if len(prepared) < PARALLEL_MIN_ROWS or not can_fork():
        return None
    # Halves by the contact value's last character: quick to find, and all the rows of one
    # value (under any type) land in the same half.
    value = _arrow(prepared["normalized"].astype("str"))
    last = pc.dictionary_encode(pc.utf8_slice_codeunits(value, -1))
    half = (np.asarray(last.indices) % 2).astype(bool)
    if half.all() or not half.any():
        return None
    prepared = prepared[list(_SUMMARIZED)]
    try:
        child = Forked(_contact_rows_of_half, prepared, half, checker, now)
    except ForkFailed:
        return None
    try:
        mine = _contact_rows(prepared[~half], checker, now)
    except BaseException:
        child.cancel()
        raise
    try:
        theirs = child.result()
    except ForkFailed:
        theirs = _contact_rows(prepared[half], checker, now)
    # Rows of one contact value (under several types) are all in one half, in the order of
    # one summary of all rows: the stable ranking sort then breaks ties as it would there.
    return pd.concat([mine, theirs], ignore_index=True)


def _contact_rows_of_half(
    prepared: pd.DataFrame, half: np.ndarray, checker: ContactChecker, now: datetime
) -> pd.DataFrame:
    from threadpoolctl import threadpool_limits

    # One thread in the child: the parent works on the other core (and OpenMP's thread
    # pool does not survive a fork).
    with threadpool_limits(limits=1):
        return _contact_rows(prepared[half], checker, now)


def _contact_rows(prepared: pd.DataFrame, checker: ContactChecker, now: datetime) -> pd.DataFrame:
    """The rows of :func:`summarize_contacts` before ranking, ordered by type and contact."""
    reports = _Coded.of(prepared)
    stats = _report_stats(reports, now)
    n = len(stats)
    types, values = reports.types[stats.index], reports.values[stats.index]
    number_rows, numbers = _numbers_of(checker, types, values)
    is_number = np.zeros(n, dtype=bool)
    is_number[number_rows] = True
    official = _in_registry(checker.registry, types, values)
    line_class = np.where(is_number, numbers["line_class"], "")
    features = number_features(
        stats,
        now,
        line_class=[lc or "unknown" for lc in line_class.tolist()],
        valid=[bool(v) for v in np.where(is_number, numbers["valid"], False).tolist()],
        official=official.tolist(),
    )
    model = checker.number_model
    risk = model.predict_risk(features) if model is not None else np.zeros(n)

    # The same thresholds ContactChecker.assess compares the risk with.
    thresholds = model.thresholds if model is not None else {}
    known_at = thresholds.get("known_scam", 0.9)
    suspicious_at = thresholds.get("suspicious", 0.5)
    itself = official | (types == "url")
    flagged = stats["flagged_share"].to_numpy(dtype=float)
    signature = _signature_codes(
        [
            types,
            np.where(itself, values, ""),
            line_class,
            numbers["reasons"],
            stats["count"].to_numpy(),
            stats["distinct_reporters"].to_numpy(),
            stats["count_30d"].to_numpy(),
            np.where(official, flagged, -1.0),
            risk >= known_at,
            risk >= suspicious_at,
        ]
    )
    _, first = np.unique(signature, return_index=True)
    assessed = []
    for r, srow in zip(first.tolist(), stats.iloc[first].to_dict("records"), strict=True):
        info = number_info(values[r], numbers, r) if is_number[r] else None
        a = checker.assess(
            Contact(types[r], values[r], values[r]),
            stats=stats_from_row(srow),
            now=now,
            risk=float(risk[r]),
            info=info,
        )
        assessed.append(
            (
                a.verdict,
                ";".join(a.official_for),
                ";".join(x.code for x in a.reasons),
                "; ".join(x.message for x in a.reasons),
            )
        )
    answers = np.empty((4, len(first)), dtype=object)
    answers[:] = np.array(assessed, dtype=object).T

    def text(column) -> list[str]:
        return [v or "" for v in column.tolist()]

    out = pd.DataFrame(
        {
            "type": types.tolist(),
            "contact": values.tolist(),
            "line_class": line_class.tolist(),
            "region": text(numbers["region"]),
            "carrier": text(numbers["carrier"]),
            "reports": stats["count"].to_numpy(),
            "distinct_reporters": stats["distinct_reporters"].to_numpy(),
            "first_seen": stats["first_seen"].array,
            "last_seen": stats["last_seen"].array,
            "count_7d": stats["count_7d"].to_numpy(),
            "count_30d": stats["count_30d"].to_numpy(),
            "flagged_share": stats["flagged_share"].to_numpy().round(4),
            "weighted": stats["weighted"].to_numpy().round(4),
            "risk": np.round(risk, 4),
            "verdict": answers[0][signature].tolist(),
            "official_for": answers[1][signature].tolist(),
            "reason_codes": answers[2][signature].tolist(),
            "reasons": answers[3][signature].tolist(),
        }
    )
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
