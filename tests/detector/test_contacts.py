"""Contact extraction: what must be found (with exact spans), what must not, and properties."""

from __future__ import annotations

from itertools import pairwise

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from detector.contacts import ContactExtractor, default_extractor, parse_contact
from detector.errors import InvalidInputError, TextTooLongError
from detector.normalize import MAX_TEXT_CHARS, normalize
from detector.results import CONTACT_TYPES, Contact

# (text, type, value as written, normalized)
FOUND = [
    # --- phones ---
    ("请拨打13800138000联系客服", "phone", "13800138000", "+8613800138000"),
    ("客服电话 138 0013 8000", "phone", "138 0013 8000", "+8613800138000"),
    ("手机：138-0013-8000，随时联系", "phone", "138-0013-8000", "+8613800138000"),
    ("联系 +86 138 0013 8000", "phone", "+86 138 0013 8000", "+8613800138000"),
    ("号码0086 13800138000", "phone", "0086 13800138000", "+8613800138000"),
    ("(+86)13800138000 客服专线", "phone", "(+86)13800138000", "+8613800138000"),
    ("官方热线400-820-8820", "phone", "400-820-8820", "+864008208820"),
    ("免费电话 800-820-8820", "phone", "800-820-8820", "+868008208820"),
    ("北京总部010-12345678", "phone", "010-12345678", "+861012345678"),
    ("联系电话（010）12345678", "phone", "（010）12345678", "+861012345678"),
    ("上海 021-6212 3456 转 8001", "phone", "021-6212 3456", "+862162123456"),
    ("香港客服 +852 9123 4567", "phone", "+852 9123 4567", "+85291234567"),
    ("台湾 +886 912 345 678", "phone", "+886 912 345 678", "+886912345678"),
    ("Call us at +1 650-253-0000 now", "phone", "+1 650-253-0000", "+16502530000"),
    ("UK desk: +44 7911 123456", "phone", "+44 7911 123456", "+447911123456"),
    ("Tokyo office +81 3-1234-5678", "phone", "+81 3-1234-5678", "+81312345678"),
    ("Call our hotline 400-820-8820 for a refund", "phone", "400-820-8820", "+864008208820"),
    # --- phones, obfuscated ---
    ("加我幺三八零零一三八零零零", "phone", "幺三八零零一三八零零零", "+8613800138000"),
    ("电话 1 3 8-0013-8000", "phone", "1 3 8-0013-8000", "+8613800138000"),
    ("１３８００１３８０００", "phone", "１３８００１３８０００", "+8613800138000"),
    ("号码 138\u200b0013\u200c8000 ", "phone", "138\u200b0013\u200c8000", "+8613800138000"),
    ("①③⑧⓪⓪①③⑧⓪⓪⓪", "phone", "①③⑧⓪⓪①③⑧⓪⓪⓪", "+8613800138000"),
    ("壹叁捌零零壹叁捌零零零", "phone", "壹叁捌零零壹叁捌零零零", "+8613800138000"),
    ("一三八 〇〇一三 八〇〇〇 找我", "phone", "一三八 〇〇一三 八〇〇〇", "+8613800138000"),
    ("０１０－１２３４５６７８", "phone", "０１０－１２３４５６７８", "+861012345678"),
    # --- service numbers ---
    ("请拨打95588查询", "short_number", "95588", "95588"),
    ("建行客服95533为您服务", "short_number", "95533", "95533"),
    ("请致电10086查询", "short_number", "10086", "10086"),
    ("联通客服 10010 为您服务", "short_number", "10010", "10010"),
    ("电信客服10000", "short_number", "10000", "10000"),
    ("反诈专线 96110", "short_number", "96110", "96110"),
    ("可向12321举报", "short_number", "12321", "12321"),
    ("遇到诈骗拨打110报警", "short_number", "110", "110"),
    ("消费投诉请拨打 12315", "short_number", "12315", "12315"),
    ("Please dial 95555 for help", "short_number", "95555", "95555"),
    ("拨打 9 5 5 8 8", "short_number", "9 5 5 8 8", "95588"),
    # --- QQ ---
    ("加QQ 12345678", "qq", "12345678", "12345678"),
    ("扣扣：1234567", "qq", "1234567", "1234567"),
    ("Q号 123456789", "qq", "123456789", "123456789"),
    ("加QQ群 987654321 进群领取", "qq", "987654321", "987654321"),
    ("企鹅号：98765432", "qq", "98765432", "98765432"),
    ("QQ号码是：1234567890", "qq", "1234567890", "1234567890"),
    ("my QQ is 12345678", "qq", "12345678", "12345678"),
    ("QQ 13800138000", "qq", "13800138000", "13800138000"),
    ("QQ/微信同号 12345678", "qq", "12345678", "12345678"),
    # --- QQ, obfuscated ---
    ("ＱＱ：１２３４５６", "qq", "１２３４５６", "123456"),
    ("扣扣 幺二三四五六七八", "qq", "幺二三四五六七八", "12345678"),
    ("Q Q：1\u200b2345678", "qq", "1\u200b2345678", "12345678"),
    ("抠抠 1234 5678", "qq", "1234 5678", "12345678"),
    # --- WeChat ---
    ("加微信 kefu_2024", "wechat", "kefu_2024", "kefu_2024"),
    ("微信号：kefuxiaomei", "wechat", "kefuxiaomei", "kefuxiaomei"),
    ("vx: kefu2024", "wechat", "kefu2024", "kefu2024"),
    ("V：Kefu_2024", "wechat", "Kefu_2024", "kefu_2024"),
    ("加薇信 abc_123", "wechat", "abc_123", "abc_123"),
    ("加威信：kefu888", "wechat", "kefu888", "kefu888"),
    ("add my WeChat: Kefu_Lily please", "wechat", "Kefu_Lily", "kefu_lily"),
    ("wechat id is kefu-01", "wechat", "kefu-01", "kefu-01"),
    ("微信同号13800138000", "wechat", "13800138000", "13800138000"),
    ("加微信 13800138000", "wechat", "13800138000", "13800138000"),
    ("微信号 kefu-138-0013-8000", "wechat", "kefu-138-0013-8000", "kefu-138-0013-8000"),
    ("搜索 wxid_abcd1234efgh 加好友", "wechat", "wxid_abcd1234efgh", "wxid_abcd1234efgh"),
    # --- WeChat, obfuscated ---
    ("wx：kefu\u200b2024", "wechat", "kefu\u200b2024", "kefu2024"),
    ("微\u200b信：ＫＥＦＵ２０２４", "wechat", "ＫＥＦＵ２０２４", "kefu2024"),
    ("微 信 号 abc_123", "wechat", "abc_123", "abc_123"),
    # --- URLs ---
    ("访问 www.Example.cn/refund。", "url", "www.Example.cn/refund", "example.cn"),
    ("退款请登录kefu-taobao.com办理", "url", "kefu-taobao.com", "kefu-taobao.com"),
    ("短链接 t.cn/abc123,点击", "url", "t.cn/abc123", "t.cn"),
    ("请访问http://kf.qq.com/refund退款", "url", "http://kf.qq.com/refund", "qq.com"),
    (
        "网址 https://www.example.com.cn/a?b=1",
        "url",
        "https://www.example.com.cn/a?b=1",
        "example.com.cn",
    ),
    (
        "visit https://kefu-support.top/refund?id=1.",
        "url",
        "https://kefu-support.top/refund?id=1",
        "kefu-support.top",
    ),
    ("打开 http://119.29.12.34/pay 付款", "url", "http://119.29.12.34/pay", "119.29.12.34"),
    ("https://例子.中国请点击", "url", "https://例子.中国", "例子.中国"),
    ("xn--fsqu00a.xn--fiqs8s", "url", "xn--fsqu00a.xn--fiqs8s", "xn--fsqu00a.xn--fiqs8s"),
    ("官网12306.cn买票", "url", "12306.cn", "12306.cn"),
    # --- URLs, obfuscated ---
    ("ｗｗｗ．ｋｅｆｕ．ｃｏｍ", "url", "ｗｗｗ．ｋｅｆｕ．ｃｏｍ", "kefu.com"),
    ("kefu\u200b-taobao.com", "url", "kefu\u200b-taobao.com", "kefu-taobao.com"),
    # --- e-mails ---
    ("邮箱 Kefu@Example.COM", "email", "Kefu@Example.COM", "kefu@example.com"),
    ("发到 12345678@qq.com 即可", "email", "12345678@qq.com", "12345678@qq.com"),
    (
        "email support@kefu-help.com today",
        "email",
        "support@kefu-help.com",
        "support@kefu-help.com",
    ),
    (
        "联系 abc.def+refund@mail.example.com.cn。",
        "email",
        "abc.def+refund@mail.example.com.cn",
        "abc.def+refund@mail.example.com.cn",
    ),
    ("ｋｅｆｕ＠１６３．ｃｏｍ", "email", "ｋｅｆｕ＠１６３．ｃｏｍ", "kefu@163.com"),
    # --- bank cards ---
    ("卡号 4111 1111 1111 1111", "bank_card", "4111 1111 1111 1111", "4111111111111111"),
    ("银行卡6222021234567890128", "bank_card", "6222021234567890128", "6222021234567890128"),
    ("card number 5555-5555-5555-4444", "bank_card", "5555-5555-5555-4444", "5555555555554444"),
    ("Amex 378282246310005", "bank_card", "378282246310005", "378282246310005"),
    (
        "转到 6217001234567890122 这个账户",
        "bank_card",
        "6217001234567890122",
        "6217001234567890122",
    ),
    ("银行卡号：9558801234567890128", "bank_card", "9558801234567890128", "9558801234567890128"),
    (
        "卡号 陆贰贰贰零贰壹贰叁肆伍陆柒捌玖零壹贰捌",
        "bank_card",
        "陆贰贰贰零贰壹贰叁肆伍陆柒捌玖零壹贰捌",
        "6222021234567890128",
    ),
]

