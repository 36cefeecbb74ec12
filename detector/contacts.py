"""Contacts in a text: phones, service numbers, QQ, WeChat, URLs, e-mails and bank cards.

Reading order: :meth:`ContactExtractor.extract` normalizes the text once (so ``幺三八…``,
``１３８-0013-8000`` and zero-width characters read as plain digits), runs one finder per
contact type, maps every finding back to the *original* text with the normalizer's offset
map, and keeps, where findings overlap, the most specific one (an e-mail over the URL of its
domain, a QQ number over the phone it looks like, a URL over the digits in its path).

Two views of the text are read:

* the **normalized** text (:mod:`detector.normalize`) for everything made of digits and for
  the QQ/WeChat wording, because that is where obfuscated digits and variant spellings
  (``扣扣``, ``薇信``, ``vx``) have been undone;
* a **folded** view (only step 1 of the normalizer: NFKC, lower case, invisible characters
  dropped) for URLs, e-mails and WeChat IDs, because steps 2–4 would rewrite parts of
  addresses (``kf.qq.com`` would read ``客服.qq.com``, ``119.29.12.34`` would become one
  digit run).

Every regex is bounded (possessive or capped repetition, anchored at token starts), so the
work per character is constant; phone candidates are cut out by a cheap regex and only those
with a plausible digit count go through ``phonenumbers``.
"""

from __future__ import annotations

import ipaddress
import re
from bisect import bisect_left, bisect_right, insort
from collections.abc import Callable, Iterator, Sequence
from functools import lru_cache

import phonenumbers
import tldextract
from phonenumbers import (
    Leniency,
    NumberParseException,
    PhoneNumberFormat,
    PhoneNumberMatcher,
    shortnumberinfo,
)

from detector.errors import InvalidInputError
from detector.normalize import (
    NormalizedText,
    Normalizer,
    _fold,  # step 1 of the pipeline on its own: the view addresses are read from
    default_normalizer,
)
from detector.results import CONTACT_TYPES, Contact

DEFAULT_REGIONS = (
    "CN",
    "HK",
    "TW",
    "MO",
    "US",
    "GB",
    "SG",
    "MY",
    "JP",
    "KR",
    "PH",
    "TH",
    "VN",
    "KH",
    "MM",
)
#: Longest value :func:`parse_contact` accepts (characters).
MAX_CONTACT_CHARS = 512

#: When findings overlap, the lower rank wins.
_PRIORITY = {
    "email": 0,
    "url": 1,
    "qq": 2,
    "wechat": 3,
    "phone": 4,
    "bank_card": 5,
    "short_number": 6,
}
#: Clause and sentence breaks: wording never reaches across them.
_BREAKS = frozenset("。!?;\n")

# --- Phones ---

#: A run that may hold a phone number: digits, "+", parentheses, hyphens and spaces.
_PHONE_RUN = re.compile(r"(?<![0-9])[+(]?[0-9][0-9()\- ]{0,40}+")
_E164_MAX_DIGITS = 15
_INTL_PREFIX_DIGITS = 2  # "00"
_MIN_PHONE_DIGITS = 7
_AFTER_CONTEXT = 4
_DATE_TIME = re.compile(r"(?:19|20)[0-9]{2}[-/. ][01]?[0-9][-/. ][0-3]?[0-9](?: [0-2]?[0-9])?$")

# --- Service (short) numbers ---

_SHORT_RUN = re.compile(r"(?<![0-9])[0-9]{3,6}(?![0-9])")
#: Characters that, right before a number, make it part of something else.
_SHORT_BAD_BEFORE = frozenset("abcdefghijklmnopqrstuvwxyz_.+-/:¥$#@%&=")
_SHORT_BAD_AFTER = re.compile(
    r"[a-z_%@&=]|[-/:.][0-9]|[ ]?(?:元|块|圆|万|千|百|角|毛|分|美元|美金|港币|人民币|"
    r"%|个|次|天|年|月|日|号|时|点|岁|件|笔|位|人|条|张|单|期|小时|分钟|秒|积分|q币|米|斤|克"
    r"|(?:yuan|rmb|usd|hkd|dollars?|points?|times|days?|years?|pcs|items?)(?![a-z]))"
)
_SHORT_BAD_CONTEXT = re.compile(
    r"订单|[单编工学账帐卡房型批货尾]号|验证码|校验码|动态码|密码|金额|价格|余额|价|¥|\$|第|共|#|"
    r"(?<![a-z])(?:code|pin|order|no\.|id|room)(?![a-z])"
)
#: Three-digit numbers (110, 120, 12x) only count right after calling wording.
_CALL_CONTEXT = re.compile(
    r"拨打|拨|打|致电|电话|热线|报警|呼叫"
    r"|(?<![a-z])(?:call|dial|hotline|phone|telephone|tel)(?![a-z])"
)
_CONTEXT_REACH = 8

