"""Many contacts at once: the audit's vectorized paths through contacts.py and numbers.py.

An audit parses hundreds of thousands of distinct contacts and analyzes as many numbers;
one at a time, libphonenumber's parser alone takes most of a minute. The functions here give
*exactly* what the one-at-a-time functions give, for whole arrays:

* :func:`compact_many` — :func:`compact` of each value;
* :func:`parse_many` — :func:`parse_one` of each value: ``(type, normalized, reject
  reason)`` as the audit reads one contact (:func:`detector.contacts.parse_contact`);
* :func:`analyze_many` — :meth:`detector.numbers.NumberAnalyzer.analyze` of each
  normalized number (default region CN, no channel).

They take the common shapes — contacts written as digits with an optional ``+`` that are
Chinese numbers — through vectorized string operations and libphonenumber's own metadata
(patterns and possible lengths of the CN number types), and hand every other value to the
one-at-a-time function. Where phonenumbers' parser is skipped, :func:`cn_nsn` mirrors its
steps for those shapes only (and gives up, sending the value to the parser, where its rules
branch: an international prefix, a leading 86, a leading zero that stays). The property
tests in ``tests/detector/test_bulk.py`` compare every path with the one-at-a-time result.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd
import phonenumbers
import pyarrow as pa
import pyarrow.compute as pc
from phonenumbers import PhoneMetadata, PhoneNumberType, ValidationResult
from phonenumbers.phonenumberutil import _test_number_length

from detector import cn_prefix_table
from detector.contacts import (
    _QQ_ID,
    MAX_CONTACT_CHARS,
    _is_short_number,
    _luhn_ok,
    _valid_phone,
    default_normalizer,
    parse_contact,
)
from detector.errors import InvalidInputError
from detector.numbers import (
    NumberAnalyzer,
    class_prefix_digits,
    foreign_info,
    invalid_foreign_info,
    valid_cn_class,
)
from detector.results import CONTACT_TYPES, NumberInfo

#: A contact that looks like a number as typed (spaces, dashes, parentheses, full width).
NUMBERISH = re.compile(r"[+＋]?[0-9０-９][0-9０-９ \-()（）]*")
_COMPACT = str.maketrans("０１２３４５６７８９＋（）", "0123456789+()", " -()")


def compact(value: str) -> str:
    """A number as typed (``138 0013-8000``, full-width digits) → its compact form; other
    values are returned as they are. Many written forms of one number share one parse."""
    return value.translate(_COMPACT) if NUMBERISH.fullmatch(value) else value


@lru_cache(maxsize=65_536)
def parse_one(value: str, type_: str) -> tuple[str, str, str]:
    """``(type, normalized, reject reason)`` of one contact as the audit reads it."""
    if not value.strip():
        return ("", "", "empty_contact")
    if len(value) > MAX_CONTACT_CHARS:
        return ("", "", "contact_too_long")
    try:
        c = parse_contact(value, type_ if type_ in CONTACT_TYPES else None)
    except InvalidInputError:
        return ("", "", "bad_contact")
    return (c.type, c.normalized, "")


#: Values the vectorized paths take: ASCII digits, optionally after one "+".
_DIGITS_KEY = r"\+?[0-9]{1,20}"
_FULLWIDTH = tuple(zip("０１２３４５６７８９＋（）", "0123456789+()", strict=True))
NUMBER_FIELDS = ("e164", "valid", "possible", "region", "carrier", "geo", "line_class", "reasons")
#: phonenumbers' parser keeps the number as it is for these length checks of the
#: national number left after removing a national prefix.
_KEEP_PREFIX = (
    ValidationResult.TOO_SHORT,
    ValidationResult.IS_POSSIBLE_LOCAL_ONLY,
    ValidationResult.INVALID_LENGTH,
)
_MIN_NSN, _MAX_NSN = 2, 17  # phonenumbers' _MIN_LENGTH_FOR_NSN, _MAX_LENGTH_FOR_NSN


def _str_series(values: Sequence[str] | np.ndarray | pd.Series) -> pd.Series:
    """Values as a pandas string Series (Arrow-backed: the regexes run vectorized)."""
    if isinstance(values, pd.Series):
        return values.astype("str").reset_index(drop=True)
    return pd.Series(np.asarray(values, dtype=object), dtype="str")


#: From this many strings on, regexes run in Arrow.
_ARROW_MIN = 2_000


def _fullmatch(s: pd.Series, pattern: str) -> np.ndarray:
    """A writable bool array: does each string match ``pattern`` as a whole?

    Few strings go through Python's ``re``; many through Arrow (RE2) when the pattern
    compiles there: for the patterns used here (digit classes, alternation, repetition, on
    ASCII digits) RE2 and ``re`` accept the same strings. Otherwise through pandas."""
    if len(s) < _ARROW_MIN:  # compiling a big pattern for RE2 costs more than it saves
        rx = _re(f"(?:{pattern})")
        return np.fromiter((rx.fullmatch(v) is not None for v in s.tolist()), bool, len(s))
    try:
        found = pc.match_substring_regex(s.array.__arrow_array__(), f"^(?:{pattern})$")
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, AttributeError):
        return np.array(s.str.fullmatch(f"(?:{pattern})").fillna(False), dtype=bool)
    return np.array(found.fill_null(False).to_numpy(zero_copy_only=False), dtype=bool)


def _prefix_match(s: pd.Series, pattern: str) -> np.ndarray:
    """A writable bool array: does each string start with a match of ``pattern``?"""
    return _fullmatch(s, f"(?:{pattern}).*")


# Compact forms of contacts


def compact_many(values: pd.Series) -> pd.Series:
    """:func:`compact` of each value (a string Series)."""
    s = _str_series(values)
    out = s.copy()
    # Plain digits (the most common form) are their own compact form.
    todo = ~_fullmatch(s, r"\+?[0-9]*")
    todo[todo] = _fullmatch(s[todo], NUMBERISH.pattern)
    if todo.any():
        # str.translate maps every character once: drop the ASCII separators first, so that
        # the full-width parentheses it turns into ASCII ones stay.
        part = s[todo].str.replace(r"[ \-()]", "", regex=True)
        wide = ~np.array(part.str.isascii(), dtype=bool)
        if wide.any():
            part_wide = part[wide]
            for src, dst in _FULLWIDTH:
                part_wide = part_wide.str.replace(src, dst, regex=False)
            part[wide] = part_wide
        out[todo] = part
    out.index = values.index if isinstance(values, pd.Series) else out.index
    return out


# libphonenumber's parser and number types, vectorized


@lru_cache(maxsize=1024)
def _re(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def _pattern_match(desc, number: str) -> bool:
    """phonenumbers' ``_match_national_number(number, desc, False)``."""
    if desc is None or not desc.national_number_pattern:
        return False
    return _re(desc.national_number_pattern).fullmatch(number) is not None


