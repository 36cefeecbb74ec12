"""The vectorized paths of detector/bulk.py give what the one-at-a-time functions give:
compact forms, contact parsing, number analysis, and the libphonenumber steps they mirror."""

from __future__ import annotations

import numpy as np
import phonenumbers
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from phonenumbers import PhoneMetadata
from phonenumbers.phonenumberutil import _number_type_helper

from detector import bulk
from detector.cn_prefix_table import table
from detector.numbers import NumberAnalyzer, default_analyzer
from tests.detector.test_audit_fast import SPECIAL

#: Country codes the generated values start with (after '+' or as national digits).
PREFIXES = r"(86|0086|00|0|1[0-9]{0,2}|4|8|9|95|96|106|852|853|63|855|44|7|39|54|61|886|999)"
_values = st.one_of(
    st.from_regex(rf"\A\+?{PREFIXES}?[0-9]{{0,17}}\Z"),
    st.text(alphabet="0123456789+", max_size=22),
    st.sampled_from(SPECIAL),
    st.from_regex(r"\A(\+86|0086)?1[3-9][0-9]{9}\Z"),
    st.from_regex(r"\A0(10|2[0-9]|[3-9][0-9]{2})[2-9][0-9]{6,7}\Z"),
)
_types = st.sampled_from(["", "", "", "phone", "qq", "wechat", "short_number", "电话"])
_hypothesis = settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


def _infos(keys: list[str]):
    columns = bulk.analyze_many(default_analyzer(), keys)
    return [bulk.number_info(k, columns, i) for i, k in enumerate(keys)]


@_hypothesis
@given(st.lists(st.text(alphabet="0123456789０１２３＋+()（） -ab微\n", max_size=16), max_size=30))
def test_property_compact_many_equals_compact(values):
    import pandas as pd

    got = bulk.compact_many(pd.Series(values, dtype="str")).tolist()
    assert got == [bulk.compact(v) for v in values]


@_hypothesis
@given(st.lists(st.tuples(_values, _types), max_size=40))
def test_property_parse_many_equals_parse_one(pairs):
    values = [v for v, _ in pairs]
    types = [t for _, t in pairs]
    got = list(zip(*bulk.parse_many(values, types), strict=True)) if pairs else []
    assert got == [bulk.parse_one(v, t) for v, t in pairs]


@_hypothesis
@given(st.lists(_values, max_size=40))
def test_property_analyze_many_equals_analyze(values):
    keys = [bulk.compact(v) for v in values]
    analyzer = NumberAnalyzer(cache_size=0)
    columns = bulk.analyze_many(analyzer, keys)
    for i, key in enumerate(keys):
        assert bulk.number_info(key, columns, i) == analyzer.analyze(key), key


def test_when_every_area_code_and_mobile_block_then_bulk_equals_one_at_a_time():
    """Landlines of every Chinese area code in libphonenumber's place data and mobiles of
    every 4-digit segment, written nationally and with +86."""
    rng = np.random.default_rng(0)
    geo = table().geo
    areas = sorted(
        {str(p)[2:] for n in geo.lengths for p in geo.prefixes[n] if str(p).startswith("86")} - {""}
    )
    landline_areas = [a for a in areas if not a.startswith("1") or a.startswith("10")]
    values = []
    for area in landline_areas:
        area = area[:4] if not area.startswith(("10", "2")) else area[:2]
        for size in (7, 8):
            values.append(
                f"0{area}{rng.integers(2, 10)}{rng.integers(0, 10 ** (size - 1)):0{size - 1}d}"
            )
    for segment in range(1300, 2000):
        values.append(f"{segment}{rng.integers(0, 10**7):07d}")
    values = sorted(set(values))
    written = values + ["+86" + v.removeprefix("0") for v in values]
    got = list(zip(*bulk.parse_many(written, [""] * len(written)), strict=True))
    assert got == [bulk.parse_one(v, "") for v in written]
    keys = sorted({n for t, n, _ in got if t in ("phone", "short_number")})
    analyzer = NumberAnalyzer(cache_size=0)
    assert _infos(keys) == [analyzer.analyze(k) for k in keys]
    assert len(keys) > 1_000


