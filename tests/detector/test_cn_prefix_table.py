"""The shipped carrier/place table gives what phonenumbers' carrier and geocoder modules give
(lang "zh"), and the audit and service paths no longer import those modules."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import phonenumbers
import pytest
from phonenumbers import PhoneNumber, PhoneNumberType, carrier, geocoder

from detector import cn_prefix_table as names

ROOT = Path(__file__).resolve().parents[2]


def _same(num: PhoneNumber) -> None:
    assert names.carrier_name(num) == carrier.name_for_number(num, "zh"), num
    assert names.description(num) == geocoder.description_for_number(num, "zh"), num
    if phonenumbers.is_valid_number(num):
        assert names.carrier_name_valid(num) == carrier.name_for_valid_number(num, "zh"), num
        assert names.description_valid(num) == geocoder.description_for_valid_number(num, "zh")


def test_when_table_loaded_then_built_from_the_installed_phonenumbers():
    shipped = names.load_table()
    assert shipped.version == phonenumbers.__version__, (
        "regenerate detector/data/cn_prefix_names.npz: python -m detector.cn_prefix_table"
    )
    assert names.table() is not None
    built = names.build_arrays()
    with np.load(names.TABLE_FILE, allow_pickle=False) as data:
        for key, value in built.items():
            np.testing.assert_array_equal(data[key], value, err_msg=key)


def test_when_chinese_mobile_of_any_block_then_same_carrier_and_place():
    """Every 4-digit mobile segment, and 20,000 random 7-digit blocks (号段 + H码)."""
    rng = np.random.default_rng(0)
    prefixes = [f"{s}{rng.integers(0, 10**7):07d}" for s in range(1300, 2000)]
    prefixes += [f"1{rng.integers(30, 100)}{rng.integers(0, 10**8):08d}" for _ in range(20_000)]
    for nsn in prefixes:
        _same(PhoneNumber(country_code=86, national_number=int(nsn)))


def test_when_chinese_landline_of_any_area_then_same_place():
    """Every place prefix of a Chinese landline in the data, with subscriber digits added."""
    rng = np.random.default_rng(1)
    geo = names.table().geo
    keys = [str(p) for n in geo.lengths for p in geo.prefixes[n]]
    landlines = [
        k[2:]
        for k in keys
        if (k.startswith("86") and not k.startswith("861")) or k.startswith("8610")
    ]
    assert len(landlines) > 300
    for area in landlines:
        for size in (10, 11):
            fill = size - len(area)
            if fill > 0:
                nsn = area + f"{rng.integers(0, 10**fill):0{fill}d}"
                _same(PhoneNumber(country_code=86, national_number=int(nsn)))


def test_when_other_country_then_same_carrier_and_place():
    """Example numbers of every region and type, and every non-Chinese prefix with a
    Chinese name (Hong Kong carriers, Taiwan and Korea places)."""
    for region in sorted(phonenumbers.SUPPORTED_REGIONS):
        for ntype in (
            PhoneNumberType.FIXED_LINE,
            PhoneNumberType.MOBILE,
            PhoneNumberType.TOLL_FREE,
            PhoneNumberType.VOIP,
            PhoneNumberType.PAGER,
        ):
            num = phonenumbers.example_number_for_type(region, ntype)
            if num is not None:
                _same(num)
    t = names.table()
    for data in (t.geo, t.carrier):
        for n in data.lengths:
            for prefix in data.prefixes[n]:
                digits = str(prefix)
                if digits.startswith("86"):
                    continue
                num = phonenumbers.parse("+" + digits + "1234567"[: max(0, 11 - len(digits))])
                _same(num)


@pytest.mark.parametrize("digits", ["8613800138000", "861062345678", "85298765432", "8610", "1"])
def test_when_many_looked_up_then_same_as_one(digits):
    t = names.table()
    for data in (t.geo, t.carrier):
        assert data.lookup_many([digits]).tolist() == [data.lookup(digits)]


def test_when_service_started_or_number_analyzed_then_geocoder_not_imported():
    code = (
        "import sys, api.main\n"
        "from detector.engine import Detector\n"
        "from detector.numbers import analyze\n"
        "Detector.load()\n"
        "for raw in ('13800138000', '010-62345678', '+852 9876 5432', '400-820-5678'):\n"
        "    analyze(raw)\n"
        "bad = [m for m in ('phonenumbers.geocoder', 'phonenumbers.carrier') if m in sys.modules]\n"
        "assert not bad, bad\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
