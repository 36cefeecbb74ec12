"""Signal recognizers compiled from the rule files, and the analyzer that runs them.

Reading order: :meth:`SignalAnalyzer.analyze` normalizes the text, runs each compiled rule
over the normalized text, drops matches whose context says they are not what they look like
(negation, reported speech, "is this real?", a code being *given*), and maps the surviving
spans back to the original text.

Every pattern is a bounded regex (no unbounded repetition is accepted in rule files), so a
rule costs at most a constant amount of work per character of text.
"""

from __future__ import annotations

import re
import re._constants as sre
import re._parser as sre_parse
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from detector.normalize import NormalizedText, Normalizer, default_normalizer
from detector.results import Explanation, Signal
from detector.signals.rules_schema import Lexicon, Rule, RuleFile, load_rule_dir

RULES_DIR = Path(__file__).resolve().parent / "rules"

#: Characters allowed between an ask and its object: no sentence or clause break.
_GAP = r"[^,。.!?;\n]"
_DEFAULT_WINDOW = {"zh": 12, "en": 40}
#: An object written before its ask ("把验证码发给我") sits close to it.
_OBJECT_FIRST_WINDOW = {"zh": 6, "en": 25}
#: An ask may also open the clause right after its object, after a polite lead ("麻烦").
#: …unless the object's clause is a condition.
_CONDITION = re.compile(r"如果|如|若|假如|万一|要是|(?<![a-z])(?:if|when|once)(?![a-z])")
_NEXT_CLAUSE_LEAD = (
    "(?:麻烦|请|劳烦|辛苦|那就|就|直接|然后|马上|赶紧|尽快|现在)?(?:您|你)?(?:再|先|帮忙)?"
    "|(?:please |kindly |now |then |just )"
)
_CLAUSE_BREAK = re.compile(r"[,。.!?;\n:]")
_SENTENCE_BREAK = re.compile(r"[。.!?;\n]")
#: How far after a finding an "is this real?" question still refers to it.
_QUESTION_REACH = 60
#: Objects this close after a request's end extend its span; phrases this close merge.
_EXTEND_GAP = 3
_MERGE_GAP = 1
#: How far after a phrase a negation ("…不会") still negates it.
_NEGATION_AFTER_REACH = 12
#: Quotation marks (after normalization), and how far back an opening mark is looked for.
_QUOTES = {"“": "”", "「": "」", "『": "』", "‘": "’", '"': '"'}
_QUOTE_REACH = 200


def _alternation(fragments: tuple[str, ...], lang: str) -> str:
    body = "|".join(f"(?:{f})" for f in fragments)
    if lang == "en":
        return rf"(?<![a-z0-9])(?:{body})(?![a-z0-9])"
    return f"(?:{body})"


#: Scripts a rule can require. A rule all of whose matches contain a character of one of
#: these is skipped for texts without any: most texts are all Chinese or all English.
_SCRIPTS: dict[str, tuple[re.Pattern[str], Callable[[int], bool]]] = {
    "cjk": (
        re.compile("[\u3400-\u9fff\uf900-\ufaff]"),
        lambda c: 0x3400 <= c <= 0x9FFF or 0xF900 <= c <= 0xFAFF,
    ),
    "latin": (re.compile("[A-Za-z]"), lambda c: 0x41 <= c <= 0x5A or 0x61 <= c <= 0x7A),
}


def required_script(pattern: str) -> str | None:
    """The script (a key of ``_SCRIPTS``) every match of ``pattern`` contains a character of,
    decided on the parsed pattern; ``None`` when there is none or it cannot tell."""
    tree = sre_parse.parse(pattern)
    for name, (_, is_script) in _SCRIPTS.items():
        if _sequence_needs(tree.data, is_script):
            return name
    return None


def _sequence_needs(items: list, is_script: Callable[[int], bool]) -> bool:
    return any(_node_needs(op, arg, is_script) for op, arg in items)