# --- QQ and WeChat ---

_QQ_WORD = re.compile(r"(?<![a-z0-9@._/\-])(?:qq|q(?=号|群|[ ]?[:=]))(?![a-z])(?!\.[a-z0-9])")
_WECHAT_WORD = re.compile(
    r"微信|(?<![a-z0-9_\-])(?:wechat|we chat)(?![a-z0-9_\-])|(?<![a-z0-9_@./\-])v(?=[ ]?[:=])"
)
_HINT = re.compile(r"[0-9@.]")
_WXID = re.compile(r"(?<![a-z0-9_\-])wxid_[a-z0-9_\-]{4,30}(?![a-z0-9_\-])")
#: Tokens read after QQ/WeChat wording: an ASCII word, a number, or any one character.
_TOKEN = re.compile(r"[a-z][a-z0-9_\-]{0,40}|\+?[0-9]{1,24}|.", re.S)
_WECHAT_ID = re.compile(r"[a-z][a-z0-9_\-]{5,19}")
_QQ_ID = re.compile(r"[1-9][0-9]{4,10}")
#: English words allowed between the wording and the ID ("WeChat ID is …").
_FILLERS = frozenset(
    {"id", "is", "me", "my", "at", "on", "add", "account", "number", "no", "search", "the"}
)
#: Words that say an ID follows; a WeChat ID of letters only needs one of them.
_ID_MARKERS = frozenset({":", "=", "号", "是", "为", "搜", "id", "is"})
#: Wording between QQ/WeChat and a number that says the number is something else.
_OTHER_THING = re.compile(r"电话|手机|热线|密码|验证码|卡号|订单|金额|余额|银行|身份证")
_WORDING_GAP_UNITS = 8
_WORDING_REACH = 48

# --- Bank cards ---

_CARD_RUN = re.compile(r"(?<![0-9+.])[0-9]{15,19}(?![0-9x]|\.[0-9])")
_CARD_WORDS = re.compile(r"卡号|银行卡|信用卡|储蓄卡|借记卡|card|账号|帐号|账户|收款")
_NOT_CARD_WORDS = re.compile(
    r"卡密|密码|订单|单号|编号|流水|交易号|快递|运单|物流|身份证|证件|id card|identity"
)
#: Issuer prefixes (Visa, Mastercard, Amex, JCB, Diners, UnionPay/Discover): a card needs
#: one when no card wording is near.
_CARD_IIN = re.compile(r"4|5[1-5]|222[1-9]|22[3-9]|2[3-6]|27[01]|2720|3[47]|35|3[068]|6")
_CARD_REACH = 12

# --- URLs and e-mails ---

