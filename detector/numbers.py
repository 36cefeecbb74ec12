"""What a phone or short number is: line class, E.164 form, region, carrier and risk reasons.

libphonenumber (``phonenumbers``) parses and validates; this module adds the Chinese rules
it does not know (which short numbers are emergency, carrier, 95/96 service or 106 SMS
gateway numbers, which mobile segments belong to virtual operators) from the data file
``detector/data/cn_number_segments.yaml``, and turns the result into :class:`Reason` codes.
Carrier and place names come from :mod:`detector.cn_prefix_table` (the same names as
``phonenumbers.carrier``/``geocoder`` give in Chinese, without their 100 MB of data); the
audit analyzes many numbers at once through :func:`detector.bulk.analyze_many`.

Line classes are tried in this order for a Chinese (+86) number; the first that fits wins:

1. ``emergency`` — 110, 119, 120, 122, 12110… (data file, plus libphonenumber's list);
2. ``carrier_service`` — 10086, 10010, 10000, 10099, any 5-digit 100xx, and the named ones
   followed by a short menu code (1008611);
3. ``sms_gateway_106`` — 106… senders of 8–20 digits.  Written with +86, a number that is a
   valid landline (``+86 10 6901 2345`` is Beijing 6901 2345) stays a landline;
4. ``service_95_96`` — 95xxx/96xxx of 5–8 digits, and what libphonenumber calls shared-cost
   other than 400 (the 10–11 digit 950… numbers and area code + 96xxx local numbers);
5. ``shared_cost_400`` — 400-xxx-xxxx;
6. ``toll_free_800`` — 800-xxx-xxxx, and libphonenumber's other toll-free ranges (10800…);
7. ``virtual_operator`` — a valid mobile whose segment (170, 171, 162, 165, 167) is a
   virtual-operator segment;
8. ``mobile``;
9. ``fixed_line`` — valid landlines (and FIXED_LINE_OR_MOBILE that is not a 1xx mobile,
   and premium-rate 160/168 numbers, with a reason); also a 7–8 digit subscriber number
   written without its area code, which is marked ``valid=False`` with the reason
   ``missing_area_code`` because its area, and so its validity, cannot be known;
10. any other short number libphonenumber knows for CN (12306, 12345, 114…) is reported as
    ``service_95_96`` with the reason ``other_short_service_number``;
11. ``invalid`` — everything else, with the reason why.

A number with another country code is ``international`` when valid, ``invalid`` otherwise.
Hong Kong (+852), Macao (+853) and Taiwan (+886) numbers count as ``international``: they
are separate numbering plans, and scams aimed at mainland users often call from them.

Channel reasons: on a ``call``, a 400, 800, 95/96, carrier-service or 106 number gives
``service_line_as_caller`` — 400/800 lines only receive calls and 106 numbers only send SMS,
so such a caller ID is spoofed; banks and carriers do occasionally call from their 95xxx and
100xx numbers, so for those the message says "favourite spoofed caller ID" rather than
"spoofed".  On an ``sms``, only 400/800 senders give ``service_line_as_sms_sender`` (a
separate code): banks and carriers send SMS from 95xxx/100xx numbers and 106 numbers exist
to send SMS.  Other channels (chat, email, qq, wechat) carry no channel reason.

``valid`` is True for every recognized number, short numbers included (libphonenumber's own
``is_valid_number`` is False for 95588); ``e164`` is set only for numbers libphonenumber
can format as E.164 (mobiles, landlines, 400/800, international numbers), never for short
numbers or 106 gateways, which cannot be dialled from abroad.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

import phonenumbers
import yaml
from phonenumbers import PhoneNumber, PhoneNumberFormat, PhoneNumberType, shortnumberinfo

from detector import cn_prefix_table as names
from detector.errors import ConfigError, InvalidInputError
from detector.results import NumberInfo, Reason

E164 = PhoneNumberFormat.E164

DATA_DIR = Path(__file__).resolve().parent / "data"
SEGMENTS_FILE = DATA_DIR / "cn_number_segments.yaml"

LINE_CLASSES = (
    "mobile",
    "virtual_operator",
    "fixed_line",
    "shared_cost_400",
    "toll_free_800",
    "service_95_96",
    "carrier_service",
    "sms_gateway_106",
    "emergency",
    "international",
    "invalid",
)
CHANNELS = ("call", "sms", "chat", "email", "qq", "wechat")

#: Every reason code :func:`analyze` can return. Stable: consumers key on these.
REASON_CODES = (
    "invalid_number",
    "short_number_unknown",
    "international_number",
    "international_presented_as_domestic",
    "service_number_with_foreign_prefix",
    "service_line_as_caller",
    "service_line_as_sms_sender",
    "virtual_operator_segment",
    "missing_area_code",
    "premium_rate_number",
    "other_short_service_number",
)

#: Longer input is not a phone number (characters, before any clean-up).
MAX_INPUT_CHARS = 64
#: More digits than this is not a phone number (106 SMS gateways go up to 20).
MAX_DIGITS = 20

#: Lines that do not place voice calls: an incoming call showing one is suspect.
_NO_OUTGOING_CALLS = frozenset(
    {"shared_cost_400", "toll_free_800", "service_95_96", "carrier_service", "sms_gateway_106"}
)
#: Lines that cannot send SMS.
_NO_SMS = frozenset({"shared_cost_400", "toll_free_800"})

_SEPARATORS = frozenset(" -.()/*_~·•\u2010\u2011\u2012\u2013\u2014\u2015\u2212\u3000")
_DIGIT_STRING = re.compile(r"[0-9]+")


# -- data file --


@dataclass(frozen=True, slots=True)
class SegmentTable:
    """The validated contents of ``cn_number_segments.yaml`` (see that file)."""

    virtual_segments: tuple[str, ...]
    virtual_source: str
    verified_at: str
    emergency: frozenset[str]
    carrier_numbers: Mapping[str, str]
    carrier_family_prefix: str
    carrier_family_digits: int
    carrier_max_extension: int
    sms_prefix: str
    sms_min_digits: int
    sms_max_digits: int
    service_prefixes: tuple[str, ...]
    service_min_digits: int
    service_max_digits: int
    shared_cost_prefix: str
    shared_cost_digits: int
    toll_free_prefix: str
    toll_free_digits: int
    local_first_digits: frozenset[str]
    local_min_digits: int
    local_max_digits: int
    descriptions: Mapping[str, str]
    path: str = ""

    def is_carrier_service(self, nat: str) -> bool:
        if nat in self.carrier_numbers:
            return True
        if len(nat) == self.carrier_family_digits and nat.startswith(self.carrier_family_prefix):
            return True
        return any(
            nat.startswith(num) and 0 < len(nat) - len(num) <= self.carrier_max_extension
            for num in self.carrier_numbers
        )

    def carrier_operator(self, nat: str) -> str | None:
        for num, name in self.carrier_numbers.items():
            if nat.startswith(num):
                return name
        return None

    def is_sms_gateway(self, nat: str) -> bool:
        return nat.startswith(self.sms_prefix) and (
            self.sms_min_digits <= len(nat) <= self.sms_max_digits
        )

    def is_service_95_96(self, nat: str) -> bool:
        return nat.startswith(self.service_prefixes) and (
            self.service_min_digits <= len(nat) <= self.service_max_digits
        )

    def is_shared_cost_400(self, nsn: str) -> bool:
        return len(nsn) == self.shared_cost_digits and nsn.startswith(self.shared_cost_prefix)

    def is_toll_free_800(self, nsn: str) -> bool:
        return len(nsn) == self.toll_free_digits and nsn.startswith(self.toll_free_prefix)

    def is_virtual_segment(self, nsn: str) -> bool:
        return nsn.startswith(self.virtual_segments)

    def is_local_fixed_line(self, nat: str) -> bool:
        return (
            self.local_min_digits <= len(nat) <= self.local_max_digits
            and nat[:1] in self.local_first_digits
        )

    def is_cn_service_number(self, digits: str) -> bool:
        """Digits that read as a Chinese service number (for '+95588'-style spoofing)."""
        return (
            digits in self.emergency
            or self.is_carrier_service(digits)
            or self.is_sms_gateway(digits)
            or self.is_service_95_96(digits)
            or self.is_shared_cost_400(digits)
            or self.is_toll_free_800(digits)
        )


_SECTIONS: dict[str, dict[str, tuple[type, ...]]] = {
    "virtual_operator": {
        "description": (str,),
        "source": (str,),
        "verified_at": (str, dt.date),
        "segments": (list,),
    },
    "emergency": {"description": (str,), "numbers": (list,)},
    "carrier_service": {
        "description": (str,),
        "numbers": (dict,),
        "family_prefix": (str,),
        "family_digits": (int,),
        "max_extension_digits": (int,),
    },
    "sms_gateway_106": {
        "description": (str,),
        "prefix": (str,),
        "min_digits": (int,),
        "max_digits": (int,),
    },
    "service_95_96": {
        "description": (str,),
        "prefixes": (list,),
        "min_digits": (int,),
        "max_digits": (int,),
    },
    "shared_cost_400": {"description": (str,), "prefix": (str,), "digits": (int,)},
    "toll_free_800": {"description": (str,), "prefix": (str,), "digits": (int,)},
    "local_fixed_line": {
        "description": (str,),
        "first_digits": (list,),
        "min_digits": (int,),
        "max_digits": (int,),
    },
}


def _digit_strings(where: str, items: Any, what: str) -> tuple[str, ...]:
    if not isinstance(items, list | tuple | dict) or not items:
        raise ConfigError(f"{where}: {what} must be a non-empty list of digit strings")
    seen: set[str] = set()
    for item in items:
        if not isinstance(item, str) or not _DIGIT_STRING.fullmatch(item):
            raise ConfigError(
                f'{where}: {what} entry {item!r} is not a quoted digit string (write "{item}")'
            )
        if item in seen:
            raise ConfigError(f"{where}: {what} entry {item!r} is listed twice")
        seen.add(item)
    return tuple(items)


def _parse_segments(data: Any, where: str) -> SegmentTable:
    if not isinstance(data, dict):
        raise ConfigError(f"{where}: expected a mapping at the top level")
    unknown = set(data) - set(_SECTIONS) - {"version"}
    if unknown:
        raise ConfigError(f"{where}: unknown key(s) {sorted(map(str, unknown))}")
    if data.get("version") != 1:
        raise ConfigError(f"{where}: 'version' must be 1")
    sec: dict[str, dict[str, Any]] = {}
    for name, fields in _SECTIONS.items():
        body = data.get(name)
        if not isinstance(body, dict):
            raise ConfigError(f"{where}: missing section {name!r}")
        unknown = set(body) - set(fields)
        if unknown:
            raise ConfigError(f"{where}: {name}: unknown key(s) {sorted(map(str, unknown))}")
        for key, types in fields.items():
            value = body.get(key)
            # bool is an int subclass: 'digits: true' is a mistake, not 1.
            if not isinstance(value, types) or isinstance(value, bool):
                kinds = " or ".join(t.__name__ for t in types)
                raise ConfigError(f"{where}: {name}.{key} must be a {kinds}")
            if isinstance(value, int) and value <= 0:
                raise ConfigError(f"{where}: {name}.{key} must be positive")
            if isinstance(value, str) and not value.strip():
                raise ConfigError(f"{where}: {name}.{key} must not be empty")
            if key.endswith("prefix") and not _DIGIT_STRING.fullmatch(value):
                raise ConfigError(f"{where}: {name}.{key} {value!r} is not a digit string")
        if "min_digits" in body and body["min_digits"] > body["max_digits"]:
            raise ConfigError(f"{where}: {name}: min_digits is larger than max_digits")
        sec[name] = body

    vo = sec["virtual_operator"]
    segments = _digit_strings(where, vo["segments"], "virtual_operator.segments")
    for seg in segments:
        if not (3 <= len(seg) <= 4 and seg.startswith("1")):
            raise ConfigError(f"{where}: virtual segment {seg!r} is not a 1xx(x) mobile segment")
    verified = vo["verified_at"]
    if isinstance(verified, str):
        try:
            verified = dt.date.fromisoformat(verified)
        except ValueError:
            raise ConfigError(f"{where}: virtual_operator.verified_at is not a date") from None

    cs = sec["carrier_service"]
    carrier_nums = _digit_strings(where, list(cs["numbers"]), "carrier_service.numbers")
    for num in carrier_nums:
        if not isinstance(cs["numbers"][num], str) or not cs["numbers"][num].strip():
            raise ConfigError(f"{where}: carrier_service.numbers[{num!r}] needs an operator name")

    local_first = _digit_strings(
        where, sec["local_fixed_line"]["first_digits"], "local_fixed_line.first_digits"
    )
    if any(len(d) != 1 for d in local_first):
        raise ConfigError(f"{where}: local_fixed_line.first_digits must be single digits")

    return SegmentTable(
        virtual_segments=segments,
        virtual_source=" ".join(vo["source"].split()),
        verified_at=verified.isoformat(),
        emergency=frozenset(_digit_strings(where, sec["emergency"]["numbers"], "emergency")),
        carrier_numbers=MappingProxyType({n: cs["numbers"][n] for n in carrier_nums}),
        carrier_family_prefix=cs["family_prefix"],
        carrier_family_digits=cs["family_digits"],
        carrier_max_extension=cs["max_extension_digits"],
        sms_prefix=sec["sms_gateway_106"]["prefix"],
        sms_min_digits=sec["sms_gateway_106"]["min_digits"],
        sms_max_digits=sec["sms_gateway_106"]["max_digits"],
        service_prefixes=_digit_strings(
            where, sec["service_95_96"]["prefixes"], "service_95_96.prefixes"
        ),
        service_min_digits=sec["service_95_96"]["min_digits"],
        service_max_digits=sec["service_95_96"]["max_digits"],
        shared_cost_prefix=sec["shared_cost_400"]["prefix"],
        shared_cost_digits=sec["shared_cost_400"]["digits"],
        toll_free_prefix=sec["toll_free_800"]["prefix"],
        toll_free_digits=sec["toll_free_800"]["digits"],
        local_first_digits=frozenset(local_first),
        local_min_digits=sec["local_fixed_line"]["min_digits"],
        local_max_digits=sec["local_fixed_line"]["max_digits"],
        descriptions=MappingProxyType({k: v["description"] for k, v in sec.items()}),
        path=where,
    )


def load_segments(path: str | Path | None = None) -> SegmentTable:
    """Load and validate a segments file (default: the shipped one); ConfigError if malformed."""
    file = Path(path) if path is not None else SEGMENTS_FILE
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{file}: cannot read number segments file: {exc}") from exc
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigError(f"{file}: not valid YAML: {exc}") from exc
    return _parse_segments(data, str(file))


# -- reasons --


def _r(code: str, message: str) -> Reason:
    assert code in REASON_CODES, code
    return Reason(code, message)


_CALLER_MESSAGES = {
    "shared_cost_400": "400 numbers only receive calls; an incoming call showing one is spoofed",
    "toll_free_800": "800 numbers only receive calls; an incoming call showing one is spoofed",
    "sms_gateway_106": "106 numbers only send SMS; an incoming call showing one is spoofed",
    "service_95_96": (
        "95/96 service numbers are mainly answering lines and are a favourite spoofed "
        "caller ID; hang up and call the official number back yourself"
    ),
    "carrier_service": (
        "carrier service numbers are mainly answering lines and are a favourite spoofed "
        "caller ID; hang up and call the official number back yourself"
    ),
}


def _region_label(region: str | None, country_code: int) -> str:
    return f"{region} (+{country_code})" if region and region != "ZZ" else f"+{country_code}"


def _international_reasons(region: str | None, country_code: int, presented: bool) -> list[Reason]:
    label = _region_label(region, country_code)
    out = [_r("international_number", f"international number from {label}, not mainland China")]
    if presented:
        out.append(
            _r(
                "international_presented_as_domestic",
                f"the number is from {label} but was presented as a domestic number",
            )
        )
    return out


def _channel_reasons(line_class: str, channel: str | None) -> list[Reason]:
    if channel == "call" and line_class in _NO_OUTGOING_CALLS:
        return [_r("service_line_as_caller", _CALLER_MESSAGES[line_class])]
    if channel == "sms" and line_class in _NO_SMS:
        kind = "400" if line_class == "shared_cost_400" else "800"
        return [
            _r(
                "service_line_as_sms_sender",
                f"{kind} numbers cannot send SMS; a message showing one as sender is spoofed",
            )
        ]
    return []


_PARSE_ERRORS = {
    phonenumbers.NumberParseException.INVALID_COUNTRY_CODE: "unknown country code",
    phonenumbers.NumberParseException.NOT_A_NUMBER: "not a phone number",
    phonenumbers.NumberParseException.TOO_SHORT_AFTER_IDD: "too short after the 00 prefix",
    phonenumbers.NumberParseException.TOO_SHORT_NSN: "too short",
    phonenumbers.NumberParseException.TOO_LONG: "too long",
}
_POSSIBLE = phonenumbers.ValidationResult
_POSSIBLE_WHY = {
    _POSSIBLE.TOO_SHORT: "too short",
    _POSSIBLE.TOO_LONG: "too long",
    _POSSIBLE.INVALID_LENGTH: "no number of that length exists",
    _POSSIBLE.INVALID_COUNTRY_CODE: "unknown country code",
    _POSSIBLE.IS_POSSIBLE_LOCAL_ONLY: "could only be a local number without its area code",
    _POSSIBLE.IS_POSSIBLE: "right length, but not in any allocated number range",
}


def _unknown_short(digits: str) -> Reason:
    return _r("short_number_unknown", f"{digits} is not a known Chinese short number")


def _invalid(raw: str, why: str, extra: list[Reason] | None = None) -> NumberInfo:
    reasons = [_r("invalid_number", f"not a valid phone number: {why}"), *(extra or [])]
    return NumberInfo(raw, None, False, False, None, None, None, "invalid", tuple(reasons))


# -- input clean-up --


def _clean(raw: str) -> tuple[str | None, str]:
    """``(key, '')`` with key '+digits' or 'digits', or ``(None, why)`` for non-numbers."""
    if len(raw) > MAX_INPUT_CHARS:
        return None, f"input is {len(raw)} characters, more than {MAX_INPUT_CHARS}"
    s = raw.strip()
    if s.isascii() and s.isdigit():  # the common case, no clean-up needed
        digits, plus = s, False
    else:
        out: list[str] = []
        plus = False
        for ch in unicodedata.normalize("NFKC", s):
            if "0" <= ch <= "9":
                out.append(ch)
            elif ch.isdecimal():
                out.append(str(unicodedata.decimal(ch)))
            elif ch == "+" and not out and not plus:
                plus = True
            elif ch in _SEPARATORS or ch.isspace() or unicodedata.category(ch) == "Cf":
                continue
            else:
                return None, f"contains {ch!r}, which is not part of a phone number"
        digits = "".join(out)
    if not digits:
        return None, "contains no digits"
    if len(digits) > MAX_DIGITS:
        return None, f"{len(digits)} digits, more than any phone number has"
    return ("+" + digits if plus else digits), ""


# -- analyzer --


class NumberAnalyzer:
    """Classifies phone and short numbers. Thread-safe; results are cached (LRU)."""

    def __init__(self, segments: SegmentTable | None = None, cache_size: int = 65536) -> None:
        self.segments = segments if segments is not None else load_segments()
        self._cached = lru_cache(maxsize=cache_size)(self._compute)

    def cache_info(self) -> Any:
        """``functools`` cache statistics (hits, misses, maxsize, currsize)."""
        return self._cached.cache_info()

    def cache_clear(self) -> None:
        self._cached.cache_clear()

    def analyze(
        self,
        raw: str,
        default_region: str = "CN",
        *,
        channel: str | None = None,
        presented_as_domestic: bool = False,
    ) -> NumberInfo:
        """What ``raw`` is. Never raises for a string; see the module docstring.

        ``default_region`` reads numbers written without a country code; ``channel`` is how
        the number reached the user (a caller ID on a ``call``, a sender on an ``sms``…);
        ``presented_as_domestic`` says the number was shown as if it were a domestic one.
        """
        if not isinstance(raw, str):
            raise InvalidInputError(f"number must be a string, not {type(raw).__name__}")
        if not isinstance(default_region, str) or (
            default_region.upper() not in phonenumbers.SUPPORTED_REGIONS
        ):
            raise InvalidInputError(f"unknown region {default_region!r}")
        if channel is not None and channel not in CHANNELS:
            raise InvalidInputError(f"unknown channel {channel!r}; expected one of {CHANNELS}")
        key, why = _clean(raw)
        if key is None:
            return _invalid(raw, why)
        info = self._cached(key, default_region.upper(), channel, bool(presented_as_domestic))
        return info if info.raw == raw else dataclasses.replace(info, raw=raw)

    # The cached work. ``key`` is '+digits' or 'digits'; the result's raw is the key.
    def _compute(self, key: str, region: str, channel: str | None, presented: bool) -> NumberInfo:
        digits = key.lstrip("+")
        intl = key.startswith("+")
        if not intl and region == "CN" and digits.startswith("00"):
            digits, intl = digits[2:], True
        if intl:
            if digits.startswith("86"):
                nat = digits[2:]
                if nat.startswith("0"):  # +86 (0)10 …: a trunk 0 that should not be there
                    nat = nat[1:]
                return self._cn(key, nat, True, channel)
            return self._foreign_intl(key, digits, presented)
        if region == "CN":
            return self._cn(key, digits, False, channel)
        return self._foreign_national(key, digits, region, channel, presented)

    def _cn(self, key: str, nat: str, intl: bool, channel: str | None) -> NumberInfo:
        """A +86 number, or one written nationally with default region CN."""
        seg = self.segments

        def short(line_class: str, carrier_name: str | None = None, extra=()) -> NumberInfo:
            reasons = (*extra, *_channel_reasons(line_class, channel))
            return NumberInfo(key, None, True, True, "CN", carrier_name, None, line_class, reasons)

        if nat in seg.emergency or (
            len(nat) <= 6 and shortnumberinfo.is_emergency_number(nat, "CN")
        ):
            return short("emergency")
        if seg.is_carrier_service(nat):
            return short("carrier_service", seg.carrier_operator(nat))
        if seg.is_sms_gateway(nat) and not (intl and self._is_valid_fixed_line(nat)):
            return short("sms_gateway_106")
        if seg.is_service_95_96(nat):
            return short("service_95_96")

        fast = _cn_mobile_fast(nat)
        try:
            num = fast or phonenumbers.parse("+86" + nat if intl else nat, "CN")
        except phonenumbers.NumberParseException as exc:
            if len(nat) <= 6:
                return _invalid(key, "too short", [_unknown_short(nat)])
            return _invalid(key, _PARSE_ERRORS.get(exc.error_type, "not a phone number"))
        if num.country_code != 86:  # cannot happen for CN input; be safe
            return self._foreign_number(key, num, False)
        if fast is not None:  # the common case: a Chinese mobile, already known valid
            nsn, valid, ntype = nat, True, PhoneNumberType.MOBILE
        else:
            nsn = phonenumbers.national_significant_number(num)
            valid = phonenumbers.is_valid_number(num)
            ntype = phonenumbers.number_type(num) if valid else PhoneNumberType.UNKNOWN

        def full(line_class: str, extra=()) -> NumberInfo:
            return NumberInfo(
                key,
                f"+86{nsn}" if fast is not None else phonenumbers.format_number(num, E164),
                True,
                True,
                "CN",
                *(_mobile_carrier_geo(nsn[:7]) if fast is not None else _carrier_geo(num)),
                line_class,
                (*extra, *_channel_reasons(line_class, channel)),
            )

        if valid:
            return full(*valid_cn_class(seg, nsn, ntype))

        if not intl and seg.is_local_fixed_line(nat):
            return NumberInfo(
                key,
                None,
                False,
                True,
                "CN",
                None,
                None,
                "fixed_line",
                (
                    _r(
                        "missing_area_code",
                        "a landline number written without its area code; "
                        "its area and validity cannot be checked",
                    ),
                    *_channel_reasons("fixed_line", channel),
                ),
            )
        if shortnumberinfo.is_valid_short_number_for_region(num, "CN"):
            return short(
                "service_95_96",
                extra=[
                    _r(
                        "other_short_service_number",
                        f"{nsn} is a Chinese short service number outside the 95/96 families",
                    )
                ],
            )
        if len(nsn) <= 6:
            return _invalid(key, "too short", [_unknown_short(nsn)])
        why = _POSSIBLE_WHY.get(phonenumbers.is_possible_number_with_reason(num), "invalid")
        return _invalid(key, why)

    @staticmethod
    def _is_valid_fixed_line(nat: str) -> bool:
        try:
            num = phonenumbers.parse("+86" + nat)
        except phonenumbers.NumberParseException:
            return False
        return phonenumbers.is_valid_number(num) and phonenumbers.number_type(num) in (
            PhoneNumberType.FIXED_LINE,
            PhoneNumberType.FIXED_LINE_OR_MOBILE,
        )

    def _foreign_intl(self, key: str, digits: str, presented: bool) -> NumberInfo:
        """Written with + or 00 and a country code other than 86."""
        extra = []
        if self.segments.is_cn_service_number(digits):
            extra.append(
                _r(
                    "service_number_with_foreign_prefix",
                    f"{digits} is a Chinese service number written with an international "
                    "prefix ('+' or 00), which makes it a foreign number; spoofed calls "
                    "display service numbers this way",
                )
            )
        try:
            num = phonenumbers.parse("+" + digits)
        except phonenumbers.NumberParseException as exc:
            why = _PARSE_ERRORS.get(exc.error_type, "not a phone number")
            return _invalid(key, why, extra)
        return self._foreign_number(key, num, presented, extra)

    def _foreign_national(
        self, key: str, digits: str, region: str, channel: str | None, presented: bool
    ) -> NumberInfo:
        """Written without a country code, read in a default region other than CN."""
        try:
            num = phonenumbers.parse(digits, region)
        except phonenumbers.NumberParseException as exc:
            return _invalid(key, _PARSE_ERRORS.get(exc.error_type, "not a phone number"))
        if num.country_code == 86:  # e.g. an IDD other than 00 followed by 86
            nsn = phonenumbers.national_significant_number(num)
            return self._cn(key, nsn, True, channel)
        if not phonenumbers.is_valid_number(num) and (
            shortnumberinfo.is_valid_short_number_for_region(num, region)
        ):
            line_class = (
                "emergency"
                if shortnumberinfo.is_emergency_number(digits, region)
                else "international"
            )
            reasons = _international_reasons(region, num.country_code, presented)
            return NumberInfo(key, None, True, True, region, None, None, line_class, tuple(reasons))
        return self._foreign_number(key, num, presented)

    @staticmethod
    def _foreign_number(
        key: str, num: phonenumbers.PhoneNumber, presented: bool, extra: list[Reason] | None = None
    ) -> NumberInfo:
        cc = num.country_code
        if phonenumbers.is_valid_number(num):
            return foreign_info(
                key,
                cc,
                phonenumbers.region_code_for_number(num),
                phonenumbers.format_number(num, E164),
                names.carrier_name(num),
                names.description(num),
                presented,
                extra,
            )
        possible = phonenumbers.is_possible_number_with_reason(num)
        return invalid_foreign_info(key, cc, possible, presented, extra)


def foreign_info(
    key: str,
    cc: int,
    region: str | None,
    e164: str,
    carrier_name: str,
    geo: str,
    presented: bool = False,
    extra: list[Reason] | None = None,
) -> NumberInfo:
    """A valid number of another country (country code ``cc``)."""
    reasons = [*_international_reasons(region, cc, presented), *(extra or [])]
    return NumberInfo(
        key,
        e164,
        True,
        True,
        region,
        carrier_name or None,
        geo or None,
        "international",
        tuple(reasons),
    )


def invalid_foreign_info(
    key: str,
    cc: int,
    possible: int,
    presented: bool = False,
    extra: list[Reason] | None = None,
) -> NumberInfo:
    """An invalid number of another country; ``possible``: libphonenumber's
    ``is_possible_number_with_reason``."""
    region = phonenumbers.region_code_for_country_code(cc)
    why = _POSSIBLE_WHY.get(possible, "invalid")
    if region == "ZZ":
        why = "unknown country code"
    info = _invalid(key, why, [*_international_reasons(region, cc, presented), *(extra or [])])
    ok = possible in (_POSSIBLE.IS_POSSIBLE, _POSSIBLE.IS_POSSIBLE_LOCAL_ONLY)
    return dataclasses.replace(info, possible=ok)


def valid_cn_class(seg: SegmentTable, nsn: str, ntype: int) -> tuple[str, tuple[Reason, ...]]:
    """Line class and reasons of a *valid* Chinese number: its national significant number
    and libphonenumber type. Reads ``nsn`` only through its length and its first
    :func:`class_prefix_digits` digits (the audit calls it once per such combination)."""
    if ntype == PhoneNumberType.SHARED_COST and not seg.is_shared_cost_400(nsn):
        return "service_95_96", ()  # 950xxxxxxx(x), area code + 96xxx
    if seg.is_shared_cost_400(nsn):
        return "shared_cost_400", ()
    if seg.is_toll_free_800(nsn) or ntype == PhoneNumberType.TOLL_FREE:
        return "toll_free_800", ()
    is_mobile = ntype == PhoneNumberType.MOBILE or (
        ntype == PhoneNumberType.FIXED_LINE_OR_MOBILE and len(nsn) == 11 and nsn.startswith("1")
    )
    if is_mobile:
        if seg.is_virtual_segment(nsn):
            reason = _r(
                "virtual_operator_segment",
                f"segment {nsn[:3]} belongs to a virtual operator (虚拟运营商); "
                "a risk hint only, most such numbers are legitimate",
            )
            return "virtual_operator", (reason,)
        return "mobile", ()
    if ntype == PhoneNumberType.PREMIUM_RATE:
        return "fixed_line", (_r("premium_rate_number", "premium-rate information service number"),)
    return "fixed_line", ()


def class_prefix_digits(seg: SegmentTable) -> int:
    """How many leading digits of a number :func:`valid_cn_class` may look at."""
    prefixes = (*seg.virtual_segments, seg.shared_cost_prefix, seg.toll_free_prefix)
    return max(3, *(len(p) for p in prefixes))


@lru_cache(maxsize=1)
def _cn_patterns() -> tuple[re.Pattern[str], re.Pattern[str]]:
    """CN metadata patterns: mobile, and every other type that number_type() checks first."""
    meta = phonenumbers.PhoneMetadata.metadata_for_region("CN")
    others = [
        getattr(meta, name)
        for name in (
            "premium_rate",
            "toll_free",
            "shared_cost",
            "voip",
            "personal_number",
            "pager",
            "uan",
            "voicemail",
            "fixed_line",
        )
    ]
    other = "|".join(
        f"(?:{d.national_number_pattern})" for d in others if d and d.national_number_pattern
    )
    return re.compile(meta.mobile.national_number_pattern), re.compile(other or "(?!)")


def _carrier_geo(num: PhoneNumber) -> tuple[str | None, str | None]:
    return names.carrier_name(num) or None, names.description(num) or None


@lru_cache(maxsize=65536)
def _mobile_carrier_geo(prefix7: str) -> tuple[str | None, str | None]:
    """Carrier and place of a Chinese mobile: libphonenumber keys both on at most the first
    seven digits (号段 + H码), so one lookup serves every number of the block."""
    num = PhoneNumber(country_code=86, national_number=int(prefix7 + "0000"))
    return names.carrier_name_valid(num) or None, names.description_valid(num) or None


def _cn_mobile_fast(nat: str) -> PhoneNumber | None:
    """A PhoneNumber for an 11-digit Chinese mobile that libphonenumber's metadata would call
    valid and MOBILE, built without its parser (the audit's hot path); None otherwise."""
    if len(nat) != 11 or nat[0] != "1" or not nat.isdigit() or not nat.isascii():
        return None
    mobile, other = _cn_patterns()
    if not mobile.fullmatch(nat) or other.fullmatch(nat):
        return None
    return PhoneNumber(country_code=86, national_number=int(nat))


@lru_cache(maxsize=1)
def default_analyzer() -> NumberAnalyzer:
    """The analyzer built from the shipped data file (built once, on first use)."""
    return NumberAnalyzer()


def analyze(raw: str, default_region: str = "CN", **kw: Any) -> NumberInfo:
    """:meth:`NumberAnalyzer.analyze` with the shipped data file."""
    return default_analyzer().analyze(raw, default_region, **kw)