def _node_needs(op, arg, is_script: Callable[[int], bool]) -> bool:
    """Whether every string node ``(op, arg)`` matches holds a character in the script.
    Conservative: anything it does not understand counts as "no"."""
    if op is sre.LITERAL:
        return is_script(arg)
    if op is sre.IN:
        for kind, value in arg:
            if kind is sre.LITERAL and is_script(value):
                continue
            lo, hi = value if kind is sre.RANGE else (None, None)
            if lo is None or hi - lo > 0x20000 or not all(map(is_script, range(lo, hi + 1))):
                return False
        return bool(arg)
    if op is sre.BRANCH:
        return all(_sequence_needs(branch, is_script) for branch in arg[1])
    if op is sre.SUBPATTERN:
        return _sequence_needs(arg[-1], is_script)
    if op in (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT):
        low, _, body = arg
        return low >= 1 and _sequence_needs(body, is_script)
    if op is sre.ATOMIC_GROUP:
        return _sequence_needs(arg, is_script)
    return False


@dataclass(frozen=True, slots=True)
class _Context:
    negation: dict[str, re.Pattern[str]]
    negation_after: dict[str, re.Pattern[str]]
    reported: dict[str, re.Pattern[str]]
    question: dict[str, re.Pattern[str]]
    verdict: dict[str, re.Pattern[str]]
    quote_leads: dict[str, re.Pattern[str]]
    giving: re.Pattern[str] | None

    @classmethod
    def from_lexicon(cls, lex: Lexicon) -> _Context:
        def per_lang(group) -> dict[str, re.Pattern[str]]:
            return {
                lang: re.compile(_alternation(getattr(group, lang), lang)) for lang in ("zh", "en")
            }

        giving = re.compile("|".join(f"(?:{g})" for g in lex.giving)) if lex.giving else None
        return cls(
            per_lang(lex.negations),
            per_lang(lex.negations_after),
            per_lang(lex.reported),
            per_lang(lex.questions),
            per_lang(lex.verdicts),
            per_lang(lex.quote_leads) if lex.quote_leads is not None else {},
            giving,
        )

    def suppressed(self, text: str, start: int, end: int, anchor: int, after: bool) -> bool:
        """Whether the finding ``[start, end)`` is a warning, a report or a question.

        A negation counts when it sits in the same clause before ``anchor`` (where the ask
        starts), or, for phrases (``after``), right after them: "官方客服不会…".
        Reported speech counts in the sentence up to the finding; a question up to a little
        after it; a verdict ("…都是诈骗") anywhere in the sentence. A finding inside quotation
        marks is also silenced by what leads into the quote (:meth:`_quoted`).
        """
        clause_start = _last_break(_CLAUSE_BREAK, text, anchor)
        sentence_start = _last_break(_SENTENCE_BREAK, text, start)
        negation_zone = text[clause_start:anchor]
        after_zone = text[end : end + _NEGATION_AFTER_REACH] if after else ""
        m = _SENTENCE_BREAK.search(text, end, end + 200)
        sentence = text[sentence_start : m.start() if m else end + 200]
        reported_zone = text[sentence_start:end]
        question_zone = text[sentence_start : end + _QUESTION_REACH]
        for lang in ("zh", "en"):
            if (
                self.negation[lang].search(negation_zone)
                or (after_zone and self.negation_after[lang].match(after_zone.lstrip()))
                or self.reported[lang].search(reported_zone)
                or self.question[lang].search(question_zone)
                or self.verdict[lang].search(sentence)
            ):
                return True
        return self._quoted(text, start, end)

    def _quoted(self, text: str, start: int, end: int) -> bool:
        """Whether ``[start, end)`` sits in a quotation that someone else says: the clause
        before the opening mark negates it ("本平台不会以“…请把验证码发给我”为由联系您"), or
        the sentence before the mark reports speech, judges it or names a scammer."""
        opening = _opening_quote(text, start, end)
        if opening is None:
            return False
        lead_clause = text[_last_break(_CLAUSE_BREAK, text, opening) : opening]
        lead_sentence = text[_last_break(_SENTENCE_BREAK, text, opening) : opening]
        for lang in ("zh", "en"):
            leads = self.quote_leads.get(lang)
            if (
                self.negation[lang].search(lead_clause)
                or self.reported[lang].search(lead_sentence)
                or self.verdict[lang].search(lead_sentence)
                or (leads is not None and leads.search(lead_sentence))
            ):
                return True
        return False


