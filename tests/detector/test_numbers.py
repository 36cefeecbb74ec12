"""Number analysis: line classes, CN rules on top of libphonenumber, reasons, data file, cache."""

from __future__ import annotations

import phonenumbers
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from detector import numbers
from detector.errors import ConfigError, InvalidInputError
from detector.numbers import (
    CHANNELS,
    LINE_CLASSES,
    MAX_INPUT_CHARS,
    REASON_CODES,
    SEGMENTS_FILE,
    NumberAnalyzer,
    analyze,
    default_analyzer,
    load_segments,
)
from detector.results import NumberInfo

# (raw, line_class, e164, region, reason codes in order) — no channel given.
CASES = [
    # -- mobiles ----------------------
    ("13800138000", "mobile", "+8613800138000", "CN", ()),
    ("139 1234 5678", "mobile", "+8613912345678", "CN", ()),
    ("150-1234-5678", "mobile", "+8615012345678", "CN", ()),
    ("18612345678", "mobile", "+8618612345678", "CN", ()),
    ("18800001111", "mobile", "+8618800001111", "CN", ()),
    ("19912345678", "mobile", "+8619912345678", "CN", ()),
    ("19212345678", "mobile", "+8619212345678", "CN", ()),
    ("013800138000", "mobile", "+8613800138000", "CN", ()),
    ("1795113800138000", "mobile", "+8613800138000", "CN", ()),  # IP-dialling prefix 17951
    # -- +86 / 0086 / 86 prefixes, full-width digits
    ("+8613800138000", "mobile", "+8613800138000", "CN", ()),
    ("+86 138 0013 8000", "mobile", "+8613800138000", "CN", ()),
    ("008613800138000", "mobile", "+8613800138000", "CN", ()),
    ("8613800138000", "mobile", "+8613800138000", "CN", ()),
    ("１３８００１３８０００", "mobile", "+8613800138000", "CN", ()),
    ("＋８６ １３８－００１３－８０００", "mobile", "+8613800138000", "CN", ()),
    # -- virtual operators ------------
    ("17012345678", "virtual_operator", "+8617012345678", "CN", ("virtual_operator_segment",)),
    ("171 2345 6789", "virtual_operator", "+8617123456789", "CN", ("virtual_operator_segment",)),
    ("16212345678", "virtual_operator", "+8616212345678", "CN", ("virtual_operator_segment",)),
    ("16512345678", "virtual_operator", "+8616512345678", "CN", ("virtual_operator_segment",)),
    (
        "+86 167 1234 5678",
        "virtual_operator",
        "+8616712345678",
        "CN",
        ("virtual_operator_segment",),
    ),
    # -- landlines --------------------
    ("010-62345678", "fixed_line", "+861062345678", "CN", ()),
    ("(010) 6234 5678", "fixed_line", "+861062345678", "CN", ()),
    ("021-6123 4567", "fixed_line", "+862161234567", "CN", ()),
    ("+86 21 6123 4567", "fixed_line", "+862161234567", "CN", ()),
    ("+86 (0)10 6234 5678", "fixed_line", "+861062345678", "CN", ()),
    ("0755-12345678", "fixed_line", "+8675512345678", "CN", ()),
    ("+86 10 6901 2345", "fixed_line", "+861069012345", "CN", ()),  # not a 106 gateway
    ("62345678", "fixed_line", None, "CN", ("missing_area_code",)),
    ("6123 4567", "fixed_line", None, "CN", ("missing_area_code",)),
    ("16812345", "fixed_line", "+8616812345", "CN", ("premium_rate_number",)),
    # -- 400 / 800 --------------------
    ("400-810-8888", "shared_cost_400", "+864008108888", "CN", ()),
    ("4008123123", "shared_cost_400", "+864008123123", "CN", ()),
    ("800-810-1234", "toll_free_800", "+868008101234", "CN", ()),
    ("108001234567", "toll_free_800", "+86108001234567", "CN", ()),  # international toll-free
    # -- 95 / 96 ----------------------
    ("95588", "service_95_96", None, "CN", ()),
    ("95555", "service_95_96", None, "CN", ()),
    ("96110", "service_95_96", None, "CN", ()),
    ("951000", "service_95_96", None, "CN", ()),
    ("+86 95588", "service_95_96", None, "CN", ()),
    ("9501234567", "service_95_96", "+869501234567", "CN", ()),  # libphonenumber: shared cost
    ("021-96777", "service_95_96", "+862196777", "CN", ()),  # area code + 96xxx
    ("12306", "service_95_96", None, "CN", ("other_short_service_number",)),
    ("114", "service_95_96", None, "CN", ("other_short_service_number",)),
    # -- carrier service --------------
    ("10086", "carrier_service", None, "CN", ()),
    ("10010", "carrier_service", None, "CN", ()),
    ("10000", "carrier_service", None, "CN", ()),
    ("10099", "carrier_service", None, "CN", ()),
    ("1008611", "carrier_service", None, "CN", ()),
    ("10050", "carrier_service", None, "CN", ()),
    # -- 106 SMS gateways -------------
    ("10690000", "sms_gateway_106", None, "CN", ()),
    ("1069012345678", "sms_gateway_106", None, "CN", ()),
    ("106 9800 9558 8", "sms_gateway_106", None, "CN", ()),
    ("10690000123456789012", "sms_gateway_106", None, "CN", ()),  # 20 digits
    # -- emergency --------------------
    ("110", "emergency", None, "CN", ()),
    ("119", "emergency", None, "CN", ()),
    ("120", "emergency", None, "CN", ()),
    ("122", "emergency", None, "CN", ()),
    ("12110", "emergency", None, "CN", ()),
    # -- international (HK/MO/TW included)
    ("+852 9876 5432", "international", "+85298765432", "HK", ("international_number",)),
    ("0085221234567", "international", "+85221234567", "HK", ("international_number",)),
    ("+853 6612 3456", "international", "+85366123456", "MO", ("international_number",)),
    ("+886 912 345 678", "international", "+886912345678", "TW", ("international_number",)),
    ("+1 202-555-0123", "international", "+12025550123", "US", ("international_number",)),
    ("+44 20 7946 0000", "international", "+442079460000", "GB", ("international_number",)),
    ("+63 917 123 4567", "international", "+639171234567", "PH", ("international_number",)),
    ("+855 12 345 678", "international", "+85512345678", "KH", ("international_number",)),
    # -- service numbers behind a foreign prefix
    (
        "+95588",
        "invalid",
        None,
        None,
        ("invalid_number", "international_number", "service_number_with_foreign_prefix"),
    ),
    (
        "+10086",
        "invalid",
        None,
        None,
        ("invalid_number", "international_number", "service_number_with_foreign_prefix"),
    ),
    # -- invalid ----------------------
    ("17412345678", "invalid", None, None, ("invalid_number",)),
    ("1380013800", "invalid", None, None, ("invalid_number",)),
    ("138001380001", "invalid", None, None, ("invalid_number",)),
    ("1234567", "invalid", None, None, ("invalid_number",)),
    ("99999", "invalid", None, None, ("invalid_number", "short_number_unknown")),
    ("12", "invalid", None, None, ("invalid_number", "short_number_unknown")),
    ("abc", "invalid", None, None, ("invalid_number",)),
    ("", "invalid", None, None, ("invalid_number",)),
    ("   ", "invalid", None, None, ("invalid_number",)),
    ("加我微信", "invalid", None, None, ("invalid_number",)),
    ("138-0013-8000 ext", "invalid", None, None, ("invalid_number",)),
    ("+", "invalid", None, None, ("invalid_number",)),
    ("++8613800138000", "invalid", None, None, ("invalid_number",)),
    ("+999 1234 5678", "invalid", None, None, ("invalid_number",)),
    ("1" * 21, "invalid", None, None, ("invalid_number",)),
    ("1" * (MAX_INPUT_CHARS + 1), "invalid", None, None, ("invalid_number",)),
]