_ASCII_LABEL = r"[a-z0-9\-]{1,63}+"
_ANY_LABEL = r"(?:[^\W_]|-){1,63}+"
_PATH_CHARS = r"[a-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]"
_URL_BODY = (
    rf"(?:(?P<scheme>https?|ftp)://(?P<host>{_ANY_LABEL}(?:\.{_ANY_LABEL}){{0,9}}+)"
    rf"|(?P<bare>{_ASCII_LABEL}(?:\.{_ASCII_LABEL}){{1,9}}+))"
    rf"(?P<tail>(?::[0-9]{{1,5}}(?![0-9]))?(?:[/?#]{_PATH_CHARS}{{0,2000}}+)?)"
)
_URL = re.compile(r"(?<![a-z0-9_@.\-])" + _URL_BODY)
_URL_FULL = re.compile(_URL_BODY)
_EMAIL = re.compile(
    r"(?<![a-z0-9._%+\-])(?P<local>[a-z0-9._%+\-]{1,64}+)"
    rf"@(?P<host>{_ASCII_LABEL}(?:\.{_ASCII_LABEL}){{1,9}}+)"
)
_TRAILING_PUNCT = ".,;:!?'\")]}*"
#: Public suffixes that, on a bare word, are far more often a file extension.
_FILE_SUFFIXES = frozenset({"zip", "mov", "md", "py", "sh", "rs", "pl", "ps", "so", "pm"})
#: Abbreviations that, glued to a name (``Mr.Wang``), look like a domain.
_TITLES = frozenset({"mr", "mrs", "ms", "dr", "prof", "st", "jr", "sr", "mt", "no", "vs", "fig"})
#: Characters trimmed one by one off a Unicode host that runs into the following text.
_MAX_HOST_TRIM = 24


# --- Small helpers ---


def _luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = ord(ch) - 48
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def _looks_like_id_number(digits: str) -> bool:
    """An 18-digit resident ID number: region, then a birth date 19xx/20xx-MM-DD."""
    if len(digits) != 18 or digits[6:8] not in ("19", "20"):
        return False
    month, day = int(digits[10:12]), int(digits[12:14])
    return 1 <= month <= 12 and 1 <= day <= 31


@lru_cache(maxsize=1)
def _tld_extractor() -> tldextract.TLDExtract:
    """The bundled public-suffix snapshot; never fetched, never cached on disk."""
    return tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)


def _registered_domain(host: str) -> str | None:
    """``example.com.cn`` for ``www.example.com.cn``; None when ``host`` has no public suffix."""
    if not host or ".." in host or host.startswith(".") or host.endswith("."):
        return None
    if any(label.startswith("-") or label.endswith("-") for label in host.split(".")):
        return None
    try:
        parts = _tld_extractor()(host)
    except (ValueError, UnicodeError):  # pragma: no cover - tldextract is lenient
        return None
    if not parts.suffix or not parts.domain:
        return None
    return f"{parts.domain}.{parts.suffix}"


def _is_ipv4(host: str) -> bool:
    try:
        return isinstance(ipaddress.ip_address(host), ipaddress.IPv4Address)
    except ValueError:
        return False


def _check_region(region: str) -> str:
    code = region.upper() if isinstance(region, str) else ""
    if code not in phonenumbers.SUPPORTED_REGIONS:
        raise InvalidInputError(f"unknown region {region!r}: use a two-letter code like 'CN'")
    return code


def _fold_view(original: str) -> NormalizedText:
    text, starts, ends = _fold(original)
    return NormalizedText(original, text, starts, ends)


def _contact(
    view: NormalizedText,
    type_: str,
    start: int,
    end: int,
    normalized: str,
    detail: str | None = None,
) -> Contact:
    a, b = view.to_original(start, end)
    return Contact(type_, view.original[a:b], normalized, a, b, detail)


@lru_cache(maxsize=4096)
def _match_phones(chunk: str, region: str) -> tuple[tuple[int, int, str, int], ...]:
    """``PhoneNumberMatcher`` (VALID) over one candidate run: ``(start, end, e164, cc)``."""
    return tuple(
        (
            m.start,
            m.end,
            phonenumbers.format_number(m.number, PhoneNumberFormat.E164),
            m.number.country_code,
        )
        for m in PhoneNumberMatcher(chunk, region, leniency=Leniency.VALID, max_tries=64)
    )


@lru_cache(maxsize=4096)
def _is_short_number(digits: str, region: str) -> bool:
    try:
        number = phonenumbers.parse(digits, region)
    except NumberParseException:
        return False
    return shortnumberinfo.is_valid_short_number_for_region(number, region)


@lru_cache(maxsize=4096)
def _valid_phone(digits: str, region: str) -> str | None:
    """E.164 of ``digits`` when it is a valid number (``+``/``00`` or national), else None."""
    try:
        number = phonenumbers.parse(digits, region)
    except NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, PhoneNumberFormat.E164)