def _opening_quote(text: str, start: int, end: int) -> int | None:
    """Index of the opening quotation mark of a quote that holds ``[start, end)``, if any:
    the last opening mark before ``start`` (within reach) whose closing mark, if there is
    one, comes at or after ``end``; marks that open and close before ``start`` are skipped."""
    lo = max(0, start - _QUOTE_REACH)
    for i in range(start - 1, lo - 1, -1):
        closing = _QUOTES.get(text[i])
        if closing is None:
            continue
        if closing == text[i] and text.count(closing, lo, i) % 2:
            continue  # a straight quote that closes an earlier one
        close_at = text.find(closing, i + 1, end + _QUOTE_REACH)
        if close_at == -1 or close_at >= end - 1:
            return i
        if close_at < start:
            return None  # the nearest quote closed before the finding
    return None


def _last_break(pattern: re.Pattern[str], text: str, pos: int) -> int:
    """Index just after the last break before ``pos`` (0 when there is none)."""
    window_start = max(0, pos - 200)
    last = window_start
    for m in pattern.finditer(text, window_start, pos):
        last = m.end()
    return last


class CompiledRule:
    """One rule, compiled. ``find`` yields normalized spans ``(start, end, anchor)``."""

    def __init__(
        self, rule: RuleFile | None, spec: Rule, lexicon: Lexicon, code: str, weight: float
    ):
        self.code = code
        self.rule_id = spec.id
        self.weight = spec.weight if spec.weight is not None else weight
        self.description = rule.description if rule is not None else code
        self.kind = spec.kind
        self.suppressible = spec.kind == "request" or spec.suppressible
        lang = spec.lang
        if spec.kind == "request":
            obj = _alternation(spec.objects, lang)
            ask = _alternation(getattr(lexicon.asks, lang), lang)
            w = spec.window if spec.window is not None else _DEFAULT_WINDOW[lang]
            w2 = min(w, _OBJECT_FIRST_WINDOW[lang])
            self.prefilter = re.compile(obj)
            self.pattern = re.compile(
                f"(?P<a1>{ask}){_GAP}{{0,{w}}}?(?P<o1>{obj})"
                f"|(?P<o2>{obj}){_GAP}{{0,{w2}}}?(?P<a2>{ask})"
            )
            # The object ends one clause and the ask opens the next: "收到一个6位数，麻烦发给我".
            # A pass of its own, so its matches never hide the ones above.
            self.next_clause = re.compile(
                f"(?P<o2>{obj}){_GAP}{{0,{w2}}}?[,;] ?(?:{_NEXT_CLAUSE_LEAD})?(?P<a2>{ask})"
            )
        else:
            self.prefilter = re.compile(_alternation(spec.patterns, lang))
            self.pattern = self.prefilter
            self.next_clause = None
        #: Every finding contains an object (or phrase): a text without its script has none.
        self.script = required_script(self.prefilter.pattern)

    def find(self, text: str, context: _Context) -> list[tuple[int, int]]:
        # A request pattern is costlier than its objects alone: look for an object first.
        # (A phrase rule's prefilter is its pattern, so it goes straight to finditer.)
        if self.kind == "request" and not self.prefilter.search(text):
            return []
        spans = []
        for m in self.pattern.finditer(text):
            span = self._accept(text, m, context)
            if span is not None:
                spans.append(span)
        if self.next_clause is not None:
            for m in self.next_clause.finditer(text):
                clause = text[_last_break(_CLAUSE_BREAK, text, m.start()) : m.start()]
                if _CONDITION.search(clause):
                    continue  # "如人脸验证失败，请回复…": a condition, not the thing asked for
                span = self._accept(text, m, context)
                if span is not None:
                    spans.append(span)
        return spans

    def _accept(self, text: str, m: re.Match, context: _Context) -> tuple[int, int] | None:
        """The span of a match, or ``None`` when its context says it is not a finding."""
        start, end = m.span()
        if self.kind == "request":
            if m.re is self.pattern and m.group("a1") is not None:
                anchor, obj_end = m.start("a1"), m.end("o1")
            else:
                anchor, obj_end = m.start("a2"), m.end("o2")
            if context.giving is not None and context.giving.match(text, obj_end):
                return None  # "验证码为482913…": a code being given, not asked for
            end = self._extend(text, end)
        else:
            anchor = start
        if self.suppressible and context.suppressed(
            text, start, end, anchor, after=self.kind == "phrase"
        ):
            return None
        return start, end

    def _extend(self, text: str, end: int) -> int:
        """Stretch a request over the objects right after it: "信用卡的有效期", "ID card number"."""
        for _ in range(4):  # bounded: a hostile run of objects cannot chain forever
            new_end = end
            pos = max(0, end - 12)
            limit = end + _EXTEND_GAP
            while (m := self.prefilter.search(text, pos, limit + 40)) and m.start() <= limit:
                if m.end() > new_end and not _CLAUSE_BREAK.search(text, end, max(end, m.start())):
                    new_end = m.end()
                pos = m.start() + 1
            if new_end == end:
                break
            end = new_end
        return end