def national_number(meta: PhoneMetadata, digits: str) -> str | None:
    """The national significant number ``phonenumbers.parse`` keeps of ``digits`` (what
    follows the country code) in the numbering plan of ``meta``; None where it raises or
    where its steps are not the simple ones mirrored here."""
    if not _MIN_NSN <= len(digits) <= _MAX_NSN:
        return None
    nsn = digits
    m = (
        _re(meta.national_prefix_for_parsing).match(digits)
        if meta.national_prefix_for_parsing
        else None
    )
    if m is not None:
        groups = m.groups()
        if meta.national_prefix_transform_rule and groups and groups[-1] is not None:
            return None
        rest = digits[m.end() :]
        general = meta.general_desc
        keep = _pattern_match(general, digits) and not _pattern_match(general, rest)
        if not keep and _test_number_length(rest, meta) not in _KEEP_PREFIX:
            nsn = rest
    if nsn.startswith("0") or len(nsn) < _MIN_NSN:
        return None  # italian leading zeros: left to the parser
    return nsn


@lru_cache(maxsize=1)
def _cn() -> PhoneMetadata:
    return PhoneMetadata.metadata_for_region("CN")


def cn_nsn(digits: str, intl: bool) -> str | None:
    """The national significant number ``phonenumbers.parse`` finds in ``'+86' + digits``
    (``intl``) or in ``digits`` read in region CN (see :func:`national_number`)."""
    meta = _cn()
    if not intl and (
        (meta.international_prefix and _re(meta.international_prefix).match(digits))
        or digits.startswith(str(meta.country_code))
    ):
        return None  # an international prefix, or the country code written without '+'
    return national_number(meta, digits)