def _clause_before(text: str, pos: int, reach: int) -> str:
    """Up to ``reach`` characters before ``pos``, cut at the last clause break."""
    window = text[max(0, pos - reach) : pos]
    for i in range(len(window) - 1, -1, -1):
        if window[i] in _BREAKS or window[i] == ",":
            return window[i + 1 :]
    return window


def _tokens_after(text: str, pos: int, limit: int) -> Iterator[tuple[str, int, str]]:
    """Tokens after QQ/WeChat wording: ``(token, start, gap so far)``, until a break.

    Stops after :data:`_WORDING_GAP_UNITS` tokens that are not candidates, at a clause
    break, or at ``limit`` (where the next wording starts).
    """
    gap: list[str] = []
    stop = min(limit, pos + _WORDING_REACH)
    for m in _TOKEN.finditer(text, pos, stop):
        tok = m.group(0)
        if tok in _BREAKS:
            return
        if m.end() == stop < len(text) and text[stop].isascii() and text[stop].isalnum():
            return  # the window cut a word or number in two
        yield tok, m.start(), "".join(gap)
        gap.append(tok)
        if len(gap) > _WORDING_GAP_UNITS:
            return


# --- The extractor ---


class _Views:
    """The normalized text and, built on first use, the folded view of the same original."""

    def __init__(self, norm: NormalizedText):
        self.norm = norm
        self._folded: NormalizedText | None = None

    @property
    def folded(self) -> NormalizedText:
        if self._folded is None:
            self._folded = _fold_view(self.norm.original)
        return self._folded


