"""Text normalization with an offset map back into the original text.

Scam text is written to slip past filters: full-width letters, zero-width characters inside
keywords, traditional characters, homophones (薇信, 扣扣, yzm) and phone numbers spelled out in
Chinese numerals with separators (``幺三八 一二三四 五六七八``).  Everything in kefuguard reads
the *normalized* text, and every finding is mapped back to the *original* text with the offset
map kept here, so ``original[start:end]`` is always the evidence a person sees.

Pipeline (each step keeps, for every output character, the range of original characters it
came from):

1. per character: drop format, control, surrogate and combining characters (zero-width
   spaces, bidi overrides, soft hyphens, variation selectors…); Unicode NFKC (full-width →
   ASCII, circled digits → digits); lower-case; any whitespace → one space;
2. traditional → simplified Chinese with OpenCC (``t2s``, bundled dictionaries);
3. variant and homophone spellings of the words that matter → one canonical form, from the
   data file ``detector/data/variants.yaml``;
4. digits written other ways inside number-like runs: Chinese numerals → ASCII digits, and
   separators between digits removed, so ``138-1234-5678`` reads ``13812345678``.

Steps 2–4 are repeated until the text stops changing (at most a few rounds), which makes
``normalize`` idempotent.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import opencc
import yaml

from detector.errors import ConfigError, InvalidInputError, TextTooLongError

DATA_DIR = Path(__file__).resolve().parent / "data"

#: Default upper bound on the length of a text handed to the normalizer (characters).
MAX_TEXT_CHARS = 20_000

_DROP_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Mn", "Me"})
# Characters that render as nothing but are letters or symbols by category.
_INVISIBLE = frozenset("\u115f\u1160\u3164\uffa0\u2800\u034f")
_DINGBAT_DIGITS = {
    **{chr(0x2776 + i): str(i + 1) for i in range(9)},  # ❶…❾
    **{chr(0x2780 + i): str(i + 1) for i in range(9)},  # ➀…➈
    **{chr(0x278A + i): str(i + 1) for i in range(9)},  # ➊…➒
    **{chr(0x24F5 + i): str(i + 1) for i in range(9)},  # ⓵…⓽
    "\u24ff": "0",  # ⓿
    "\U0001f10b": "0",  # 🄋
    "\U0001f10c": "0",  # 🄌
}

_CN_DIGITS = {
    "〇": "0",
    "零": "0",
    "一": "1",
    "幺": "1",
    "壹": "1",
    "二": "2",
    "两": "2",
    "贰": "2",
    "三": "3",
    "叁": "3",
    "四": "4",
    "肆": "4",
    "五": "5",
    "伍": "5",
    "六": "6",
    "陆": "6",
    "七": "7",
    "柒": "7",
    "八": "8",
    "捌": "8",
    "九": "9",
    "玖": "9",
}
_DIGITISH = "0-9" + "".join(_CN_DIGITS)
_DIGIT_SEPARATORS = r" .\-*_·•—–~"
#: A number-like run: digit-ish characters with at most two separators between neighbours.
_NUMBER_RUN = re.compile(f"[{_DIGITISH}](?:[{_DIGIT_SEPARATORS}]{{0,2}}[{_DIGITISH}])+")
_DECIMAL = re.compile(r"\d{1,12}\.\d{1,2}")
_DATE = re.compile(r"\d{4}[-./]\d{1,2}[-./]\d{1,2}(?: \d{1,2})?")
#: Fewer digits than this in a run: leave it alone (一下, 三天, 2 个).
_MIN_RUN_DIGITS = 5


@dataclass(frozen=True, slots=True)
class NormalizedText:
    """A normalized text and, for each of its characters, where it came from.

    ``starts[i]``/``ends[i]`` are the half-open range of original characters that produced
    normalized character ``i``; both sequences are non-decreasing.
    """

    original: str
    text: str
    starts: Sequence[int]
    ends: Sequence[int]

    def __len__(self) -> int:
        return len(self.text)

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        """Map the normalized span ``[start, end)`` to the original text."""
        if not 0 <= start <= end <= len(self.text):
            raise ValueError(f"span {start}:{end} outside 0:{len(self.text)}")
        if start == end:
            pos = self.starts[start] if start < len(self.text) else len(self.original)
            return pos, pos
        return self.starts[start], self.ends[end - 1]

    def original_slice(self, start: int, end: int) -> str:
        """The original text behind the normalized span ``[start, end)``."""
        a, b = self.to_original(start, end)
        return self.original[a:b]


def _apply(
    text: str, starts: list[int], ends: list[int], repls: list[tuple[int, int, str]]
) -> tuple[str, list[int], list[int]]:
    """Replace sorted, non-overlapping spans ``(a, b, new)`` and carry the offset map along.

    Every character of a replacement points at the whole original range of the replaced span.
    """
    if not repls:
        return text, starts, ends
    out: list[str] = []
    new_starts: list[int] = []
    new_ends: list[int] = []
    pos = 0
    for a, b, new in repls:
        out.append(text[pos:a])
        new_starts.extend(starts[pos:a])
        new_ends.extend(ends[pos:a])
        if new:
            out.append(new)
            new_starts.extend([starts[a]] * len(new))
            new_ends.extend([ends[b - 1]] * len(new))
        pos = b
    out.append(text[pos:])
    new_starts.extend(starts[pos:])
    new_ends.extend(ends[pos:])
    return "".join(out), new_starts, new_ends


@lru_cache(maxsize=65_536)
def _fold_char(ch: str) -> str:
    """Step 1 for one character: what it becomes ('' to drop it, ' ' for any space)."""
    out = ch
    for _ in range(3):  # NFKC and lower() can each expose work for the other
        pieces = []
        for c in out:
            if c.isspace():
                pieces.append(" ")
                continue
            if c in _INVISIBLE or unicodedata.category(c) in _DROP_CATEGORIES:
                continue
            c = _DINGBAT_DIGITS.get(c, c)
            pieces.append(unicodedata.normalize("NFKC", c).lower())
        folded = "".join(pieces)
        if folded == out:
            break
        out = folded
    return out


#: Characters step 1 maps to exactly one non-space character (most map to themselves, A-Z
#: to a-z, full-width forms to ASCII): a text made only of these, and with no stray spaces,
#: folds with one ``str.translate`` and keeps its offsets. Learned from the texts seen.
_ONE_TO_ONE: dict[int, int] = {c: c + 32 for c in range(ord("A"), ord("Z") + 1)}
_ONE_TO_ONE[ord(" ")] = ord(" ")
_SIMPLE: set[str] = {chr(c) for c in _ONE_TO_ONE}
_NOT_SIMPLE: set[str] = set()
_LEARN_MAX = 65_536


def _fold(text: str) -> tuple[str, list[int], list[int]]:
    if (
        set(text) <= _SIMPLE
        and not text.startswith(" ")
        and not text.endswith(" ")
        and "  " not in text
    ):
        return text.translate(_ONE_TO_ONE), list(range(len(text))), list(range(1, len(text) + 1))
    return _fold_slow(text)


def _fold_slow(text: str) -> tuple[str, list[int], list[int]]:
    if len(_SIMPLE) + len(_NOT_SIMPLE) < _LEARN_MAX:
        for c in set(text) - _SIMPLE - _NOT_SIMPLE:
            r = _fold_char(c)
            if len(r) == 1 and r != " ":
                _ONE_TO_ONE[ord(c)] = ord(r)
                _SIMPLE.add(c)  # after the table entry: a reader never sees one without it
            else:
                _NOT_SIMPLE.add(c)
    out: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    last_space = True  # also strips leading spaces
    for i, ch in enumerate(text):
        r = _fold_char(ch)
        if not r:
            continue
        for c in r:
            if c == " ":
                if last_space:
                    continue
                last_space = True
            else:
                last_space = False
            out.append(c)
            starts.append(i)
            ends.append(i + 1)
    if out and out[-1] == " ":
        out.pop()
        starts.pop()
        ends.pop()
    return "".join(out), starts, ends


@dataclass(frozen=True, slots=True)
class VariantTable:
    """Compiled variant spellings → canonical forms (see ``variants.yaml``)."""

    pattern: re.Pattern[str] | None
    canonical: dict[str, str]

    def replacements(self, text: str) -> list[tuple[int, int, str]]:
        if self.pattern is None:
            return []
        repls = []
        for m in self.pattern.finditer(text):
            canon = self.canonical.get(m.group(0)) or self.canonical[_strip_seps(m.group(0))]
            if canon != m.group(0):
                repls.append((m.start(), m.end(), canon))
        return repls


_SPACED_SEP = r"[\W_]{0,3}"


def _strip_seps(s: str) -> str:
    return re.sub(r"[\W_]", "", s)


def _is_latin(c: str) -> bool:
    return c.isascii() and c.isalnum()


def load_variants(source: str | None = None) -> VariantTable:
    """Load and validate a variant table (YAML text); defaults to the shipped one."""
    if source is None:
        source = (DATA_DIR / "variants.yaml").read_text(encoding="utf-8")
    try:
        data = yaml.safe_load(source)
    except yaml.YAMLError as exc:
        raise ConfigError(f"variants file is not valid YAML: {exc}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("terms"), list):
        raise ConfigError("variants file needs a top-level 'terms' list")
    canonical: dict[str, str] = {}
    alternatives: list[str] = []
    canon_forms: list[str] = []
    for n, term in enumerate(data["terms"]):
        if not isinstance(term, dict) or not isinstance(term.get("canonical"), str):
            raise ConfigError(f"variants term #{n} needs a 'canonical' string")
        canon = term["canonical"]
        variants = term.get("variants") or []
        if not isinstance(variants, list) or not all(isinstance(v, str) for v in variants):
            raise ConfigError(f"variants term {canon!r}: 'variants' must be a list of strings")
        for word in [canon, *variants]:
            if not word or _fold(word)[0] != word or _t2s(word) != word:
                raise ConfigError(
                    f"variants term {canon!r}: {word!r} is not in normalized form "
                    "(lower case, NFKC, simplified)"
                )
        canon_forms.append(canon)
        for v in variants:
            if canonical.get(v, canon) != canon:
                raise ConfigError(f"variant {v!r} maps to two canonical forms")
            canonical[v] = canon
            alternatives.append(v)
        if term.get("spaced"):
            canonical[canon] = canon
            alternatives.append(canon)
    for v in canonical:
        for c in canon_forms:
            if canonical[v] != v and v in c:
                raise ConfigError(f"variant {v!r} occurs inside canonical form {c!r}")
    if not alternatives:
        return VariantTable(None, {})
    spaced = {t["canonical"] for t in data["terms"] if t.get("spaced")}
    parts = []
    for alt in sorted(set(alternatives), key=lambda s: (-len(s), s)):
        body = (
            _SPACED_SEP.join(re.escape(c) for c in alt)
            if alt in spaced and not alt.isascii()
            else re.escape(alt)
        )
        if _is_latin(alt[0]):
            body = r"(?<![a-z0-9_\-./@])" + body
        if _is_latin(alt[-1]):
            body += r"(?![a-z0-9_\-@])"
        parts.append(body)
    return VariantTable(re.compile("|".join(parts)), canonical)


@lru_cache(maxsize=1)
def _converter() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def _t2s(text: str) -> str:
    return _converter().convert(text)


def _t2s_replacements(text: str) -> list[tuple[int, int, str]] | None:
    """Traditional → simplified; None when the text does not change."""
    converted = _t2s(text)
    if converted == text:
        return None
    if len(converted) == len(text):
        return [
            (i, i + 1, c) for i, (o, c) in enumerate(zip(text, converted, strict=True)) if o != c
        ]
    # Phrase conversion changed the length: fall back to character by character.
    repls = []
    for i, ch in enumerate(text):
        c = _t2s(ch)
        if c != ch:
            repls.append((i, i + 1, c))
    return repls


def _digit_replacements(text: str) -> list[tuple[int, int, str]]:
    repls: list[tuple[int, int, str]] = []
    for m in _NUMBER_RUN.finditer(text):
        run = m.group(0)
        ascii_run = "".join(_CN_DIGITS.get(c, c) for c in run)
        n_digits = sum(c.isdigit() for c in ascii_run)
        if n_digits < _MIN_RUN_DIGITS:
            continue
        merge = not (_DECIMAL.fullmatch(ascii_run) or _DATE.fullmatch(ascii_run))
        base = m.start()
        for i, (orig, new) in enumerate(zip(run, ascii_run, strict=True)):
            if not new.isdigit():
                if merge:
                    repls.append((base + i, base + i + 1, ""))
            elif orig != new:
                repls.append((base + i, base + i + 1, new))
    return repls


def check_text(text: object, max_chars: int = MAX_TEXT_CHARS) -> str:
    """The one input check for text: a string of at most ``max_chars`` characters."""
    if not isinstance(text, str):
        raise InvalidInputError(f"text must be a string, not {type(text).__name__}")
    if len(text) > max_chars:
        raise TextTooLongError(
            f"text has {len(text)} characters; the limit is {max_chars}",
            length=len(text),
            limit=max_chars,
        )
    return text


class Normalizer:
    """Turns raw text into :class:`NormalizedText`. Stateless once built; thread-safe."""

    def __init__(self, variants: VariantTable | None = None, max_chars: int = MAX_TEXT_CHARS):
        self.variants = variants if variants is not None else load_variants()
        self.max_chars = max_chars

    def normalize(self, text: str) -> NormalizedText:
        cur, starts, ends = _fold(check_text(text, self.max_chars))
        for _ in range(4):
            changed = False
            t2s = _t2s_replacements(cur)
            if t2s:
                cur, starts, ends = _apply(cur, starts, ends, t2s)
                changed = True
            repls = self.variants.replacements(cur)
            if repls:
                cur, starts, ends = _apply(cur, starts, ends, repls)
                changed = True
            repls = _digit_replacements(cur)
            if repls:
                cur, starts, ends = _apply(cur, starts, ends, repls)
                changed = True
            if not changed:
                break
            # A replacement may have produced something step 1 would still change.
            refolded, fs, fe = _fold(cur)
            if refolded != cur:
                cur = refolded
                starts = [starts[i] for i in fs]
                ends = [ends[i - 1] for i in fe]
        return NormalizedText(text, cur, starts, ends)


@lru_cache(maxsize=1)
def default_normalizer() -> Normalizer:
    """The normalizer built from the shipped data files (built once, on first use)."""
    return Normalizer()


def normalize(text: str) -> NormalizedText:
    """Normalize ``text`` with the shipped tables. See the module docstring."""
    return default_normalizer().normalize(text)
