"""User reports of a contact, and what they add up to.

A report says "this contact tried to scam me". Reports are noisy evidence: people mis-report
busy legitimate lines, report a platform's real hotline because a scammer spoofed it, and
file the same complaint five times. So the aggregate is built to resist that:

* each **reporter** counts once per contact, however often they report it (their newest
  report is the one that counts); reports without a reporter id count half each;
* evidence **decays** with a half-life (30 days by default), so a number reassigned to a new
  owner stops carrying its old reports;
* two reports never condemn a number on their own: the number model (number_model.py) turns
  the aggregate into a risk, and the contact verdict asks for several distinct reporters
  before it says ``known_scam`` (contact_check.py).

:func:`aggregate_reports` is the one implementation (vectorized, pandas); audits call it on
millions of rows, the service on the few reports of one contact via :func:`stats_for`.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from detector.errors import InvalidInputError
from detector.results import ReportStats

if TYPE_CHECKING:  # imported where used: the service's request path needs no pandas
    import pandas as pd

#: What a reporter may say the contact did.
REPORT_CATEGORIES = (
    "fake_customer_service",
    "impersonation",
    "phishing",
    "payment_fraud",
    "harassment",
    "marketing",
    "other",
)
REPORT_CHANNELS = ("call", "sms", "chat", "email", "qq", "wechat", "web", "other")
HALF_LIFE_DAYS = 30.0
ANONYMOUS_WEIGHT = 0.5
MAX_REPORT_TEXT = 5_000

#: Columns of the reports frame that :func:`aggregate_reports` reads.
KEY_COLUMNS = ("type", "normalized")
STATS_COLUMNS = (
    "count",
    "distinct_reporters",
    "first_seen",
    "last_seen",
    "count_7d",
    "count_30d",
    "flagged_share",
    "weighted",
)


def hash_reporter(reporter_id: str, salt: str) -> str:
    """A keyed hash of a reporter id: stable per deployment, not reversible without the salt."""
    if not salt:
        raise InvalidInputError("a reporter salt is required to store reporter ids")
    return hmac.new(salt.encode(), reporter_id.encode(), hashlib.sha256).hexdigest()[:32]


@dataclass(frozen=True, slots=True)
class Report:
    """One user report, as stored (the reporter id is already hashed)."""

    type: str
    normalized: str
    reported_at: datetime
    reporter_hash: str | None = None
    channel: str = "other"
    category: str = "other"
    text: str | None = None
    flagged: bool | None = None  # did the message model flag ``text``?


def _utc(series: pd.Series) -> pd.Series:
    import pandas as pd

    return pd.to_datetime(series, utc=True)


def aggregate_reports(
    reports: pd.DataFrame,
    now: datetime | None = None,
    half_life_days: float = HALF_LIFE_DAYS,
) -> pd.DataFrame:
    """Per-contact aggregates of a reports frame.

    ``reports`` needs ``type``, ``normalized``, ``reported_at`` (datetime-like) and may have
    ``reporter_hash`` and ``flagged`` (bool or missing). Returns one row per
    ``(type, normalized)`` with :data:`STATS_COLUMNS`; ``first_seen``/``last_seen`` are UTC
    timestamps. Reports dated after ``now`` are counted as of ``now``.
    """
    import numpy as np
    import pandas as pd

    now_ts = pd.Timestamp(now or datetime.now(UTC))
    now_ts = now_ts.tz_localize("UTC") if now_ts.tzinfo is None else now_ts.tz_convert("UTC")
    if reports.empty:
        empty = pd.DataFrame(columns=[*KEY_COLUMNS, *STATS_COLUMNS])
        return empty.set_index(list(KEY_COLUMNS))
    df = pd.DataFrame(
        {
            "type": reports["type"].astype(str).array,
            "normalized": reports["normalized"].astype(str).array,
            "at": _utc(reports["reported_at"]).array,
        }
    )
    df["at"] = pd.to_datetime(df["at"], utc=True)
    reporter = reports.get("reporter_hash")
    df["reporter"] = None if reporter is None else reporter.to_numpy()
    flagged = reports.get("flagged")
    df["flagged"] = (
        np.nan if flagged is None else pd.to_numeric(flagged, errors="coerce").to_numpy(float)
    )

    age_days = ((now_ts - df["at"]).dt.total_seconds() / 86400.0).clip(lower=0.0)
    df["age"] = age_days
    df["decay"] = np.power(0.5, age_days / half_life_days)
    df["in7"] = age_days <= 7
    df["in30"] = age_days <= 30

    keys = list(KEY_COLUMNS)
    grouped = df.groupby(keys, sort=True)
    out = grouped.agg(
        count=("at", "size"),
        first_seen=("at", "min"),
        last_seen=("at", "max"),
        count_7d=("in7", "sum"),
        count_30d=("in30", "sum"),
        flagged_share=("flagged", "mean"),
    )
    named = df[df["reporter"].notna()]
    # Each reporter counts once per contact: their freshest report.
    per_reporter = named.groupby([*keys, "reporter"], sort=False)["decay"].max()
    distinct = per_reporter.groupby(level=keys).size()
    weighted_named = per_reporter.groupby(level=keys).sum()
    anon = df[df["reporter"].isna()]
    weighted_anon = anon.groupby(keys)["decay"].sum() * ANONYMOUS_WEIGHT
    anon_count = anon.groupby(keys).size()

    out["distinct_reporters"] = distinct.reindex(out.index, fill_value=0) + anon_count.reindex(
        out.index, fill_value=0
    )
    out["weighted"] = weighted_named.reindex(out.index, fill_value=0.0) + weighted_anon.reindex(
        out.index, fill_value=0.0
    )
    out["flagged_share"] = out["flagged_share"].fillna(0.0)
    for col in ("count", "count_7d", "count_30d", "distinct_reporters"):
        out[col] = out[col].astype("int64")
    return out[list(STATS_COLUMNS)]


def stats_from_row(row: pd.Series | dict) -> ReportStats:
    """One row of :func:`aggregate_reports` as a :class:`ReportStats`."""
    import numpy as np
    import pandas as pd

    def iso(value: object) -> str | None:
        if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NaT:
            return None
        return pd.Timestamp(value).isoformat()

    return ReportStats(
        count=int(row["count"]),
        distinct_reporters=int(row["distinct_reporters"]),
        first_seen=iso(row["first_seen"]),
        last_seen=iso(row["last_seen"]),
        count_7d=int(row["count_7d"]),
        count_30d=int(row["count_30d"]),
        flagged_share=float(row["flagged_share"]),
        weighted=float(row["weighted"]),
    )


def reports_frame(reports: Iterable[Report]) -> pd.DataFrame:
    import pandas as pd

    rows = [
        {
            "type": r.type,
            "normalized": r.normalized,
            "reported_at": r.reported_at,
            "reporter_hash": r.reporter_hash,
            "flagged": r.flagged,
        }
        for r in reports
    ]
    columns = ["type", "normalized", "reported_at", "reporter_hash", "flagged"]
    return pd.DataFrame(rows, columns=columns)


def stats_for(
    reports: Iterable[Report], now: datetime | None = None, half_life_days: float = HALF_LIFE_DAYS
) -> ReportStats:
    """The aggregate of the reports of *one* contact (empty → all zeros)."""
    frame = reports_frame(reports)
    if frame.empty:
        return ReportStats()
    keys = frame[list(KEY_COLUMNS)].drop_duplicates()
    if len(keys) != 1:
        raise InvalidInputError("stats_for() takes the reports of one contact")
    table = aggregate_reports(frame, now=now, half_life_days=half_life_days)
    return stats_from_row(table.iloc[0])


MAX_REPORT_ROWS = 1_000_000
MIN_SALT_CHARS = 16


def read_reports_csv(
    path,
    detector,
    *,
    contact_column: str = "contact",
    salt: str,
    chunk_rows: int = 10_000,
) -> tuple[list[Report], dict[str, int]]:
    """Read a reports CSV into :class:`Report` values; bad rows are counted by reason.

    Columns: ``contact`` (required), ``reported_at`` (ISO date/time, default now),
    ``reporter_id``, ``category``, ``text``, ``channel``. Texts are scored with the message
    model (``flagged`` = its verdict is not ``allow``).
    """
    from pathlib import Path

    import pandas as pd

    from detector.batch import readable_csv
    from detector.contacts import parse_contact

    path = Path(path)
    if not path.is_file():
        raise InvalidInputError(f"file not found: {path}", path=str(path))
    if len(salt or "") < MIN_SALT_CHARS:
        raise InvalidInputError(
            f"a reporter salt of at least {MIN_SALT_CHARS} characters is needed before storing "
            "reports (KEFUGUARD_REPORTER_SALT): reporter ids are kept only as keyed hashes"
        )
    now = datetime.now(UTC)
    reports: list[Report] = []
    rejects: dict[str, int] = {}
    with readable_csv(path.name):
        chunks = pd.read_csv(
            path, dtype=str, keep_default_na=False, chunksize=chunk_rows, encoding="utf-8"
        )
        total = 0
        for chunk in chunks:
            if contact_column not in chunk.columns:
                raise InvalidInputError(
                    f"no column {contact_column!r} in {path.name}",
                    columns=list(chunk.columns),
                )
            total += len(chunk)
            if total > MAX_REPORT_ROWS:
                raise InvalidInputError(f"more than {MAX_REPORT_ROWS} rows; use `kefuguard audit`")
            texts = chunk["text"].tolist() if "text" in chunk else [""] * len(chunk)
            scorable = [t if 0 < len(t) <= detector.max_chars else "" for t in texts]
            verdicts = [a.verdict for a in detector.score_messages(scorable, with_contacts=False)]
            for i, row in enumerate(chunk.to_dict("records")):
                reason = None
                try:
                    contact = parse_contact(row[contact_column])
                except InvalidInputError:
                    reason = "bad_contact"
                when = row.get("reported_at") or ""
                try:
                    at = pd.Timestamp(when).to_pydatetime() if when else now
                    at = at if at.tzinfo else at.replace(tzinfo=UTC)
                except (ValueError, OverflowError):
                    reason = reason or "bad_date"
                if reason is None and at > now:
                    reason = "future_date"
                if reason:
                    rejects[reason] = rejects.get(reason, 0) + 1
                    continue
                category = row.get("category") or "other"
                channel = row.get("channel") or "other"
                text = texts[i] or None
                reports.append(
                    Report(
                        type=contact.type,
                        normalized=contact.normalized,
                        reported_at=at,
                        reporter_hash=hash_reporter(row["reporter_id"], salt)
                        if row.get("reporter_id")
                        else None,
                        channel=channel if channel in REPORT_CHANNELS else "other",
                        category=category if category in REPORT_CATEGORIES else "other",
                        text=text[:MAX_REPORT_TEXT] if text else None,
                        flagged=(verdicts[i] != "allow") if scorable[i] else None,
                    )
                )
    return reports, rejects