class ContactExtractor:
    """Finds contacts in a text; the one entry point is :meth:`extract`.

    ``default_region`` reads numbers written without a country code; ``regions`` are the
    regions whose numbers are reported when written with ``+`` or ``00`` (numbers of other
    countries are left out). Stateless once built; thread-safe.
    """

    def __init__(
        self,
        normalizer: Normalizer | None = None,
        default_region: str = "CN",
        regions: Sequence[str] = DEFAULT_REGIONS,
    ):
        self.normalizer = normalizer if normalizer is not None else default_normalizer()
        self.default_region = _check_region(default_region)
        self.regions = tuple(_check_region(r) for r in regions)
        self._country_codes = frozenset(
            phonenumbers.country_code_for_region(r) for r in (self.default_region, *self.regions)
        )
        metadata = phonenumbers.PhoneMetadata.metadata_for_region(self.default_region)
        national_prefix = (metadata.national_prefix or "") if metadata else ""
        lengths = (metadata.general_desc.possible_length if metadata else None) or (12,)
        self._max_national_digits = max(lengths) + len(national_prefix)

    def extract(self, text: str | NormalizedText) -> tuple[Contact, ...]:
        """All contacts in ``text``, ordered by position; spans index the original text."""
        norm = text if isinstance(text, NormalizedText) else self.normalizer.normalize(text)
        if not _HINT.search(norm.text) and not _WECHAT_WORD.search(norm.text):
            return ()  # no digit, dot, '@' or WeChat wording: nothing can be a contact
        views = _Views(norm)
        found: list[Contact] = []
        finders: tuple[Callable[[_Views], Iterator[Contact]], ...] = (
            self._phones,
            self._short_numbers,
            self._qq,
            self._wechat,
            self._bank_cards,
            self._emails,
            self._urls,
        )
        for finder in finders:
            found.extend(finder(views))
        return _without_overlaps(found)

    # --- digits ---

    def _phones(self, views: _Views) -> Iterator[Contact]:
        text = views.norm.text
        for run in _PHONE_RUN.finditer(text):
            raw = run.group(0).rstrip(" -(")
            digits = sum(c.isdigit() for c in raw)
            international = raw.lstrip("(").startswith(("+", "00"))
            limit = (
                _E164_MAX_DIGITS + _INTL_PREFIX_DIGITS
                if international
                else self._max_national_digits
            )
            if not _MIN_PHONE_DIGITS <= digits <= limit:
                continue
            if _DATE_TIME.match(raw):
                continue
            # Context either side: the matcher rejects numbers glued to letters or currency
            # signs (kefu13800138000, ¥13800138000) and times ("2024-11-27 13:45").
            lo = max(0, run.start() - 1)
            hi = min(len(text), run.start() + len(raw) + _AFTER_CONTEXT)
            for start, end, e164, cc in _match_phones(text[lo:hi], self.default_region):
                if cc in self._country_codes:
                    yield _contact(views.norm, "phone", lo + start, lo + end, e164)

    def _short_numbers(self, views: _Views) -> Iterator[Contact]:
        text = views.norm.text
        for m in _SHORT_RUN.finditer(text):
            start, end = m.span()
            digits = m.group(0)
            if start and text[start - 1] in _SHORT_BAD_BEFORE:
                continue
            if _SHORT_BAD_AFTER.match(text, end):
                continue
            before = _clause_before(text, start, _CONTEXT_REACH)
            if _SHORT_BAD_CONTEXT.search(before):
                continue
            if len(digits) == 3 and not _CALL_CONTEXT.search(before):
                continue
            if _is_short_number(digits, self.default_region):
                yield _contact(views.norm, "short_number", start, end, digits)

    def _bank_cards(self, views: _Views) -> Iterator[Contact]:
        text = views.norm.text
        for m in _CARD_RUN.finditer(text):
            digits = m.group(0)
            if not _luhn_ok(digits):
                continue
            before = _clause_before(text, m.start(), _CARD_REACH)
            if _NOT_CARD_WORDS.search(before):
                continue
            if not _CARD_WORDS.search(before) and (
                not _CARD_IIN.match(digits)
                or _looks_like_id_number(digits)
                or (len(digits) == 15 and not digits.startswith(("34", "37")))
            ):
                continue
            yield _contact(views.norm, "bank_card", m.start(), m.end(), digits)

    # --- wording + ID ---

    def _qq(self, views: _Views) -> Iterator[Contact]:
        text = views.norm.text
        words = list(_QQ_WORD.finditer(text))
        for i, word in enumerate(words):
            limit = words[i + 1].start() if i + 1 < len(words) else len(text)
            for tok, start, gap in _tokens_after(text, word.end(), limit):
                if tok[0].isdigit():
                    end = start + len(tok)
                    if (
                        _QQ_ID.fullmatch(tok)
                        and not _OTHER_THING.search(gap)
                        and not text.startswith(".", end)
                    ):
                        yield _contact(views.norm, "qq", start, end, tok)
                    break
                if tok[0] == "+" or (tok[0].isascii() and tok[0].isalpha() and tok not in _FILLERS):
                    break

    def _wechat(self, views: _Views) -> Iterator[Contact]:
        text = views.norm.text
        words = list(_WECHAT_WORD.finditer(text))
        for i, word in enumerate(words):
            limit = words[i + 1].start() if i + 1 < len(words) else len(text)
            for tok, start, gap in _tokens_after(text, word.end(), limit):
                end = start + len(tok)
                if tok[0] in "+0123456789":
                    e164 = _valid_phone(tok, self.default_region)
                    if e164 and not _OTHER_THING.search(gap):
                        yield _contact(views.norm, "wechat", start, end, tok)
                    break
                if tok[0].isascii() and tok[0].isalpha():
                    if tok in _FILLERS:
                        continue
                    found = self._wechat_id(views, tok, start, end, gap)
                    if found is not None:
                        yield found
                    break
        for m in _WXID.finditer(text):
            yield _contact(views.norm, "wechat", m.start(), m.end(), m.group(0))

    def _wechat_id(self, views: _Views, tok: str, start: int, end: int, gap: str) -> Contact | None:
        text = views.norm.text
        if not _WECHAT_ID.fullmatch(tok) or re.match(r"[.@][a-z0-9]", text[end : end + 2]):
            return None
        if tok.isalpha() and not any(marker in gap for marker in _ID_MARKERS):
            return None  # "微信 account …": a plain word needs "微信号:" or "ID"
        # Read the ID again where only step 1 applied: the normalizer may have merged digit
        # groups inside it ("kefu-138-0013-8000").
        a, _ = views.norm.to_original(start, end)
        folded = views.folded
        i = bisect_left(folded.starts, a)
        if i < len(folded.text) and folded.starts[i] == a:
            m = _WECHAT_ID.match(folded.text, i)
            if m and not re.match(r"[a-z0-9_\-]|[.@][a-z0-9]", folded.text[m.end() : m.end() + 2]):
                return _contact(folded, "wechat", m.start(), m.end(), m.group(0))
        return _contact(views.norm, "wechat", start, end, tok)

    # --- addresses ---

    def _emails(self, views: _Views) -> Iterator[Contact]:
        if "@" not in views.norm.text:
            return
        folded = views.folded
        for m in _EMAIL.finditer(folded.text):
            local, host = m.group("local"), m.group("host")
            if local.startswith(".") or local.endswith(".") or ".." in local:
                continue
            if _registered_domain(host) is None:
                continue
            yield _contact(folded, "email", m.start(), m.end(), m.group(0))

    def _urls(self, views: _Views) -> Iterator[Contact]:
        if "." not in views.norm.text and "://" not in views.norm.text:
            return
        folded = views.folded
        for m in _URL.finditer(folded.text):
            found = _url_from_match(folded, m)
            if found is not None:
                yield found