# (text, types that must not be found there; None: nothing at all)
NOT_FOUND = [
    ("订单号2024112712345678", None),
    ("订单号：2024 1127 1234 5678 已发货", None),
    ("order 2024112700001 shipped", None),
    ("金额 95588元", None),
    ("price ¥12.50, total ￥1999.00", None),
    ("日期 2024-11-27 13:45", None),
    ("2024年11月27日 订单20241127123456", None),
    ("版本 v1.2.3 已发布", None),
    ("打开 file.txt 看看", None),
    ("see readme.md and setup.py", None),
    ("加QQ好友", None),
    ("QQ号码稍后发你", None),
    ("QQ密码123456789", None),
    ("QQ 0123456", None),
    ("QQ 1234", None),
    ("4111111111111112", ("bank_card",)),
    ("卡号 6222021234567890123", ("bank_card",)),
    ("时间戳1732700000", None),
    ("验证码123456，请勿泄露", None),
    ("身份证 110101199003071234", None),
    ("房间110，共120元", None),
    ("工号12345", None),
    ("kefu13800138000", ("phone",)),
    ("¥13800138000", ("phone",)),
    ("Mr.Wang said thanks", None),
    ("the meeting is at 10.30am", None),
    ("温度36.5度，体重65.2kg", None),
    ("e.g. this, i.e. that", None),
    ("微信 account", None),
    ("微信支付成功", None),
    ("卡密 6222021234567890128", ("bank_card",)),
    ("Moscow +7 495 123-45-67", ("phone",)),
    ("No.1 best seller", None),
    ("hotel 110 is nice", None),
    ("I paid 95588 yuan", None),
    ("room 12345", None),
]


