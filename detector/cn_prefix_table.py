"""Carrier and place names of phone numbers (Chinese, ``zh``) without ``phonenumbers.geocoder``.

``phonenumbers.geocoder`` loads the place names of every language (about 100 MB of memory
per process) and ``phonenumbers.carrier`` about 8 MB, while kefuguard only ever asks for the
Chinese names, and nearly all of those are for +86 numbers. This module reads them from a
compact table instead, ``detector/data/cn_prefix_names.npz``:

* ``geo_*`` / ``carrier_*``: every prefix of ``phonenumbers.geodata`` /
  ``phonenumbers.carrierdata`` that has a ``zh`` name (130,000-odd for China, a few dozen
  for Taiwan and Korea, Hong Kong's mobile carriers), as sorted ``int64`` digits grouped by
  prefix length, with a ``uint16`` index into ``names``;
* ``region_*``: the Chinese display name of every region (``phonenumbers.geodata.locale``);
* ``version``: the phonenumbers version the table was generated from.

:func:`carrier_name` and :func:`description` give exactly what
``carrier.name_for_number(num, "zh")`` and ``geocoder.description_for_number(num, "zh")``
give (same longest-prefix rule, same fallbacks to the country name; checked against
phonenumbers in ``tests/detector/test_cn_prefix_table.py``); :func:`lookup_many` is the
vectorized prefix lookup the audit uses. Regenerate the file after upgrading phonenumbers::

    python -m detector.cn_prefix_table

Until then (the installed version differs from the table's), the functions fall back to
phonenumbers' own modules, which costs their memory again (a warning says so once).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import phonenumbers
from phonenumbers import PhoneNumber, PhoneNumberFormat, PhoneNumberType

log = logging.getLogger(__name__)

TABLE_FILE = Path(__file__).resolve().parent / "data" / "cn_prefix_names.npz"
LANG = "zh"
#: Number types whose carrier libphonenumber reports (``carrier._is_mobile``).
_CARRIER_TYPES = frozenset(
    {PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE, PhoneNumberType.PAGER}
)


@dataclass(frozen=True)
class PrefixNames:
    """One prefix → name table: per prefix length, sorted prefixes and their name index."""

    lengths: tuple[int, ...]  # longest first
    prefixes: dict[int, np.ndarray]  # length -> sorted int64
    name_ids: dict[int, np.ndarray]  # length -> uint16 index into names
    names: tuple[str, ...]

    @classmethod
    def from_arrays(cls, prefix: np.ndarray, length: np.ndarray, name: np.ndarray, names):
        lengths = tuple(sorted({int(n) for n in np.unique(length)}, reverse=True))
        prefixes, ids = {}, {}
        for n in lengths:
            sel = length == n
            order = np.argsort(prefix[sel], kind="stable")
            prefixes[n] = prefix[sel][order]
            ids[n] = name[sel][order]
        return cls(lengths, prefixes, ids, tuple(names))

    def lookup(self, digits: str) -> str:
        """The name of the longest prefix of ``digits`` in the table, or ''."""
        size = len(digits)
        for n in self.lengths:
            if n > size:
                continue
            value = int(digits[:n])
            table = self.prefixes[n]
            i = int(np.searchsorted(table, value))
            if i < len(table) and table[i] == value:
                return self.names[int(self.name_ids[n][i])]
        return ""

    def lookup_many(self, digits: Sequence[str]) -> np.ndarray:
        """:meth:`lookup` of each string of ASCII digits (object array of names)."""
        import pyarrow as pa
        import pyarrow.compute as pc

        values = (
            pa.array(digits, type=pa.large_string()) if not isinstance(digits, pa.Array) else digits
        )
        out = np.full(len(values), "", dtype=object)
        if not len(values):
            return out
        sizes = np.asarray(pc.utf8_length(values), dtype=np.int64)
        short = sizes <= 18  # fits in int64
        numbers = np.asarray(
            pc.cast(pc.if_else(pa.array(short), values, "0"), pa.int64()), dtype=np.int64
        )
        todo = short.copy()
        names = np.asarray(self.names, dtype=object)
        for n in self.lengths:
            sel = np.flatnonzero(todo & (sizes >= n))
            if not len(sel):
                continue
            heads = numbers[sel] // np.power(10, sizes[sel] - n, dtype=np.int64)
            table = self.prefixes[n]
            i = np.searchsorted(table, heads)
            found = i < len(table)
            found[found] = table[i[found]] == heads[found]
            hit = sel[found]
            out[hit] = names[self.name_ids[n][i[found]]]
            todo[hit] = False
        for k in np.flatnonzero(~short).tolist():
            out[k] = self.lookup(values[k].as_py())
        return out


@dataclass(frozen=True)
class CnPrefixTable:
    geo: PrefixNames
    carrier: PrefixNames
    regions: dict[str, str]  # region code -> Chinese display name
    version: str


def load_table(path: Path = TABLE_FILE) -> CnPrefixTable:
    with np.load(path, allow_pickle=False) as data:
        names = tuple(str(n) for n in data["names"])
        geo = PrefixNames.from_arrays(
            data["geo_prefix"], data["geo_length"], data["geo_name"], names
        )
        carrier = PrefixNames.from_arrays(
            data["carrier_prefix"], data["carrier_length"], data["carrier_name"], names
        )
        regions = {
            str(code): names[int(i)]
            for code, i in zip(data["region_code"], data["region_name"], strict=True)
        }
        version = str(data["version"])
    return CnPrefixTable(geo, carrier, regions, version)


@lru_cache(maxsize=1)
def table() -> CnPrefixTable | None:
    """The shipped table, or None when it was built from another phonenumbers version."""
    loaded = load_table()
    if loaded.version != phonenumbers.__version__:
        log.warning(
            "%s was generated from phonenumbers %s, this is %s: using phonenumbers.geocoder "
            "and .carrier instead (about 100 MB more memory); regenerate the table with "
            "'python -m detector.cn_prefix_table'",
            TABLE_FILE.name,
            loaded.version,
            phonenumbers.__version__,
        )
        return None
    return loaded


def _e164_digits(num: PhoneNumber) -> str:
    return phonenumbers.format_number(num, PhoneNumberFormat.E164)[1:]


# The four phonenumbers functions kefuguard uses, for lang "zh" only.


def carrier_name_valid(num: PhoneNumber) -> str:
    """``carrier.name_for_valid_number(num, "zh")``."""
    t = table()
    if t is None:
        from phonenumbers import carrier

        return carrier.name_for_valid_number(num, LANG)
    return t.carrier.lookup(_e164_digits(num))


def carrier_name(num: PhoneNumber) -> str:
    """``carrier.name_for_number(num, "zh")``: a carrier only for mobile-like numbers."""
    if phonenumbers.number_type(num) not in _CARRIER_TYPES:
        return ""
    return carrier_name_valid(num)


def country_name(num: PhoneNumber) -> str:
    """``geocoder.country_name_for_number(num, "zh")``."""
    t = table()
    if t is None:
        from phonenumbers import geocoder

        return geocoder.country_name_for_number(num, LANG)
    codes = phonenumbers.region_codes_for_country_code(num.country_code)
    if len(codes) == 1:
        return t.regions.get(codes[0], "")
    where = "ZZ"
    for code in codes:
        if phonenumbers.is_valid_number_for_region(num, code):
            if where != "ZZ":
                return ""
            where = code
    return t.regions.get(where, "")


def description_valid(num: PhoneNumber) -> str:
    """``geocoder.description_for_valid_number(num, "zh")``."""
    t = table()
    if t is None:
        from phonenumbers import geocoder

        return geocoder.description_for_valid_number(num, LANG)
    target = num
    token = phonenumbers.country_mobile_token(num.country_code)
    nsn = phonenumbers.national_significant_number(num)
    if token and nsn.startswith(token):
        region = phonenumbers.region_code_for_country_code(num.country_code)
        try:
            target = phonenumbers.parse(nsn[len(token) :], region)
        except phonenumbers.NumberParseException:
            target = num
    return t.geo.lookup(_e164_digits(target)) or country_name(num)


def description(num: PhoneNumber) -> str:
    """``geocoder.description_for_number(num, "zh")``."""
    if table() is None:
        from phonenumbers import geocoder

        return geocoder.description_for_number(num, LANG)
    ntype = phonenumbers.number_type(num)
    if ntype == PhoneNumberType.UNKNOWN:
        return ""
    if not phonenumbers.is_number_type_geographical(ntype, num.country_code):
        return country_name(num)
    return description_valid(num)


# Generator


def build_arrays() -> dict[str, Any]:
    """The table's arrays from the installed phonenumbers data (imports the big modules)."""
    from phonenumbers.carrierdata import CARRIER_DATA
    from phonenumbers.geodata import GEOCODE_DATA
    from phonenumbers.geodata.locale import LOCALE_DATA
    from phonenumbers.prefix import _find_lang

    names: dict[str, int] = {}

    def name_id(name: str) -> int:
        return names.setdefault(name, len(names))

    def prefixes(data: dict[str, dict[str, str]]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        rows = []
        for key, langs in data.items():
            name = _find_lang(langs, LANG, None, None)
            if name is None:
                continue  # phonenumbers skips such a prefix and tries shorter ones
            if not key.isdigit() or key.startswith("0") or len(key) > 18:
                raise ValueError(f"unexpected prefix {key!r}")
            rows.append((int(key), len(key), name_id(name)))
        rows.sort()
        arr = np.array(rows, dtype=np.int64).reshape(-1, 3)
        return arr[:, 0], arr[:, 1].astype(np.uint8), arr[:, 2].astype(np.uint16)

    geo_prefix, geo_length, geo_name = prefixes(GEOCODE_DATA)
    carrier_prefix, carrier_length, carrier_name_ = prefixes(CARRIER_DATA)
    region_code, region_name = [], []
    for code, langs in sorted(LOCALE_DATA.items()):
        name = langs.get(LANG, "")
        if name.startswith("*"):
            name = langs.get(name[1:], "")
        region_code.append(code)
        region_name.append(name_id(name))
    if len(names) >= 2**16:
        raise ValueError("too many names for a uint16 index")
    return {
        "version": np.array(phonenumbers.__version__),
        "names": np.array(list(names)),
        "geo_prefix": geo_prefix,
        "geo_length": geo_length,
        "geo_name": geo_name,
        "carrier_prefix": carrier_prefix,
        "carrier_length": carrier_length,
        "carrier_name": carrier_name_,
        "region_code": np.array(region_code),
        "region_name": np.array(region_name, dtype=np.uint16),
    }


def main(path: Path = TABLE_FILE) -> None:
    arrays = build_arrays()
    np.savez_compressed(path, **arrays)
    print(
        f"wrote {path} ({path.stat().st_size / 1024:.0f} KiB): {len(arrays['geo_prefix']):,} "
        f"place and {len(arrays['carrier_prefix']):,} carrier prefixes, "
        f"{len(arrays['region_code'])} regions, phonenumbers {arrays['version']}"
    )


if __name__ == "__main__":
    main()