def _region_numbers(rng, meta: PhoneMetadata) -> list[str]:
    """National numbers near and far from the region's patterns: its example numbers with a
    digit changed, and random digits of its possible lengths."""
    out = []
    lengths = list(meta.general_desc.possible_length) or [8]
    for name in ("fixed_line", "mobile", "toll_free", "premium_rate", "shared_cost", "voip"):
        desc = getattr(meta, name)
        if desc is not None and desc.example_number:
            example = desc.example_number
            for _ in range(3):
                i = int(rng.integers(len(example)))
                out.append(example[:i] + str(rng.integers(10)) + example[i + 1 :])
            out.append(example)
    for _ in range(6):
        size = int(rng.choice(lengths))
        out.append("".join(str(d) for d in rng.integers(0, 10, size)))
    return [v for v in out if v]


def test_when_any_region_then_number_types_equal_libphonenumber():
    rng = np.random.default_rng(1)
    checked = 0
    for region in sorted(phonenumbers.SUPPORTED_REGIONS):
        meta = PhoneMetadata.metadata_for_region(region)
        nsns = _region_numbers(rng, meta)
        assert bulk.number_types(meta, nsns).tolist() == [
            _number_type_helper(n, meta) for n in nsns
        ], region
        checked += len(nsns)
    assert checked > 3_000


def test_when_any_country_then_intl_many_reads_as_phonenumbers():
    rng = np.random.default_rng(2)
    digits = []
    for cc in sorted(phonenumbers.COUNTRY_CODE_TO_REGION_CODE):
        meta = PhoneMetadata.metadata_for_region_or_calling_code(
            cc, phonenumbers.region_code_for_country_code(cc)
        )
        if meta is None:
            continue
        digits += [f"{cc}{n}" for n in _region_numbers(rng, meta)]
    digits += ["0123", "12", "99912345678", "8613800138000"]
    intl = bulk.intl_many(digits)
    assert intl.ok.sum() > 2_000
    for j, d in enumerate(digits):
        if not intl.ok[j]:
            continue
        num = phonenumbers.parse("+" + d)
        assert (num.country_code, phonenumbers.national_significant_number(num)) == (
            intl.cc[j],
            intl.nsn[j],
        ), d
        assert phonenumbers.region_code_for_number(num) == intl.region[j], d
        assert phonenumbers.number_type(num) == intl.ntype[j], d
        assert phonenumbers.is_valid_number(num) == bool(intl.valid[j]), d


@_hypothesis
@given(st.from_regex(rf"\A{PREFIXES}?[0-9]{{0,17}}\Z"), st.booleans())
def test_property_cn_nsn_equals_parser(digits, intl):
    nsn = bulk.cn_nsn(digits, intl)
    if nsn is None:
        return  # left to the parser
    num = phonenumbers.parse("+86" + digits if intl else digits, "CN")
    assert num.country_code == 86
    assert phonenumbers.national_significant_number(num) == nsn


@_hypothesis
@given(st.lists(st.one_of(_values, st.from_regex(r"\A\+?[0-9]{1,18}\Z")), max_size=30))
def test_property_valid_phone_many_equals_valid_phone(values):
    from detector.contacts import _valid_phone

    values = [bulk.compact(v) for v in values]
    values = [v for v in values if v.lstrip("+").isdigit() or not v]
    assert bulk.valid_phone_many(values) == [_valid_phone(v, "CN") for v in values]


@pytest.mark.parametrize("size", [0, 1])
def test_when_few_values_then_bulk_paths_still_answer(size):
    keys = ["13800138000"][:size]
    assert [len(a) for a in bulk.parse_many(keys, [""] * size)] == [size] * 3
    assert all(len(c) == size for c in bulk.analyze_many(default_analyzer(), keys).values())