def _find(text: str) -> tuple[Contact, ...]:
    return default_extractor().extract(text)


def _assert_spans(text: str, contacts: tuple[Contact, ...]) -> None:
    for c in contacts:
        assert 0 <= c.start < c.end <= len(text)
        assert text[c.start : c.end] == c.value
        assert c.type in CONTACT_TYPES


@pytest.mark.parametrize(("text", "type_", "value", "normalized"), FOUND)
def test_when_contact_written_then_found_with_exact_span(text, type_, value, normalized):
    contacts = _find(text)
    _assert_spans(text, contacts)
    assert [(c.type, c.value, c.normalized) for c in contacts] == [(type_, value, normalized)]
    c = contacts[0]
    assert (c.start, c.end) == (text.index(value), text.index(value) + len(value))


@pytest.mark.parametrize(("text", "forbidden"), NOT_FOUND)
def test_when_not_a_contact_then_not_found(text, forbidden):
    contacts = _find(text)
    _assert_spans(text, contacts)
    if forbidden is None:
        assert contacts == ()
    else:
        assert not [c for c in contacts if c.type in forbidden]


def test_when_every_type_in_one_message_then_sorted_without_overlaps():
    text = (
        "您好，我是淘宝客服，订单2024112712345678异常。请拨打400-820-8820或95588，"
        "加QQ 12345678，微信kefu_2024，访问 www.kefu-taobao.com/refund ，"
        "邮件 kefu@kefu-help.com，把退款打到卡号6222021234567890128。"
    )
    contacts = _find(text)
    _assert_spans(text, contacts)
    assert [c.type for c in contacts] == [
        "phone",
        "short_number",
        "qq",
        "wechat",
        "url",
        "email",
        "bank_card",
    ]
    assert all(a.end <= b.start for a, b in pairwise(contacts))