def _url_from_match(folded: NormalizedText, m: re.Match[str]) -> Contact | None:
    """The URL behind one regex match, or None when its host has no public suffix."""
    scheme = m.group("scheme")
    parsed = _url_parts(m)
    if parsed is None:
        return None
    host, domain, tail = parsed
    end = m.start("host" if scheme else "bare") + len(host) + len(tail)
    if not scheme and not tail and not host.startswith("www."):
        suffix = host.rsplit(".", 1)[-1]
        if suffix in _FILE_SUFFIXES:
            return None  # readme.md, setup.py
        if host.count(".") == 1 and host.split(".")[0] in _TITLES:
            return None  # Mr.Wang, Dr.Li: a name after a title, not a domain
    return _contact(folded, "url", m.start(), end, domain, detail=host)


def _url_parts(m: re.Match[str]) -> tuple[str, str, str] | None:
    """``(host, registered domain, port+path)`` of a URL match; None when it is no URL."""
    scheme = m.group("scheme")
    host = m.group("host") if scheme else m.group("bare")
    tail = m.group("tail").rstrip(_TRAILING_PUNCT)
    if scheme and _is_ipv4(host):
        return host, host, tail
    domain = _registered_domain(host)
    if scheme and domain is None and not host.isascii():
        # "http://例子.中国请点击": a Unicode host runs into the words after it.
        for cut in range(1, min(_MAX_HOST_TRIM, len(host) - 1)):
            domain = _registered_domain(host[:-cut])
            if domain is not None:
                host, tail = host[:-cut], ""
                break
    if domain is None:
        return None
    if not scheme and not re.search(r"[a-z]", host.rsplit(".", 1)[-1]):
        return None  # v1.2, 12.50
    return host, domain, tail


def _without_overlaps(found: list[Contact]) -> tuple[Contact, ...]:
    """Keep the most specific of overlapping findings; order the rest by position."""
    found.sort(key=lambda c: (_PRIORITY[c.type], c.start, -c.end))
    starts: list[int] = []
    ends: list[int] = []
    kept: dict[int, Contact] = {}
    for c in found:
        i = bisect_right(starts, c.start)
        if i and ends[i - 1] > c.start:
            continue
        if i < len(starts) and starts[i] < c.end:
            continue
        insort(starts, c.start)
        insort(ends, c.end)
        kept[c.start] = c
    return tuple(kept[s] for s in starts)


@lru_cache(maxsize=1)
def default_extractor() -> ContactExtractor:
    """The extractor on the shipped normalizer and default regions (built once).

    Building it also loads the public-suffix snapshot and the phone metadata, so the first
    message does not pay for them.
    """
    extractor = ContactExtractor()
    extractor.extract("kefu.com 13800138000 95588 +85291234567")
    return extractor


# --- One contact on its own ---