def number_types(meta: PhoneMetadata, nsn: Sequence[str] | pd.Series) -> np.ndarray:
    """libphonenumber's number type (``_number_type_helper``) of each national significant
    number in the numbering plan of ``meta``."""
    s = _str_series(nsn)
    lengths = s.str.len().to_numpy()

    def matches(desc) -> np.ndarray:
        if desc is None or not desc.national_number_pattern:
            return np.zeros(len(s), dtype=bool)
        ok = _fullmatch(s, desc.national_number_pattern)
        if len(desc.possible_length):
            ok &= np.isin(lengths, list(desc.possible_length))
        return ok

    out = np.full(len(s), PhoneNumberType.UNKNOWN, dtype=np.int64)
    todo = matches(meta.general_desc)
    for desc, ntype in (
        (meta.premium_rate, PhoneNumberType.PREMIUM_RATE),
        (meta.toll_free, PhoneNumberType.TOLL_FREE),
        (meta.shared_cost, PhoneNumberType.SHARED_COST),
        (meta.voip, PhoneNumberType.VOIP),
        (meta.personal_number, PhoneNumberType.PERSONAL_NUMBER),
        (meta.pager, PhoneNumberType.PAGER),
        (meta.uan, PhoneNumberType.UAN),
        (meta.voicemail, PhoneNumberType.VOICEMAIL),
    ):
        hit = todo & matches(desc)
        out[hit] = ntype
        todo &= ~hit
    mobile = matches(meta.mobile)
    fixed = todo & matches(meta.fixed_line)
    both = fixed & (meta.same_mobile_and_fixed_line_pattern | mobile)
    out[both] = PhoneNumberType.FIXED_LINE_OR_MOBILE
    out[fixed & ~both] = PhoneNumberType.FIXED_LINE
    todo &= ~fixed
    if not meta.same_mobile_and_fixed_line_pattern:
        out[todo & mobile] = PhoneNumberType.MOBILE
    return out


def cn_number_types(nsn: Sequence[str] | pd.Series) -> np.ndarray:
    """:func:`number_types` for China (+86)."""
    return number_types(_cn(), nsn)


def cn_mobile_fast_many(nat: pd.Series) -> np.ndarray:
    """:func:`detector.numbers._cn_mobile_fast` is not None, for each (ASCII digit) string."""
    from detector.numbers import _cn_patterns

    mobile, other = _cn_patterns()
    s = _str_series(nat)
    ok = (s.str.len() == 11).to_numpy() & s.str.startswith("1").to_numpy(dtype=bool, copy=True)
    ok &= _fullmatch(s, mobile.pattern)
    ok[ok] &= ~_fullmatch(s[ok], other.pattern)
    return ok


def _country_code(digits: str) -> tuple[int, str] | None:
    """phonenumbers' ``_extract_country_code`` of what follows a '+' (None: it raises)."""
    if len(digits) <= _MIN_NSN or digits[0] == "0":
        return None
    for i in range(1, 4):
        cc = int(digits[:i])
        if cc in phonenumbers.COUNTRY_CODE_TO_REGION_CODE:
            return cc, digits[i:]
    return None


def _metadata(cc: int, region: str) -> PhoneMetadata | None:
    return PhoneMetadata.metadata_for_region_or_calling_code(cc, region)


@dataclass
class IntlNumbers:
    """Numbers written '+' + digits with a country code other than 86, as phonenumbers
    reads them: country code, national significant number, region (``region_code_for_number``)
    and number type. ``ok`` is False where the parser is left to do it."""

    ok: np.ndarray
    cc: np.ndarray
    nsn: np.ndarray
    region: np.ndarray
    ntype: np.ndarray

    @property
    def valid(self) -> np.ndarray:
        return self.ok & (self.ntype != PhoneNumberType.UNKNOWN)