@pytest.mark.parametrize(("raw", "line_class", "e164", "region", "codes"), CASES)
def test_when_number_analyzed_then_class_e164_region_and_reasons_match(
    raw, line_class, e164, region, codes
):
    info = analyze(raw)
    assert isinstance(info, NumberInfo)
    assert info.raw == raw
    assert info.line_class == line_class
    assert info.e164 == e164
    assert info.region == region
    assert tuple(r.code for r in info.reasons) == codes
    assert info.valid == (line_class != "invalid" and "missing_area_code" not in codes)


def test_when_table_built_then_every_line_class_is_covered():
    assert {c[1] for c in CASES} == set(LINE_CLASSES)
    assert len(CASES) >= 45


# (raw, carrier, geo)
CARRIER_GEO = [
    ("13800138000", "中国移动", "北京市"),
    ("18612345678", "中国联通", "北京市"),
    ("17700000000", "中国电信", "北京市"),
    ("15012345678", "中国移动", "云南省昭通市"),
    ("19212345678", "中国广电", "中国"),
    ("010-62345678", None, "北京市"),
    ("021-6123 4567", None, "上海市"),
    ("10086", "中国移动", None),
    ("10010", "中国联通", None),
    ("+852 9876 5432", "香港移动通讯", "香港"),
]


@pytest.mark.parametrize(("raw", "carrier", "geo"), CARRIER_GEO)
def test_when_number_known_then_carrier_and_geo_reported(raw, carrier, geo):
    info = analyze(raw)
    assert (info.carrier, info.geo) == (carrier, geo)