class SignalAnalyzer:
    """Runs the signal rules over a text; the one entry point is :meth:`analyze`.

    Built from injected parts (a normalizer and compiled rules) so tests and users can swap
    either; :func:`default_analyzer` builds it from the shipped rule files.
    """

    def __init__(self, rules: list[CompiledRule], context: _Context, normalizer: Normalizer):
        self.rules = rules
        self.context = context
        self.normalizer = normalizer

    @classmethod
    def from_directory(cls, directory: Path = RULES_DIR, normalizer: Normalizer | None = None):
        lexicon, files = load_rule_dir(Path(directory))
        rules = [
            CompiledRule(f, spec, lexicon, f.code, f.weight) for f in files for spec in f.rules
        ]
        return cls(rules, _Context.from_lexicon(lexicon), normalizer or default_normalizer())

    @property
    def codes(self) -> list[str]:
        return sorted({r.code for r in self.rules})

    def analyze(self, text: str | NormalizedText, explain: bool = False) -> list[Signal]:
        """All signals in ``text``, ordered by position; spans index the original text."""
        norm = text if isinstance(text, NormalizedText) else self.normalizer.normalize(text)
        present = {name: bool(rx.search(norm.text)) for name, (rx, _) in _SCRIPTS.items()}
        hits: list[tuple[str, int, int, CompiledRule]] = []
        for rule in self.rules:
            if rule.script is not None and not present[rule.script]:
                continue
            hits.extend(
                (rule.code, start, end, rule) for start, end in rule.find(norm.text, self.context)
            )
        hits.sort(key=lambda h: (h[0], h[1], -h[2]))
        merged: list[tuple[str, int, int, CompiledRule]] = []
        for code, start, end, rule in hits:
            if merged and merged[-1][0] == code and start <= merged[-1][2] + _MERGE_GAP:
                last = merged[-1]
                best = last[3] if last[3].weight >= rule.weight else rule
                merged[-1] = (code, last[1], max(last[2], end), best)
            else:
                merged.append((code, start, end, rule))
        signals = []
        for code, start, end, rule in merged:
            o_start, o_end = norm.to_original(start, end)
            signals.append(
                Signal(
                    code=code,
                    start=o_start,
                    end=o_end,
                    text=norm.original[o_start:o_end],
                    weight=rule.weight,
                    rule_id=rule.rule_id,
                    explanation=Explanation(rule.rule_id, rule.description, norm.text[start:end])
                    if explain
                    else None,
                )
            )
        return sorted(signals, key=lambda s: (s.start, s.end, s.code))


@lru_cache(maxsize=1)
def default_analyzer() -> SignalAnalyzer:
    """The analyzer built from the shipped rule files (built once, on first use)."""
    return SignalAnalyzer.from_directory()