def intl_many(digits: Sequence[str]) -> IntlNumbers:
    """:class:`IntlNumbers` of each string of ASCII digits (what follows the '+')."""
    n = len(digits)
    out = IntlNumbers(
        np.zeros(n, dtype=bool),
        np.zeros(n, dtype=np.int64),
        np.full(n, None, dtype=object),
        np.full(n, None, dtype=object),
        np.full(n, PhoneNumberType.UNKNOWN, dtype=np.int64),
    )
    groups: dict[int, list[tuple[int, str]]] = {}
    for i, d in enumerate(digits):
        got = _country_code(d)
        if got is not None and got[0] != _cn().country_code:
            groups.setdefault(got[0], []).append((i, got[1]))
    for cc, items in groups.items():
        regions = phonenumbers.COUNTRY_CODE_TO_REGION_CODE[cc]
        meta = _metadata(cc, phonenumbers.region_code_for_country_code(cc))
        if meta is None or phonenumbers.country_mobile_token(cc):
            continue  # a mobile token changes the place lookup: left to the parser
        rows, nsns = [], []
        for i, rest in items:
            nsn = national_number(meta, rest)
            if nsn is not None:
                rows.append(i)
                nsns.append(nsn)
        if not rows:
            continue
        s = _str_series(nsns)
        region = np.full(len(rows), None, dtype=object)
        if len(regions) == 1:
            region[:] = regions[0]
        else:  # phonenumbers' _region_code_for_number_from_list
            todo = np.ones(len(rows), dtype=bool)
            for code in regions:
                m = PhoneMetadata.metadata_for_region(code.upper(), None)
                if m is None:
                    continue
                if m.leading_digits is not None:
                    hit = _prefix_match(s, m.leading_digits)
                else:
                    hit = number_types(m, s) != PhoneNumberType.UNKNOWN
                hit &= todo
                region[hit] = code
                todo &= ~hit
        ntype = np.full(len(rows), PhoneNumberType.UNKNOWN, dtype=np.int64)
        for code in {r for r in region if r is not None}:
            m = _metadata(cc, code)
            sel = region == code
            if m is not None:
                ntype[sel] = number_types(m, s[sel])
        out.ok[rows] = True
        out.cc[rows] = cc
        out.nsn[rows] = nsns
        out.region[rows] = region
        out.ntype[rows] = ntype
    return out


def valid_phone_many(values: Sequence[str]) -> list[str | None]:
    """:func:`detector.contacts._valid_phone` (region CN) of each value: E.164 or None."""
    out: list[str | None] = [None] * len(values)
    cn_rows, cn_nsns, intl_rows, intl_digits = [], [], [], []
    for i, value in enumerate(values):
        digits = value[1:] if value.startswith("+") else value
        nsn = None
        if digits.isdigit() and digits.isascii():
            if value.startswith("+86"):
                nsn = cn_nsn(value[3:], True)
            elif value.startswith("+"):
                intl_rows.append(i)
                intl_digits.append(digits)
                continue
            else:
                nsn = cn_nsn(value, False)
        if nsn is None:
            out[i] = _valid_phone(value, "CN")
        else:
            cn_rows.append(i)
            cn_nsns.append(nsn)
    if cn_nsns:
        for i, nsn, ntype in zip(cn_rows, cn_nsns, cn_number_types(cn_nsns), strict=True):
            out[i] = f"+86{nsn}" if ntype != PhoneNumberType.UNKNOWN else None
    if intl_rows:
        intl = intl_many(intl_digits)
        valid = intl.valid
        for j, i in enumerate(intl_rows):
            if not intl.ok[j]:
                out[i] = _valid_phone(values[i], "CN")
            elif valid[j]:
                out[i] = f"+{intl.cc[j]}{intl.nsn[j]}"
    return out


# Contacts as the audit reads them


@lru_cache(maxsize=1)
def _digits_are_normal() -> bool:
    """True when the message normalizer leaves '+' and ASCII digits as they are: no variant
    spelling in its table consists only of those characters."""
    table = default_normalizer().variants
    return not any(set(word) <= set("+0123456789") for word in table.canonical)