# (raw, channel, presented_as_domestic, expected reason codes)
CHANNEL_CASES = [
    ("400-810-8888", "call", False, ("service_line_as_caller",)),
    ("800-810-1234", "call", False, ("service_line_as_caller",)),
    ("95588", "call", False, ("service_line_as_caller",)),
    ("96110", "call", False, ("service_line_as_caller",)),
    ("10086", "call", False, ("service_line_as_caller",)),
    ("1069012345678", "call", False, ("service_line_as_caller",)),
    ("400-810-8888", "sms", False, ("service_line_as_sms_sender",)),
    ("800-810-1234", "sms", False, ("service_line_as_sms_sender",)),
    ("95588", "sms", False, ()),  # banks send SMS from their 95 numbers
    ("10086", "sms", False, ()),
    ("1069012345678", "sms", False, ()),  # what 106 numbers are for
    ("400-810-8888", "chat", False, ()),
    ("400-810-8888", None, False, ()),
    ("13800138000", "call", False, ()),
    ("010-62345678", "call", False, ()),
    ("110", "call", False, ()),
    ("17012345678", "call", False, ("virtual_operator_segment",)),
    ("+852 9876 5432", "call", False, ("international_number",)),
    (
        "+852 9876 5432",
        "call",
        True,
        ("international_number", "international_presented_as_domestic"),
    ),
    (
        "+63 917 123 4567",
        "wechat",
        True,
        ("international_number", "international_presented_as_domestic"),
    ),
    ("13800138000", "call", True, ()),  # domestic anyway
    ("+86 138 0013 8000", "sms", True, ()),
]


@pytest.mark.parametrize(("raw", "channel", "presented", "codes"), CHANNEL_CASES)
def test_when_channel_given_then_channel_reasons_follow(raw, channel, presented, codes):
    info = analyze(raw, channel=channel, presented_as_domestic=presented)
    assert tuple(r.code for r in info.reasons) == codes


def test_when_reasons_returned_then_codes_are_declared_and_messages_english():
    seen = set()
    for raw, *_ in CASES:
        for channel in (None, *CHANNELS):
            for r in analyze(raw, channel=channel, presented_as_domestic=True).reasons:
                assert r.code in REASON_CODES
                # English sentences; they may quote the input or a Chinese term.
                assert r.message and r.message.split()[0].isascii()
                seen.add(r.code)
    assert seen == set(REASON_CODES)


def test_when_international_then_message_names_region():
    info = analyze("+852 9876 5432")
    assert "HK" in info.reasons[0].message


def test_when_virtual_operator_then_message_says_risk_hint_only():
    (reason,) = analyze("17012345678").reasons
    assert "hint only" in reason.message


@pytest.mark.parametrize(
    ("raw", "why"),
    [
        ("99999", "too short"),
        ("1" * 21, "more than any phone number has"),
        ("abc", "not part of a phone number"),
        ("", "no digits"),
        ("1" * 100, "characters, more than"),
    ],
)
def test_when_invalid_then_message_says_why(raw, why):
    assert why in analyze(raw).reasons[0].message


def test_when_other_default_region_then_national_numbers_read_there():
    info = analyze("9876 5432", "HK")
    assert (info.line_class, info.e164, info.region) == ("international", "+85298765432", "HK")
    assert analyze("999", "HK").line_class == "emergency"
    assert analyze("011 86 138 0013 8000", "US").line_class == "mobile"


@pytest.mark.parametrize("bad", [None, 13800138000, b"13800138000", ["138"]])
def test_when_not_a_string_then_invalid_input_error(bad):
    with pytest.raises(InvalidInputError):
        analyze(bad)


def test_when_region_or_channel_unknown_then_invalid_input_error():
    with pytest.raises(InvalidInputError):
        analyze("13800138000", "XX")
    with pytest.raises(InvalidInputError):
        analyze("13800138000", channel="fax")


def test_when_to_dict_then_line_type_exported():
    assert analyze("13800138000").to_dict()["line_type"] == "mobile"


# -- data file --------------------------


def test_when_shipped_file_loaded_then_segments_and_source_present():
    table = load_segments()
    assert set(table.virtual_segments) == {"170", "171", "162", "165", "167"}
    assert "MIIT" in table.virtual_source
    assert table.verified_at == "2026-11-27"
    assert {"110", "119", "120", "122", "12110"} <= table.emergency
    assert dict(table.carrier_numbers)["10086"] == "中国移动"
    assert all(table.descriptions.values())


GOOD = SEGMENTS_FILE.read_text(encoding="utf-8")