@pytest.mark.parametrize(
    ("text", "type_", "value"),
    [
        ("QQ 13800138000", "qq", "13800138000"),  # a QQ number is not also a phone
        ("加微信 13800138000", "wechat", "13800138000"),  # nor is a phone used as WeChat ID
        ("邮箱 12345678@qq.com", "email", "12345678@qq.com"),  # nor is a QQ mail a URL
        ("t.cn/13800138000", "url", "t.cn/13800138000"),  # the digits in a path are the URL
        ("0086 13800138000", "phone", "0086 13800138000"),  # 15 digits, Luhn aside: a phone
    ],
)
def test_when_findings_overlap_then_most_specific_one_kept(text, type_, value):
    assert [(c.type, c.value) for c in _find(text)] == [(type_, value)]


def test_when_url_then_detail_is_full_host():
    (c,) = _find("请访问 HTTPS://Refund.Kefu-Taobao.com.cn/a 退款")
    assert (c.normalized, c.detail) == ("kefu-taobao.com.cn", "refund.kefu-taobao.com.cn")


def test_when_already_normalized_then_same_answer():
    text = "加扣扣 幺二三四五六七八，或拨打 400-820-8820"
    assert default_extractor().extract(normalize(text)) == _find(text)


def test_when_regions_narrowed_then_foreign_numbers_left_out():
    text = "香港 +852 9123 4567，莫斯科 +7 495 123-45-67，北京 13800138000"
    cn_only = ContactExtractor(regions=("CN",)).extract(text)
    assert [c.normalized for c in cn_only] == ["+8613800138000"]
    wide = ContactExtractor(regions=("CN", "HK", "RU")).extract(text)
    assert [c.normalized for c in wide] == ["+85291234567", "+74951234567", "+8613800138000"]


def test_when_unknown_region_then_invalid_input():
    with pytest.raises(InvalidInputError, match="region"):
        ContactExtractor(default_region="XX")


def test_when_too_long_then_normalizer_error():
    with pytest.raises(TextTooLongError):
        _find("1" * (MAX_TEXT_CHARS + 1))


def test_when_not_text_then_invalid_input():
    with pytest.raises(InvalidInputError):
        _find(b"13800138000")  # type: ignore[arg-type]


def test_default_extractor_is_built_once():
    assert default_extractor() is default_extractor()


@pytest.mark.parametrize(
    "text",
    [
        "1" * 5000,
        "a." * 2500,
        "qq 12345 " * 555,
        "微信: " * 1250,
        "http://" + "a" * 4993,
        "kefu.com " * 555,
        "a@b." * 1250,
        "13800138000," * 416,
        "(1" * 2500,
        ("a" * 70 + ".") * 70,
    ],
    ids=lambda t: repr(t[:12]),
)
def test_when_hostile_input_then_answer_with_valid_spans(text):
    _assert_spans(text, _find(text))


# --- parse_contact ---

# (value, type given, type, normalized, detail)
PARSED = [
    ("13800138000", None, "phone", "+8613800138000", None),
    ("+86 138 0013 8000", None, "phone", "+8613800138000", None),
    ("0086 13800138000", None, "phone", "+8613800138000", None),
    ("幺三八零零一三八零零零", None, "phone", "+8613800138000", None),
    ("138.0013.8000", None, "phone", "+8613800138000", None),
    ("400-820-8820", None, "phone", "+864008208820", None),
    ("+852 9123 4567", None, "phone", "+85291234567", None),
    ("010 12345678 ext 12", "phone", "phone", "+861012345678", None),
    ("12345678", "phone", "phone", "12345678", None),  # not valid: best-effort digits
    ("+1 234", "phone", "phone", "+1234", None),
    ("95588", None, "short_number", "95588", None),
    ("10086", None, "short_number", "10086", None),
    ("12345678", None, "qq", "12345678", None),
    ("QQ:12345678", None, "qq", "12345678", None),
    ("扣扣 12345678", None, "qq", "12345678", None),
    ("12345", "qq", "qq", "12345", None),
    ("kefu_2024", None, "wechat", "kefu_2024", None),
    ("微信号：Kefu_2024", None, "wechat", "kefu_2024", None),
    ("V: kefu2024", None, "wechat", "kefu2024", None),
    ("wxid_abcd1234efgh", None, "wechat", "wxid_abcd1234efgh", None),
    ("13800138000", "wechat", "wechat", "13800138000", None),
    ("www.Example.com.cn/refund", None, "url", "example.com.cn", "www.example.com.cn"),
    ("https://t.cn/abc", None, "url", "t.cn", "t.cn"),
    ("http://119.29.12.34/pay", "url", "url", "119.29.12.34", "119.29.12.34"),
    ("Kefu@Example.com", None, "email", "kefu@example.com", None),
    ("4111 1111 1111 1111", None, "bank_card", "4111111111111111", None),
    ("6222021234567890128", "bank_card", "bank_card", "6222021234567890128", None),
]


