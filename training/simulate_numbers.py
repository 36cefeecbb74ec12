"""Simulated labelled numbers for the number risk model, from the priors in number_priors.yaml.

No public labelled set of Chinese phone numbers exists, so the shipped number model learns
from numbers drawn here. Every figure comes from ``training/number_priors.yaml``, where each
prior states its source (mostly: an assumption, and why).

Per number: a label (scam | benign) and, for benign numbers, what kind of legitimate number
it is (ordinary, busy line, reassigned, spoofed official…); a line class and a synthetic
number string of that segment; then raw reports — timestamps over the window, reporter ids
with repeats and anonymous reports, a flagged bit per report text. The reports are
aggregated by :func:`detector.reports.aggregate_reports` (the one implementation, not a
copy) and turned into features by :func:`detector.number_model.number_features`.

Deterministic for a seed. ``python -m training.simulate_numbers --n 1000 --out sim.csv``
writes a CSV.
"""

from __future__ import annotations

import argparse
import hashlib
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from detector.errors import ConfigError
from detector.number_model import LINE_CLASSES, UNKNOWN_LINE_CLASS, number_features
from detector.reports import aggregate_reports

REPO = Path(__file__).resolve().parent.parent
PRIORS_FILE = REPO / "training" / "number_priors.yaml"
#: The fixed "now" of the shipped simulation (reports are dated before it).
SIM_NOW = datetime(2025, 6, 1, tzinfo=UTC)
BENIGN_KINDS = (
    "ordinary",
    "busy_line",
    "reassigned",
    "spoofed_official",
    "brigaded",
    "spoofed_unlisted",
)
#: Priors that are shares over line classes.
LINE_CLASS_PRIORS = (
    "line_class_scam",
    "line_class_benign",
    "line_class_busy_line",
    "line_class_reassigned",
    "line_class_spoofed_official",
    "line_class_spoofed_unlisted",
)


# Priors -------------------------------


def load_priors(path: Path = PRIORS_FILE) -> dict[str, dict[str, Any]]:
    """The priors (``name → {value, source}``), checked: a source each, shares sum to 1."""
    try:
        doc = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"cannot read priors {path}: {exc}") from exc
    priors = doc.get("priors") if isinstance(doc, dict) else None
    if not isinstance(priors, dict):
        raise ConfigError(f"{path} has no 'priors' mapping")
    for name, entry in priors.items():
        if not isinstance(entry, dict) or "value" not in entry:
            raise ConfigError(f"{path}: prior {name!r} has no value")
        if not str(entry.get("source") or "").strip():
            raise ConfigError(f"{path}: prior {name!r} has no source")
    for name in ("flag_rate", "flag_concentration", "scam_active_days"):
        if name not in priors:
            raise ConfigError(f"{path}: prior {name!r} is missing")
    shares = (*LINE_CLASS_PRIORS, "benign_kinds")
    for name in shares:
        if name not in priors:
            raise ConfigError(f"{path}: prior {name!r} is missing")
        value = priors[name]["value"]
        allowed = BENIGN_KINDS if name == "benign_kinds" else LINE_CLASSES
        unknown = sorted(set(value) - set(allowed))
        if unknown:
            raise ConfigError(f"{path}: prior {name!r} has unknown keys {unknown}")
        if abs(sum(value.values()) - 1.0) > 1e-6:
            raise ConfigError(f"{path}: prior {name!r} sums to {sum(value.values())}, not 1")
    return priors


def priors_sha256(path: Path = PRIORS_FILE) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


# Number strings -----------------------

#: Mobile prefixes (13x, 15x, 18x, 198/199) — the virtual-operator ones are below.
_MOBILE = tuple(
    [f"13{d}" for d in "0123456789" if d != "4"]
    + [f"15{d}" for d in "01235689"]
    + [f"18{d}" for d in "0123456789" if d != "4"]
    + ["198", "199"]
)
_VIRTUAL = ("170", "171", "162", "165", "167")
_AREA = ("010", "021", "020", "022", "023", "028", "027", "0755", "0571", "0512")
_CARRIER = ("10086", "10010", "10000", "10099")
_EMERGENCY = ("110", "119", "120", "122")
#: (prefix, digits after it): Philippines, Cambodia, Myanmar, Malaysia, Thailand, Vietnam,
#: NANP, Hong Kong — mobile ranges that phonenumbers accepts as valid.
_INTERNATIONAL = (
    ("+63917", 7),
    ("+85512", 6),
    ("+95979", 7),
    ("+6012", 7),
    ("+6681", 7),
    ("+8490", 7),
    ("+1415", 7),
    ("+8526", 7),
)