BAD_FILES = [
    ("not: [valid", "not valid YAML"),
    ("- a list", "mapping"),
    (GOOD.replace("version: 1", "version: 2"), "version"),
    (GOOD + "\nextra_section: {}\n", "unknown key"),
    (GOOD.replace('  prefix: "106"', '  prefix: "106"\n  colour: red'), "unknown key"),
    (GOOD.replace('"170", "171"', '"170", "170"'), "twice"),
    (GOOD.replace('"170", "171"', '"170", 171'), "digit string"),
    (GOOD.replace('"170", "171"', '"170", "17a"'), "digit string"),
    (GOOD.replace('"170", "171"', '"170", "271"'), "mobile segment"),
    (GOOD.replace('["110", "119"', '["110", "110"'), "twice"),
    (GOOD.replace('  prefix: "400"', "  prefix: 400"), "must be a str"),
    (GOOD.replace('verified_at: "2026-11-27"', 'verified_at: "soon"'), "not a date"),
    (
        GOOD.replace("  min_digits: 8\n  max_digits: 20", "  min_digits: 21\n  max_digits: 20"),
        "larger",
    ),
    (GOOD.replace("  digits: 10", "  digits: 0", 1), "positive"),
    (GOOD.replace("toll_free_800:", "toll_free:"), "unknown key"),
    (GOOD.replace('    "10086": 中国移动', '    "10086": ""'), "operator name"),
]


@pytest.mark.parametrize(("text", "needle"), BAD_FILES)
def test_when_data_file_malformed_then_config_error_names_file(tmp_path, text, needle):
    path = tmp_path / "segments.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as exc:
        load_segments(path)
    assert str(path) in exc.value.message
    assert needle in exc.value.message


def test_when_data_file_missing_then_config_error(tmp_path):
    with pytest.raises(ConfigError, match=r"missing\.yaml"):
        load_segments(tmp_path / "missing.yaml")


def test_when_custom_segments_then_analyzer_uses_them(tmp_path):
    path = tmp_path / "segments.yaml"
    path.write_text(GOOD.replace('"170", "171"', '"170", "171", "188"'), encoding="utf-8")
    custom = NumberAnalyzer(load_segments(path))
    assert custom.analyze("18800001111").line_class == "virtual_operator"
    assert analyze("18800001111").line_class == "mobile"


# -- cache ------------------------------


def test_when_number_repeated_then_not_parsed_again(monkeypatch):
    calls = []
    real_parse = phonenumbers.parse

    def counting_parse(*args, **kwargs):
        calls.append(args[0])
        return real_parse(*args, **kwargs)

    monkeypatch.setattr(phonenumbers, "parse", counting_parse)
    an = NumberAnalyzer()
    first = an.analyze("01062345678")  # a landline: mobiles skip the parser (fast path)
    n = len(calls)
    assert n >= 1
    again = an.analyze("010 6234 5678")  # same digits, other formatting
    assert len(calls) == n
    assert again.raw == "010 6234 5678"
    assert again.e164 == first.e164
    assert an.cache_info().hits == 1
    an.analyze("01062345678", channel="call")  # channel is part of the key
    assert an.cache_info().misses == 2


def test_when_cache_size_zero_then_nothing_cached():
    an = NumberAnalyzer(cache_size=0)
    an.analyze("13800138000")
    an.analyze("13800138000")
    assert an.cache_info().hits == 0


def test_when_default_analyzer_requested_twice_then_same_object():
    assert default_analyzer() is default_analyzer()
    assert numbers.analyze("10086") == default_analyzer().analyze("10086")


# -- properties -------------------------


@settings(max_examples=300, deadline=None)
@given(
    st.one_of(
        st.text(max_size=100),
        st.text(alphabet="0123456789+-() ０１２３４５６７８９＋", max_size=30),
        st.from_regex(r"\A\+?(86|00)?1[0-9]{2,12}\Z"),
    ),
    st.sampled_from((None, *CHANNELS)),
    st.booleans(),
)
def test_when_any_string_then_never_raises_and_class_known(raw, channel, presented):
    info = analyze(raw, channel=channel, presented_as_domestic=presented)
    assert info.line_class in LINE_CLASSES
    assert info.raw == raw
    assert all(r.code in REASON_CODES for r in info.reasons)
    assert (info.line_class == "invalid") == any(r.code == "invalid_number" for r in info.reasons)


@settings(max_examples=300, deadline=None)
@given(st.from_regex(r"(\+86|0086)?1[3-9][0-9]{9}", fullmatch=True))
def test_property_mobile_fast_path_equals_libphonenumber(raw):
    import detector.numbers as numbers

    fast = NumberAnalyzer(cache_size=0).analyze(raw)
    original = numbers._cn_mobile_fast
    numbers._cn_mobile_fast = lambda nat: None
    try:
        slow = NumberAnalyzer(cache_size=0).analyze(raw)
    finally:
        numbers._cn_mobile_fast = original
    assert fast == slow