_PHONE_CHARS = re.compile(r"[\s()\-./]")
_PHONE_EXTENSION = re.compile(r"(?:ext\.?|x|#|转|分机)[0-9]{1,6}$")
#: Wording written before a value given on its own ("QQ: 12345678", "微信号：kefu_01").
_QQ_PREFIX = re.compile(r"(?:qq|q)(?:号码|号|群号|群)?[ ]?[:=]?[ ]?")
_WECHAT_PREFIX = re.compile(
    r"(?:(?:微信|薇信|威信|徽信|维信|v信)(?:号码|号|id)?[ ]?[:=]?"
    r"|(?:wechat|weixin|vx|wx|v)(?:[ ]?id)?[ ]?[:=]"
    r"|(?:wechat|weixin)(?:[ ]?id)?[ ])[ ]?"
)


def parse_contact(value: str, type: str | None = None, default_region: str = "CN") -> Contact:
    """Read one contact given on its own (``check this number/QQ/WeChat/URL``).

    Guesses the type when ``type`` is None. Raises :class:`InvalidInputError` when ``value``
    cannot be a contact of that type; a phone number that is not *valid* is still returned
    (E.164 when valid, else its digits with any ``+``: judging validity is the job of
    ``detector/numbers.py``). ``start``/``end`` stay -1.
    """
    if not isinstance(value, str):
        raise InvalidInputError(f"contact must be a string, not {value.__class__.__name__}")
    if len(value) > MAX_CONTACT_CHARS:
        raise InvalidInputError(
            f"contact has {len(value)} characters; the limit is {MAX_CONTACT_CHARS}",
            length=len(value),
            limit=MAX_CONTACT_CHARS,
        )
    if type is not None and type not in CONTACT_TYPES:
        raise InvalidInputError(
            f"unknown contact type {type!r}; expected one of: {', '.join(CONTACT_TYPES)}"
        )
    region = _check_region(default_region)
    stripped = value.strip()
    if type in (None, "phone") and region == "CN":
        fast = _plain_cn_mobile(stripped)
        if fast is not None:
            return Contact("phone", stripped, fast)
    folded = _fold(stripped)[0]
    if not folded:
        raise InvalidInputError("contact is empty")
    normalized = default_normalizer().normalize(stripped).text
    kind = type if type is not None else _guess_type(folded, normalized, region)
    key, detail = _PARSERS[kind](folded, normalized, region)
    return Contact(kind, stripped, key, detail=detail)


_PLAIN_MOBILE = re.compile(r"(?:\+86|0086)?(1[3-9][0-9]{9})")
_SEPARATORS = str.maketrans("", "", " -")


def _plain_cn_mobile(value: str) -> str | None:
    """E.164 of a plainly written Chinese mobile (``138 0013 8000``, ``+86-138…``), without
    the full parser (audits read hundreds of thousands); None for anything else."""
    from detector.numbers import _cn_mobile_fast

    m = _PLAIN_MOBILE.fullmatch(value.translate(_SEPARATORS))
    if m is None or _cn_mobile_fast(m.group(1)) is None:
        return None
    return "+86" + m.group(1)


def _compact_digits(text: str) -> str:
    """``+8613800138000`` for ``+86 (138) 0013-8000``; '' when other characters remain."""
    compact = _PHONE_CHARS.sub("", text)
    return compact if re.fullmatch(r"\+?[0-9]+", compact) else ""


def _guess_type(folded: str, normalized: str, region: str) -> str:
    if "@" in folded:
        return "email"
    compact = _compact_digits(normalized)
    if compact:
        digits = compact.lstrip("+")
        if compact.startswith("+") or digits.startswith("00"):
            return "phone"
        if 15 <= len(digits) <= 19 and _luhn_ok(digits) and not _valid_phone(digits, region):
            return "bank_card"
        if 3 <= len(digits) <= 6 and _is_short_number(digits, region):
            return "short_number"
        if _valid_phone(digits, region):
            return "phone"
        if _QQ_ID.fullmatch(digits):
            return "qq"
        if _MIN_PHONE_DIGITS <= len(digits) <= _E164_MAX_DIGITS + _INTL_PREFIX_DIGITS:
            return "phone"
    m = _URL_FULL.fullmatch(folded)
    if m and _url_parts(m) is not None:
        return "url"
    qq = _QQ_PREFIX.match(normalized)
    if qq and qq.end() and _QQ_ID.fullmatch(_compact_digits(normalized[qq.end() :])):
        return "qq"
    if _WECHAT_PREFIX.match(folded) or _WECHAT_ID.fullmatch(folded) or _WXID.fullmatch(folded):
        return "wechat"
    raise InvalidInputError(
        f"cannot tell what kind of contact {folded[:40]!r} is; "
        f"pass its type (one of: {', '.join(CONTACT_TYPES)})"
    )