def parse_series(
    values: pd.Series | Sequence[str],
    type_: str = "",
    cache: dict[tuple[str, str], tuple[str, str, str]] | None = None,
) -> tuple[pd.Series, pd.Series, pd.Series]:
    """:func:`parse_one` of each value with one type column value ``type_``, as three string
    Series (type, normalized, reject reason; index 0..n-1). ``cache`` keeps the answers
    for values that are not plain mobiles (those are cheap to read again) across calls."""
    cache = {} if cache is None else cache
    s = _str_series(values)
    n = len(s)
    fast = (type_ not in CONTACT_TYPES or type_ == "phone") and _digits_are_normal()
    fast = np.full(n, fast, dtype=bool)
    fast &= _fullmatch(s, r"\+?[0-9]+") & (s.str.len() <= MAX_CONTACT_CHARS).to_numpy()
    # Plain Chinese mobiles (contacts._plain_cn_mobile): "+86" and the last 11 digits.
    mobile = fast & _fullmatch(s, r"(?:\+86|0086)?1[3-9][0-9]{9}")
    mobile[mobile] = cn_mobile_fast_many(s[mobile].str.slice(-11))
    kind = np.where(mobile, "phone", "").astype(object)
    reason = np.full(n, "", dtype=object)
    normalized = ("+86" + s.str.slice(-11)).array.__arrow_array__().combine_chunks()
    others = np.flatnonzero(~mobile)
    if len(others):
        got = _parse_others(s.iloc[others].tolist(), type_, fast[others], cache)
        kind[others] = [g[0] for g in got]
        reason[others] = [g[2] for g in got]
        mask = pa.array(~mobile)
        normalized = pc.replace_with_mask(
            normalized, mask, pa.array([g[1] for g in got], type=normalized.type)
        )
    return (
        pd.Series(kind, dtype="str"),
        pd.Series(normalized, dtype="str"),
        pd.Series(reason, dtype="str"),
    )


def _parse_others(
    values: list[str], type_: str, fast: np.ndarray, cache: dict
) -> list[tuple[str, str, str]]:
    """:func:`parse_one` of values that are not plain mobiles: those of digits with an
    optional '+' (``fast``) through contacts._guess_type's steps, with the CN and
    international phone numbers read by :func:`valid_phone_many`; the rest one at a time."""
    out: list[tuple[str, str, str] | None] = [cache.get((v, type_)) for v in values]
    rest = [i for i, got in enumerate(out) if got is None and fast[i]]
    asked = [values[i] for i in rest]
    valid = dict(zip(asked, valid_phone_many(asked), strict=True))
    for i in rest:
        value = values[i]
        phone = ("phone", valid[value] or value, "")
        if type_ == "phone" or value.startswith(("+", "00")):
            got = phone
        # from here on, value is its digits
        elif 15 <= len(value) <= 19 and _luhn_ok(value) and not valid[value]:
            got = ("bank_card", value, "")
        elif 3 <= len(value) <= 6 and _is_short_number(value, "CN"):
            got = ("short_number", value, "")
        elif valid[value]:
            got = phone
        elif _QQ_ID.fullmatch(value):
            got = ("qq", value, "")
        elif 7 <= len(value) <= 17:
            got = phone
        else:
            got = ("", "", "bad_contact")
        out[i] = cache[(value, type_)] = got
    for i, got in enumerate(out):
        if got is None:
            out[i] = cache[(values[i], type_)] = parse_one(values[i], type_)
    return out  # type: ignore[return-value]