@pytest.mark.parametrize(("value", "given", "type_", "normalized", "detail"), PARSED)
def test_when_contact_given_alone_then_parsed(value, given, type_, normalized, detail):
    c = parse_contact(value, given)
    assert (c.type, c.normalized, c.detail) == (type_, normalized, detail)
    assert (c.value, c.start, c.end) == (value.strip(), -1, -1)


@pytest.mark.parametrize(
    ("value", "given", "message"),
    [
        ("", None, "empty"),
        ("   \u200b ", None, "empty"),
        ("1" * 513, None, "limit is 512"),
        ("13800138000", "fax", "unknown contact type"),
        ("abc", "phone", "no digits"),
        ("138abc0013", "phone", "only digits"),
        ("abc", None, "cannot tell"),
        ("hello world", None, "cannot tell"),
        ("12.50", None, "cannot tell"),
        ("file.txt", "url", "public suffix"),
        ("v1.2", "url", "public suffix"),
        ("abc", "qq", "QQ number"),
        ("0123456", "qq", "QQ number"),
        ("abc", "wechat", "WeChat ID"),
        ("1abcdefg", "wechat", "WeChat ID"),
        ("not an email", "email", "e-mail"),
        ("a@b", "email", "e-mail"),
        ("4111111111111112", "bank_card", "Luhn"),
        ("1234", "bank_card", "15–19 digits"),
        ("12", "short_number", "3–8 digits"),
    ],
)
def test_when_not_a_contact_then_invalid_input(value, given, message):
    with pytest.raises(InvalidInputError, match=message):
        parse_contact(value, given)


def test_when_value_not_a_string_or_region_unknown_then_invalid_input():
    with pytest.raises(InvalidInputError, match="string"):
        parse_contact(13800138000)  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError, match="region"):
        parse_contact("13800138000", default_region="ZZ")


# --- properties ---

_pieces = st.sampled_from(
    [
        *list("QqVv微信扣企鹅号码卡幺三八零一二〇①⓪１３８．＠：:.@/-_+() \u200b\u3000"),
        "13800138000",
        "400-820-8820",
        "+86 ",
        "0086",
        "95588",
        "110",
        "QQ ",
        "vx:",
        "wxid_",
        "kefu_2024",
        "www.",
        "http://",
        ".com",
        ".cn/",
        "@qq.com",
        "4111111111111111",
        "卡号",
        "拨打",
        "例子.中国",
        "xn--",
    ]
)
_texts = st.lists(st.one_of(_pieces, st.text(max_size=6)), max_size=80).map(
    lambda parts: "".join(parts)[:500]
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_texts)
def test_extract_never_raises_and_spans_index_the_original(text):
    contacts = _find(text)
    _assert_spans(text, contacts)
    assert list(contacts) == sorted(contacts, key=lambda c: c.start)
    assert all(a.end <= b.start for a, b in pairwise(contacts))


@settings(max_examples=300, deadline=None)
@given(
    st.from_regex(r"(\+86|0086)?[ -]?1[3-9][0-9]{1,2}[ -]?[0-9]{4}[ -]?[0-9]{4}", fullmatch=True)
)
def test_property_plain_mobile_fast_path_equals_full_parser(raw):
    import detector.contacts as contacts

    fast = parse_contact(raw)
    original = contacts._plain_cn_mobile
    contacts._plain_cn_mobile = lambda value: None
    try:
        slow = parse_contact(raw)
    finally:
        contacts._plain_cn_mobile = original
    assert fast == slow
