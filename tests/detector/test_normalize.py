"""The normalizer: table of obfuscations it must undo, and properties of its offset map."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from detector.errors import ConfigError, InvalidInputError, TextTooLongError
from detector.normalize import MAX_TEXT_CHARS, Normalizer, load_variants, normalize

CASES = [
    # (original, normalized)
    ("幺三八 一二三四 五六七八", "13812345678"),
    ("壹叁捌-壹贰叁肆-伍陆柒捌", "13812345678"),
    ("138 1234 5678", "13812345678"),
    ("138.1234.5678", "13812345678"),
    ("138*1234*5678", "13812345678"),
    ("138\u30001234\u30005678", "13812345678"),
    ("①③⑧①②③④⑤⑥⑦⑧", "13812345678"),
    ("1\ufe0f\u20e33\ufe0f\u20e38\ufe0f\u20e3", "138"),
    ("❶❸❽ 一二三四 5678", "13812345678"),
    ("ＡＢＣ１２３", "abc123"),
    ("VeRiFiCaTiOn CoDe", "verification code"),
    ("验\u200b证\u200c码", "验证码"),
    ("验\u202e证\u2060码\ufeff", "验证码"),
    ("soft\u00adhyphen", "softhyphen"),
    ("驗證碼", "验证码"),
    ("請聯繫客服退款", "请联系客服退款"),
    ("加薇信", "加微信"),
    ("威信号", "微信号"),
    ("徽信", "微信"),
    ("维信", "微信"),
    ("V信", "微信"),
    ("加VX", "加微信"),
    ("vx: abc_123", "微信: abc_123"),
    ("加v", "加微信"),
    ("扣扣12345", "qq12345"),
    ("企鹅号", "qq号"),
    ("Q Q", "qq"),
    ("yzm", "验证码"),
    ("验.证.码", "验证码"),
    ("验 - 证 - 码", "验证码"),
    ("zfb", "支付宝"),
    ("银 行 卡", "银行卡"),
    ("客 服", "客服"),
    ("屏幕分享", "屏幕共享"),
    ("  many   spaces\t\nhere ", "many spaces here"),
]

UNCHANGED = [
    "请等一下,三天内到账",  # short numeral runs are words, not numbers
    "价格1999.00元",  # decimals keep their point
    "日期2026-11-27",  # dates keep their dashes
    "kf_8899",  # ids are not words
    "wxyz",  # latin variants only match whole words
    "vxworks",
    "克服困难",
    "kf@sucong.com",  # e-mail addresses and paths are not words
    "sucong.com/kf",
]


@pytest.mark.parametrize(("original", "expected"), CASES)
def test_when_obfuscated_then_normalized(original, expected):
    assert normalize(original).text == expected


@pytest.mark.parametrize("text", UNCHANGED)
def test_when_ordinary_then_unchanged(text):
    assert normalize(text).text == text


def test_when_span_found_then_maps_to_obfuscated_original():
    original = "请加薇信 ab123，然后把驗\u200b證.碼 发过来，号码 幺三八 一二三四 五六七八"
    norm = normalize(original)
    for word, evidence in [
        ("微信", "薇信"),
        ("验证码", "驗\u200b證.碼"),
        ("13812345678", "幺三八 一二三四 五六七八"),
    ]:
        i = norm.text.index(word)
        start, end = norm.to_original(i, i + len(word))
        assert original[start:end] == evidence


@pytest.mark.parametrize(
    "bad",
    ["", "\x00\x00\x00", "\ud800abc\udfff", "😀" * 5000, "\u200b" * 10_000, "\u202e" * 1000],
)
def test_when_hostile_input_then_fast_correct_answer(bad, deadline):
    with deadline(10):
        norm = normalize(bad)
    assert "\x00" not in norm.text and "\u200b" not in norm.text
    assert len(norm.starts) == len(norm.text) == len(norm.ends)
    norm.text.encode("utf-8")  # no lone surrogates survive


def test_when_too_long_then_clear_error():
    with pytest.raises(TextTooLongError) as err:
        normalize("验" * (MAX_TEXT_CHARS + 1))
    assert err.value.details == {"length": MAX_TEXT_CHARS + 1, "limit": MAX_TEXT_CHARS}


def test_when_megabyte_then_clear_error_and_limit_is_configurable(deadline):
    with deadline(10), pytest.raises(TextTooLongError):
        normalize("a" * 1_000_000)
    with deadline(30):
        assert len(Normalizer(max_chars=2_000_000).normalize("ab " * 350_000).text) > 0


def test_when_not_a_string_then_invalid_input():
    with pytest.raises(InvalidInputError):
        normalize(b"bytes")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("terms: 3", "terms"),
        ("- not a mapping", "terms"),
        (
            "terms: [{canonical: 微信, variants: [薇信, 威信]}, {canonical: qq, variants: [薇信]}]",
            "two",
        ),
        ("terms: [{canonical: 微信, variants: [V信]}]", "normalized form"),
        ("terms: [{canonical: 微信, variants: [驗證]}]", "normalized form"),
        (
            "terms: [{canonical: 加微信, variants: [微信x]}, {canonical: 微, variants: [微信x2]}]",
            None,
        ),
        ("terms: [{canonical: 加微信, variants: []}, {canonical: x, variants: [微信]}]", "inside"),
        ("terms: [: bad yaml", "YAML"),
    ],
)
def test_when_variant_file_bad_then_config_error(source, message):
    if message is None:
        load_variants(source)  # a valid table loads
        return
    with pytest.raises(ConfigError, match=message):
        load_variants(source)


# --- properties ------------------------------

_interesting = st.sampled_from(
    [
        *list("验证码微信客服银行卡密码幺一二三四五六七八九〇两壹贰叁驗證碼帳號①⑧❶ＡＢＣ１２３"),
        "\u200b",
        "\u202e",
        "️",
        "⃣",
        "\xad",
        " ",
        "\u3000",
        ".",
        "-",
        "*",
        "\x00",
        "薇信",
        "V信",
        "vx",
        "扣扣",
        "企鹅",
        "yzm",
        "zfb",
        "Q Q",
        "加v",
        "kf",
        "验.证.码",
    ]
)
texts = st.lists(st.one_of(_interesting, st.text(max_size=4)), max_size=40).map("".join)
SETTINGS = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(texts)
def test_offset_map_is_monotonic_and_in_range(text):
    norm = normalize(text)
    assert len(norm.starts) == len(norm.ends) == len(norm.text)
    for i in range(len(norm.text)):
        assert 0 <= norm.starts[i] < norm.ends[i] <= len(text)
        if i:
            assert norm.starts[i - 1] <= norm.starts[i]
            assert norm.ends[i - 1] <= norm.ends[i]


@SETTINGS
@given(texts)
def test_normalizing_twice_changes_nothing(text):
    once = normalize(text).text
    assert normalize(once).text == once


@SETTINGS
@given(
    texts,
    st.sampled_from(
        [
            ("验证码", ["验证码", "驗證碼", "验\u200b证码", "yzm", "验.证.码", "驗 證 碼"]),
            ("微信", ["微信", "薇信", "V信", "徽信", "威\u200b信"]),
            (
                "13812345678",
                ["13812345678", "幺三八 一二三四 五六七八", "１３８-１２３４-５６７８"],
            ),
        ]
    ),
    st.data(),
    texts,
)
def test_span_in_normalized_text_maps_to_original_evidence(prefix, target, data, suffix):
    canonical, forms = target
    form = data.draw(st.sampled_from(forms))
    # Separate the evidence from random neighbours so it stays one token.
    original = f"{prefix}。{form}。{suffix}"
    norm = normalize(original)
    lo, hi = len(prefix) + 1, len(prefix) + 1 + len(form)
    spans = []
    at = norm.text.find(canonical)
    while at != -1:
        spans.append(norm.to_original(at, at + len(canonical)))
        at = norm.text.find(canonical, at + 1)
    # The evidence we planted is found, and its span covers exactly the planted form.
    assert (lo, hi) in spans
    for start, end in spans:
        assert original[start:end], "a non-empty normalized span maps to a non-empty original"


@SETTINGS
@given(texts, texts)
def test_fold_shortcut_gives_the_character_by_character_answer(seen, text):
    from detector.normalize import _fold, _fold_slow

    _fold_slow(seen)  # teaches the shortcut some characters
    expected = _fold_slow(text)
    assert _fold(text) == expected
    assert _fold(text) == expected  # once more, now that text's characters are known