def _digits(rng: np.random.Generator, k: int) -> str:
    return "".join(map(str, rng.integers(0, 10, size=k)))


def _number_string(rng: np.random.Generator, line_class: str) -> str:
    """A synthetic number of the segment: 138xxxxxxxx, 170xxxxxxxx, 400xxxxxxx, +639…"""
    pick = lambda seq: seq[int(rng.integers(len(seq)))]  # noqa: E731
    if line_class == "mobile":
        return pick(_MOBILE) + _digits(rng, 8)
    if line_class == "virtual_operator":
        return pick(_VIRTUAL) + _digits(rng, 8)
    if line_class == "fixed_line":
        return pick(_AREA) + str(int(rng.integers(2, 10))) + _digits(rng, 7)
    if line_class == "shared_cost_400":
        return "400" + _digits(rng, 7)
    if line_class == "toll_free_800":
        return "800" + _digits(rng, 7)
    if line_class == "service_95_96":
        return "95" + _digits(rng, 3)
    if line_class == "carrier_service":
        return pick(_CARRIER)
    if line_class == "sms_gateway_106":
        return "106" + _digits(rng, int(rng.integers(5, 12)))
    if line_class == "emergency":
        return pick(_EMERGENCY)
    if line_class == "international":
        prefix, k = pick(_INTERNATIONAL)
        return prefix + str(int(rng.integers(2, 10))) + _digits(rng, k - 1)
    # invalid (malformed spoofed caller IDs) and unknown
    return pick(("12" + _digits(rng, 11), "00" + _digits(rng, 4), "0" + _digits(rng, 3)))


# Simulation ---------------------------


def _choice(rng: np.random.Generator, shares: dict[str, float], size: int) -> np.ndarray:
    names = list(shares)
    p = np.asarray([shares[k] for k in names], dtype=float)
    return np.asarray(names, dtype=object)[rng.choice(len(names), size=size, p=p / p.sum())]


def _lognormal_count(
    rng: np.random.Generator, spec: dict[str, float], size: int, cap: int
) -> np.ndarray:
    draws = rng.lognormal(np.log(spec["median"]), spec["sigma"], size=size)
    return np.minimum(1 + np.floor(draws).astype(np.int64), cap)