def parse_many(
    values: Sequence[str],
    types: Sequence[str],
    cache: dict[tuple[str, str], tuple[str, str, str]] | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`parse_one` of each ``(value, type)`` pair, as three object arrays: type,
    normalized, reject reason (:func:`parse_series` per type column value)."""
    n = len(values)
    out = [np.empty(n, dtype=object) for _ in range(3)]
    codes, uniques = pd.factorize(np.asarray(types, dtype=object))
    values = np.asarray(values, dtype=object)
    for code, type_ in enumerate(uniques):
        rows = np.flatnonzero(codes == code)
        for column, got in zip(out, parse_series(list(values[rows]), type_, cache), strict=True):
            column[rows] = got.to_numpy(dtype=object)
    return out[0], out[1], out[2]


# Numbers as NumberAnalyzer.analyze reads them


def analyze_many(analyzer: NumberAnalyzer, keys: Sequence[str]) -> dict[str, np.ndarray]:
    """``analyzer.analyze(key)`` of each key, as columns: :data:`NUMBER_FIELDS` → object
    arrays, one row per key in order (``reasons`` holds tuples of Reason)."""
    n = len(keys)
    s = _str_series(keys)
    table = cn_prefix_table.table()
    seg = analyzer.segments
    fast = _fullmatch(s, _DIGITS_KEY) & (table is not None)
    plus = s.str.startswith("+").to_numpy(dtype=bool, copy=True)
    digits = s.str.lstrip("+")
    cc86 = plus & digits.str.startswith("86").to_numpy(dtype=bool, copy=True)
    fast &= cc86 | (~plus & ~digits.str.startswith("00").to_numpy(dtype=bool, copy=True))
    nat = digits.where(~cc86, digits.str.slice(2))
    zero = cc86 & nat.str.startswith("0").to_numpy(dtype=bool, copy=True)
    nat = nat.where(~zero, nat.str.slice(1))  # +86 (0)10 …
    # NumberAnalyzer._cn checks these short and service classes first: left to it.
    nat_len = nat.str.len().to_numpy()
    fast &= nat_len > 6
    fast &= ~nat.isin(list(seg.emergency)).to_numpy(dtype=bool)
    fast &= ~_carrier_service_many(seg, nat, nat_len)
    fast &= ~(nat.str.startswith(seg.sms_prefix).to_numpy(dtype=bool, copy=True))
    fast &= ~(
        nat.str.startswith(tuple(seg.service_prefixes)).to_numpy(dtype=bool, copy=True)
        & (nat_len >= seg.service_min_digits)
        & (nat_len <= seg.service_max_digits)
    )

    idx = np.flatnonzero(fast)
    nat_fast = nat.iloc[idx].reset_index(drop=True)
    mobile = cn_mobile_fast_many(nat_fast)
    nsn = nat_fast.to_numpy(dtype=object)
    intl = cc86[idx].tolist()
    known = mobile.copy()
    for j in np.flatnonzero(~mobile).tolist():
        nsn[j] = cn_nsn(nsn[j], intl[j])
        known[j] = nsn[j] is not None
    ntype = np.full(len(idx), PhoneNumberType.UNKNOWN, dtype=np.int64)
    ntype[mobile] = PhoneNumberType.MOBILE
    other = known & ~mobile
    if other.any():
        ntype[other] = cn_number_types(list(nsn[other]))
    ok = known & (ntype != PhoneNumberType.UNKNOWN)  # invalid numbers: left to analyze()
    idx, nsn, ntype, mobile = idx[ok], nsn[ok], ntype[ok], mobile[ok]

    out = {name: np.full(n, None, dtype=object) for name in NUMBER_FIELDS}
    if len(idx):
        nsn_s = pd.Series(nsn, dtype="str")
        # Line class and reasons: numbers.valid_cn_class once per (type, length, prefix).
        k = class_prefix_digits(seg)
        combo = (
            nsn_s.str.slice(0, k)
            + ":"
            + pd.Series(nsn_s.str.len().to_numpy() * 100 + ntype, dtype="str")
        )
        codes, uniques = pd.factorize(combo)
        first = np.zeros(len(uniques), dtype=np.int64)
        first[codes[::-1]] = np.arange(len(codes))[::-1]
        found = [valid_cn_class(seg, nsn[j], int(ntype[j])) for j in first.tolist()]
        line_class = np.array([f[0] for f in found], dtype=object)[codes]
        reasons = np.empty(len(found), dtype=object)
        reasons[:] = [f[1] for f in found]
        reasons = reasons[codes]
        carrier, geo = _cn_carrier_geo(table, nsn_s, ntype, mobile)
        out["e164"][idx] = ("+86" + nsn_s).to_numpy(dtype=object)
        out["valid"][idx] = True
        out["possible"][idx] = True
        out["region"][idx] = "CN"
        out["carrier"][idx] = carrier
        out["geo"][idx] = geo
        out["line_class"][idx] = line_class
        out["reasons"][idx] = reasons
    done = np.zeros(n, dtype=bool)
    done[idx] = True

    # Other countries: '+' and a country code other than 86 (NumberAnalyzer._foreign_intl),
    # unless the digits read as a Chinese service number (a reason is added for those).
    rows = np.flatnonzero(_fullmatch(s, _DIGITS_KEY) & plus & ~cc86 & (table is not None))
    foreign_digits = digits.iloc[rows].reset_index(drop=True)
    plain = ~_cn_service_many(seg, foreign_digits)
    rows, foreign_digits = rows[plain], foreign_digits[plain]
    if len(rows):
        intl = intl_many(foreign_digits.tolist())
        carrier, geo = _intl_carrier_geo(table, intl)
        invalid: dict[tuple[int, int], NumberInfo] = {}  # by country code and possibility
        for j, i in enumerate(rows.tolist()):
            if not intl.ok[j]:
                continue
            cc, nsn_j = int(intl.cc[j]), intl.nsn[j]
            if intl.ntype[j] != PhoneNumberType.UNKNOWN:
                info = foreign_info(
                    keys[i], cc, intl.region[j], f"+{cc}{nsn_j}", carrier[j], geo[j]
                )
            else:
                num = phonenumbers.PhoneNumber(country_code=cc, national_number=int(nsn_j))
                possible = phonenumbers.is_possible_number_with_reason(num)
                info = invalid.get((cc, possible))
                if info is None:  # the same for every such number, but its raw
                    info = invalid[(cc, possible)] = invalid_foreign_info("", cc, possible)
            for name in NUMBER_FIELDS:
                out[name][i] = getattr(info, name)
            done[i] = True

    for i in np.flatnonzero(~done).tolist():
        info = analyzer.analyze(keys[i])
        for name in NUMBER_FIELDS:
            out[name][i] = getattr(info, name)
    return out


def _carrier_service_many(seg, nat: pd.Series, nat_len: np.ndarray) -> np.ndarray:
    """``seg.is_carrier_service`` of each string."""
    hit = nat.isin(list(seg.carrier_numbers)).to_numpy(dtype=bool, copy=True)
    hit |= (nat_len == seg.carrier_family_digits) & nat.str.startswith(
        seg.carrier_family_prefix
    ).to_numpy(dtype=bool, copy=True)
    for num in seg.carrier_numbers:
        extra = nat_len - len(num)
        hit |= (
            nat.str.startswith(num).to_numpy(dtype=bool, copy=True)
            & (extra > 0)
            & (extra <= seg.carrier_max_extension)
        )
    return hit


def _cn_service_many(seg, d: pd.Series) -> np.ndarray:
    """``seg.is_cn_service_number`` of each string of digits."""
    d = _str_series(d)
    size = d.str.len().to_numpy()

    def starts(prefix) -> np.ndarray:
        return d.str.startswith(prefix).to_numpy(dtype=bool, copy=True)

    hit = d.isin(list(seg.emergency)).to_numpy(dtype=bool, copy=True)
    hit |= _carrier_service_many(seg, d, size)
    hit |= starts(seg.sms_prefix) & (size >= seg.sms_min_digits) & (size <= seg.sms_max_digits)
    hit |= (
        starts(tuple(seg.service_prefixes))
        & (size >= seg.service_min_digits)
        & (size <= seg.service_max_digits)
    )
    hit |= (size == seg.shared_cost_digits) & starts(seg.shared_cost_prefix)
    hit |= (size == seg.toll_free_digits) & starts(seg.toll_free_prefix)
    return hit


def _intl_carrier_geo(
    table: cn_prefix_table.CnPrefixTable, intl: IntlNumbers
) -> tuple[np.ndarray, np.ndarray]:
    """``carrier_name`` and ``description`` (detector/cn_prefix_table.py) of each valid
    number of :func:`intl_many`; '' elsewhere."""
    n = len(intl.ok)
    carrier = np.full(n, "", dtype=object)
    geo = np.full(n, "", dtype=object)
    valid = intl.valid
    if not valid.any():
        return carrier, geo
    digits = np.array(
        [f"{c}{v}" if ok else "" for c, v, ok in zip(intl.cc, intl.nsn, valid, strict=True)],
        dtype=object,
    )
    ask = valid & np.isin(intl.ntype, list(cn_prefix_table._CARRIER_TYPES))
    carrier[ask] = table.carrier.lookup_many(digits[ask])
    geographic = {
        (int(t), int(c)): phonenumbers.is_number_type_geographical(int(t), int(c))
        for t, c in set(zip(intl.ntype[valid].tolist(), intl.cc[valid].tolist(), strict=True))
    }
    ask = valid & np.array(
        [geographic.get((t, c), False) for t, c in zip(intl.ntype, intl.cc, strict=True)],
        dtype=bool,
    )
    geo[ask] = table.geo.lookup_many(digits[ask])
    need = valid & (geo == "")
    geo[need] = _country_names(table, intl, np.flatnonzero(need))
    return carrier, geo


def _country_names(
    table: cn_prefix_table.CnPrefixTable, intl: IntlNumbers, rows: np.ndarray
) -> np.ndarray:
    """``cn_prefix_table.country_name`` of the numbers in ``rows``: the one region of the
    country code where the number is valid (``is_valid_number_for_region``), else ''."""
    out = np.full(len(rows), "", dtype=object)
    cc = intl.cc[rows]
    for code_cc in np.unique(cc).tolist():
        sel = np.flatnonzero(cc == code_cc)
        regions = phonenumbers.COUNTRY_CODE_TO_REGION_CODE[code_cc]
        if len(regions) == 1:
            out[sel] = table.regions.get(regions[0], "")
            continue
        s = _str_series(list(intl.nsn[rows[sel]]))
        count = np.zeros(len(sel), dtype=np.int64)
        which = np.full(len(sel), "ZZ", dtype=object)
        for code in regions:
            m = _metadata(code_cc, code.upper())
            if m is None or (
                code != "001" and code_cc != phonenumbers.country_code_for_valid_region(code)
            ):
                continue
            ok = number_types(m, s) != PhoneNumberType.UNKNOWN
            which[ok & (count == 0)] = code
            count += ok
        names = np.array([table.regions.get(c, "") for c in which], dtype=object)
        out[sel] = np.where(count > 1, "", names)
    return out


def _cn_carrier_geo(
    table: cn_prefix_table.CnPrefixTable, nsn: pd.Series, ntype: np.ndarray, fast: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Carrier and place of valid CN numbers, as NumberAnalyzer reports them: for the
    fast-path mobiles from their 7-digit block (``_mobile_carrier_geo``), for the others as
    phonenumbers' ``carrier.name_for_number`` / ``geocoder.description_for_number``."""
    country = table.regions.get("CN", "")
    full = ("86" + nsn).array.__arrow_array__().combine_chunks()
    block = ("86" + nsn.str.slice(0, 7) + "0000").array.__arrow_array__().combine_chunks()
    digits = pc.if_else(pa.array(fast), block, full)
    carrier_types = np.isin(ntype, list(cn_prefix_table._CARRIER_TYPES))
    carrier = np.full(len(nsn), "", dtype=object)
    ask = np.flatnonzero(fast | carrier_types)
    carrier[ask] = table.carrier.lookup_many(digits.take(pa.array(ask)))
    geo_types = [
        t for t in np.unique(ntype) if phonenumbers.is_number_type_geographical(int(t), 86)
    ]
    ask = np.flatnonzero(fast | np.isin(ntype, geo_types))
    geo = np.full(len(nsn), country, dtype=object)
    place = table.geo.lookup_many(digits.take(pa.array(ask)))
    geo[ask] = np.where(place == "", country, place)
    carrier[carrier == ""] = None  # as NumberAnalyzer: '' → None
    geo[geo == ""] = None
    return carrier, geo


def number_info(raw: str, columns: dict[str, np.ndarray], i: int) -> NumberInfo:
    """Row ``i`` of :func:`analyze_many` as a NumberInfo (``raw``: its key)."""
    return NumberInfo(raw, *(columns[name][i] for name in NUMBER_FIELDS))