def _parse_phone(folded: str, normalized: str, region: str) -> tuple[str, None]:
    if not any(c.isdigit() for c in normalized):
        raise InvalidInputError(f"{folded[:40]!r} is not a phone number: it has no digits")
    compact = _compact_digits(_PHONE_EXTENSION.sub("", normalized.replace(" ", "")))
    if not compact:
        raise InvalidInputError(
            f"{folded[:40]!r} is not a phone number: only digits, '+', spaces, '-', '.', '/' "
            "and parentheses may appear"
        )
    return _valid_phone(compact, region) or compact, None


def _digits_parser(name: str, lo: int, hi: int) -> Callable[[str, str, str], tuple[str, None]]:
    def parse(folded: str, normalized: str, region: str) -> tuple[str, None]:
        compact = _compact_digits(normalized)
        if not compact or compact.startswith("+") or not lo <= len(compact) <= hi:
            raise InvalidInputError(f"{folded[:40]!r} is not a {name}: expected {lo}–{hi} digits")
        return compact, None

    return parse


def _parse_qq(folded: str, normalized: str, region: str) -> tuple[str, None]:
    prefix = _QQ_PREFIX.match(normalized)
    number = _compact_digits(normalized[prefix.end() :] if prefix else normalized)
    if not _QQ_ID.fullmatch(number):
        raise InvalidInputError(
            f"{folded[:40]!r} is not a QQ number: expected 5–11 digits not starting with 0"
        )
    return number, None


def _parse_wechat(folded: str, normalized: str, region: str) -> tuple[str, None]:
    prefix = _WECHAT_PREFIX.match(folded)
    wid = folded[prefix.end() :] if prefix else folded
    if _WECHAT_ID.fullmatch(wid) or _WXID.fullmatch(wid):
        return wid, None
    compact = _compact_digits(wid)
    if compact and _valid_phone(compact, region):
        return compact, None
    raise InvalidInputError(
        f"{folded[:40]!r} is not a WeChat ID: expected 6–20 letters, digits, '_' or '-' "
        "starting with a letter, or a phone number"
    )


def _parse_url(folded: str, normalized: str, region: str) -> tuple[str, str]:
    m = _URL_FULL.fullmatch(folded)
    parts = _url_parts(m) if m else None
    if parts is None or (m is not None and m.group("tail") != parts[2]):
        raise InvalidInputError(f"{folded[:40]!r} is not a URL or a domain with a public suffix")
    host, domain, _ = parts
    return domain, host


def _parse_email(folded: str, normalized: str, region: str) -> tuple[str, None]:
    m = _EMAIL.fullmatch(folded)
    local = m.group("local") if m else "."
    if (
        m is None
        or local.startswith(".")
        or local.endswith(".")
        or ".." in local
        or _registered_domain(m.group("host")) is None
    ):
        raise InvalidInputError(f"{folded[:40]!r} is not an e-mail address")
    return folded, None


def _parse_bank_card(folded: str, normalized: str, region: str) -> tuple[str, None]:
    digits, _ = _digits_parser("bank card number", 15, 19)(folded, normalized, region)
    if not _luhn_ok(digits):
        raise InvalidInputError(f"{folded[:40]!r} is not a card number: it fails the Luhn check")
    return digits, None


_PARSERS: dict[str, Callable[[str, str, str], tuple[str, str | None]]] = {
    "phone": _parse_phone,
    "short_number": _digits_parser("service number", 3, 8),
    "qq": _parse_qq,
    "wechat": _parse_wechat,
    "url": _parse_url,
    "email": _parse_email,
    "bank_card": _parse_bank_card,
}