def simulate_reports(
    n_numbers: int = 60_000,
    seed: int = 0,
    now: datetime = SIM_NOW,
    priors: dict[str, dict[str, Any]] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The simulated numbers and their raw reports.

    Returns ``(numbers, reports)``: ``numbers`` has one row per number (``key``, ``number``,
    ``label``, ``kind``, ``line_class``, ``valid``, ``official``); ``reports`` is a reports
    frame as :func:`~detector.reports.aggregate_reports` reads it (``type`` "phone",
    ``normalized`` = the number's ``key``, ``reported_at``, ``reporter_hash``, ``flagged``).
    """
    pr = {k: v["value"] for k, v in (priors or load_priors()).items()}
    rng = np.random.default_rng(seed)
    n = int(n_numbers)
    window = float(pr["window_days"])
    cap = int(pr["max_reports"])

    # Label, kind, line class, registry ----
    reported = rng.random(n) < pr["reported_share"]
    scam = np.where(
        reported,
        rng.random(n) < pr["scam_rate_reported"],
        rng.random(n) < pr["scam_rate_unreported"],
    )
    kind = np.full(n, "unreported", dtype=object)
    kind[scam] = "scam"
    benign_reported = reported & ~scam
    kind[benign_reported] = _choice(rng, pr["benign_kinds"], int(benign_reported.sum()))

    line_class = _choice(rng, pr["line_class_benign"], n)  # ordinary, brigaded, unreported
    for k, prior in (
        ("scam", "line_class_scam"),
        ("busy_line", "line_class_busy_line"),
        ("reassigned", "line_class_reassigned"),
        ("spoofed_official", "line_class_spoofed_official"),
        ("spoofed_unlisted", "line_class_spoofed_unlisted"),
    ):
        mask = kind == k
        line_class[mask] = _choice(rng, pr[prior], int(mask.sum()))
    u = rng.random(n)
    official = (
        (kind == "spoofed_official")
        | ((kind == "busy_line") & (u < pr["busy_line_official_share"]))
        | ((kind == "unreported") & ~scam & (u < pr["unreported_official_share"]))
    )
    numbers = [_number_string(rng, lc) for lc in line_class]
    line_class[rng.random(n) < pr["structure_unknown_share"]] = UNKNOWN_LINE_CLASS
    valid = ~np.isin(line_class, ("invalid", UNKNOWN_LINE_CLASS))

    # How many reports ----
    n_reports = np.zeros(n, dtype=np.int64)
    is_scam = kind == "scam"
    n_reports[is_scam] = _lognormal_count(rng, pr["reports_scam"], int(is_scam.sum()), cap)
    mask = kind == "ordinary"
    n_reports[mask] = rng.geometric(pr["reports_ordinary"]["p"], size=int(mask.sum()))
    for k, prior in (
        ("busy_line", "reports_busy_line"),
        ("spoofed_official", "reports_spoofed_official"),
        ("spoofed_unlisted", "reports_spoofed_unlisted"),
        ("reassigned", "reports_scam"),  # the old owner's reports
    ):
        mask = kind == k
        n_reports[mask] = _lognormal_count(rng, pr[prior], int(mask.sum()), cap)
    mask = kind == "brigaded"
    lo, hi = pr["reports_brigaded"]["low"], pr["reports_brigaded"]["high"]
    n_reports[mask] = rng.integers(lo, hi + 1, size=int(mask.sum()))
    reassigned = kind == "reassigned"
    new_report = reassigned & (rng.random(n) < pr["reassigned"]["new_report_prob"])
    n_reports += new_report
    n_reports = np.where(reported, np.minimum(n_reports, cap), 0)  # unreported scams: none

    # Number-level timing ----
    start = rng.uniform(0.0, window, size=n)  # scam: start of activity (age, days)
    active = pr["scam_active_days"]
    duration = rng.lognormal(np.log(active["median"]), active["sigma"], size=n)
    centre = rng.uniform(0.0, window, size=n)  # ordinary / brigaded activity centre
    n_campaigns = rng.integers(1, int(pr["spoof_campaigns"]["max"]) + 1, size=n)
    campaigns = rng.uniform(0.0, window, size=(n, int(pr["spoof_campaigns"]["max"])))
    reassigned_age = rng.uniform(pr["reassigned"]["age_low"], pr["reassigned"]["age_high"], n)

    # Per report ----
    owner = np.repeat(np.arange(n), n_reports)
    m = len(owner)
    offsets = np.repeat(np.cumsum(n_reports) - n_reports, n_reports)
    position = np.arange(m) - offsets
    rkind = kind[owner]
    last = position == n_reports[owner] - 1
    is_new = new_report[owner] & last  # a reassigned number's one new report
    u1, u2 = rng.random(m), rng.random(m)
    age = rng.uniform(0.0, window, size=m)  # busy lines: even over the window
    sel = rkind == "scam"
    age[sel] = start[owner[sel]] - u1[sel] * duration[owner[sel]]
    sel = rkind == "ordinary"
    spread = pr["benign_activity_spread_days"]
    age[sel] = centre[owner[sel]] + rng.normal(0.0, spread, size=int(sel.sum()))
    sel = (rkind == "spoofed_official") | (rkind == "spoofed_unlisted")
    pick = np.floor(u1[sel] * n_campaigns[owner[sel]]).astype(np.int64)
    delay = rng.exponential(pr["spoof_campaigns"]["spread_days"], size=int(sel.sum()))
    age[sel] = campaigns[owner[sel], pick] - delay
    sel = rkind == "brigaded"
    delay = rng.exponential(pr["brigade_spread_days"], size=int(sel.sum()))
    age[sel] = centre[owner[sel]] - delay
    sel = (rkind == "reassigned") & ~is_new
    r_age = reassigned_age[owner[sel]]
    age[sel] = r_age + u2[sel] * (window - r_age)
    age[is_new] = u2[is_new] * reassigned_age[owner[is_new]]
    age = np.clip(age, 0.0, window)

    # Reporters: some report the same number again; some are anonymous.
    repeat_p = np.where(
        rkind == "brigaded", pr["repeat_report_share_brigaded"], pr["repeat_report_share"]
    )
    repeat = (position > 0) & (rng.random(m) < repeat_p)
    slot = np.where(repeat, np.floor(rng.random(m) * position), position).astype(np.int64)
    reporter = (owner.astype(np.int64) * 10_000 + slot).astype(str).astype(object)
    reporter[rng.random(m) < pr["anonymous_share"]] = None

    # Flagged report texts: each number has its own flag rate around its kind's mean.
    flag_rates, kappa = pr["flag_rate"], float(pr["flag_concentration"])

    def number_rate(key: np.ndarray) -> np.ndarray:
        mean = np.asarray([flag_rates[k] for k in key], dtype=float)
        return rng.beta(mean * kappa, (1.0 - mean) * kappa)

    kind_key = np.where(np.isin(kind, ("spoofed_official", "spoofed_unlisted")), "spoofed", kind)
    kind_key = np.where(kind_key == "reassigned", "reassigned_old", kind_key)
    kind_key = np.where(kind_key == "unreported", "ordinary", kind_key)  # no reports anyway
    rate_old = number_rate(kind_key)
    rate_new = number_rate(np.full(n, "reassigned_new"))
    rate = np.where(is_new, rate_new[owner], rate_old[owner])
    has_text = rng.random(m) < pr["text_share"]
    flagged = np.where(has_text, (rng.random(m) < rate).astype(float), np.nan)

    # Timestamps to the second, so a CSV round trip gives the same aggregates.
    now_ts = pd.Timestamp(now).tz_convert("UTC")
    seconds = np.round(age * 86400.0).astype(np.int64)
    reported_at = now_ts - pd.to_timedelta(seconds, unit="s")

    keys = np.arange(n).astype(str)
    numbers_frame = pd.DataFrame(
        {
            "key": keys,
            "number": numbers,
            "label": np.where(scam, "scam", "benign"),
            "kind": kind.astype(str),
            "line_class": line_class.astype(str),
            "valid": valid.astype(int),
            "official": official.astype(int),
        }
    )
    reports = pd.DataFrame(
        {
            "type": "phone",
            "normalized": keys[owner],
            "reported_at": reported_at,
            "reporter_hash": reporter,
            "flagged": flagged,
        }
    )
    return numbers_frame, reports


def simulate(
    n_numbers: int = 60_000,
    seed: int = 0,
    now: datetime = SIM_NOW,
    priors: dict[str, dict[str, Any]] | None = None,
) -> pd.DataFrame:
    """Labelled simulated numbers: ``number``, ``label`` (scam|benign), ``kind`` + features.

    The report aggregates come from :func:`detector.reports.aggregate_reports` on the
    simulated reports, the features from :func:`detector.number_model.number_features`.
    """
    numbers, reports = simulate_reports(n_numbers, seed, now, priors)
    stats = aggregate_reports(reports, now=now)
    stats = stats.droplevel("type").reindex(numbers["key"])
    stats.index = numbers.index
    features = number_features(
        stats,
        now,
        line_class=numbers["line_class"],
        valid=numbers["valid"],
        official=numbers["official"],
    )
    return pd.concat([numbers[["number", "label", "kind"]], features], axis=1)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=60_000, help="how many numbers")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, required=True, help="CSV to write")
    args = parser.parse_args(argv)
    frame = simulate(args.n, args.seed)
    frame.to_csv(args.out, index=False)
    print(
        f"wrote {len(frame)} numbers ({int((frame['label'] == 'scam').sum())} scam) to {args.out}"
    )


if __name__ == "__main__":
    main()
