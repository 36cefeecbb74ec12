"""The Detector: the one orchestrator from text to MessageAssessment.

Reading order of :meth:`Detector.score_messages`: check input → featurize (normalize once,
find signals, char n-grams) → calibrated classifier → risk = probability of the scam classes →
verdict from the manifest's thresholds, raised by the escalations of ``escalations.yaml`` →
category → warning sentence. No network or database I/O happens here.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import yaml

from detector.contact_check import ContactChecker
from detector.contacts import default_extractor
from detector.errors import ConfigError
from detector.model import MessageModel, load_message_model
from detector.model_input import blend_probabilities, text_windows, window_risk
from detector.normalize import DATA_DIR, MAX_TEXT_CHARS, NormalizedText, Normalizer, check_text
from detector.results import MessageAssessment, Signal
from detector.signals import default_analyzer

if TYPE_CHECKING:
    from detector.fastpath import CompiledScorer

_CJK = re.compile(r"[\u3400-\u9fff]")
_LATIN = re.compile(r"[A-Za-z]")
#: Signals in the order they are named in a warning: sensitive requests first.
_WARNING_PRIORITY = (
    "requests_otp",
    "requests_password",
    "requests_bank_card",
    "requests_card_secret",
    "requests_account_login",
    "requests_identity",
    "remote_control",
    "payment_lure",
    "off_platform",
    "urgency_threat",
    "official_claim",
)


def detect_language(text: str) -> str:
    """'zh' when Chinese characters make up a fair share of the letters, else 'en'."""
    cjk = len(_CJK.findall(text))
    latin = len(_LATIN.findall(text))
    return "zh" if cjk and cjk * 3 >= latin else "en"


@lru_cache(maxsize=1)
def load_warnings() -> dict[str, dict[str, str]]:
    path = DATA_DIR / "warnings.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    table = data.get("warnings") if isinstance(data, dict) else None
    if not isinstance(table, dict) or "default" not in table:
        raise ConfigError(f"{path} needs a 'warnings' mapping with a 'default' entry")
    for code, langs in table.items():
        if not isinstance(langs, dict) or not {"zh", "en"} <= set(langs):
            raise ConfigError(f"{path}: warning {code!r} needs 'zh' and 'en' sentences")
    return table


_VERDICT_ORDER = {"allow": 0, "warn": 1, "block": 2}


@dataclass(frozen=True, slots=True)
class Escalation:
    """A combination of signals that makes a short message at least ``verdict``."""

    id: str
    all_of: frozenset[str]
    any_of: frozenset[str]
    max_chars: int
    verdict: str

    def applies(self, codes: set[str], length: int) -> bool:
        return (
            length <= self.max_chars
            and self.all_of <= codes
            and (not self.any_of or bool(self.any_of & codes))
        )


def load_escalations(source: str | None = None) -> tuple[Escalation, ...]:
    """The verdict escalations of ``escalations.yaml`` (or of the YAML text ``source``),
    validated: known signal codes, a positive ``max_chars``, verdict warn or block."""
    from detector.signals.rules_schema import SIGNAL_CODES

    path = DATA_DIR / "escalations.yaml"
    where = "escalations" if source is not None else str(path)
    data = yaml.safe_load(source if source is not None else path.read_text(encoding="utf-8"))
    entries = data.get("escalations") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        raise ConfigError(f"{where} needs an 'escalations' list")
    out = []
    for i, e in enumerate(entries):
        if not isinstance(e, dict) or not {"id", "all_of", "max_chars", "verdict"} <= set(e):
            raise ConfigError(f"{where}: entry {i} needs id, all_of, max_chars and verdict")
        all_of, any_of = e["all_of"], e.get("any_of") or []
        if not isinstance(all_of, list) or not isinstance(any_of, list) or not all_of:
            raise ConfigError(f"{where}: {e['id']}: all_of (non-empty) and any_of are lists")
        unknown = sorted(set(all_of + any_of) - set(SIGNAL_CODES))
        if unknown:
            raise ConfigError(f"{where}: {e['id']}: unknown signal codes {unknown}")
        if not isinstance(e["max_chars"], int) or e["max_chars"] < 1:
            raise ConfigError(f"{where}: {e['id']}: max_chars must be a positive integer")
        if e["verdict"] not in ("warn", "block"):
            raise ConfigError(f"{where}: {e['id']}: verdict must be warn or block")
        out.append(
            Escalation(
                str(e["id"]), frozenset(all_of), frozenset(any_of), e["max_chars"], e["verdict"]
            )
        )
    return tuple(out)


def escalated_verdict(
    verdict: str, signals: Sequence[Signal], length: int, escalations: Sequence[Escalation]
) -> str:
    """``verdict`` raised to the strongest escalation the message meets."""
    codes = {s.code for s in signals}
    for e in escalations:
        if e.applies(codes, length) and _VERDICT_ORDER[e.verdict] > _VERDICT_ORDER[verdict]:
            verdict = e.verdict
    return verdict


def warning_for(signals: Sequence[Signal], lang: str) -> str:
    table = load_warnings()
    present = {s.code for s in signals}
    code = next((c for c in _WARNING_PRIORITY if c in present), "default")
    return table.get(code, table["default"])[lang]


class Detector:
    """Scores messages with a loaded :class:`MessageModel`.

    Build it with :meth:`load` (verifies the artifacts) or inject a model for tests.
    """

    def __init__(
        self,
        model: MessageModel,
        max_chars: int = MAX_TEXT_CHARS,
        contacts: ContactChecker | None = None,
    ):
        self.model = model
        self.contacts = contacts
        self.max_chars = max_chars
        classes = model.classes
        scam = set(model.scam_classes)
        self._scam_idx = np.array([i for i, c in enumerate(classes) if c in scam], dtype=int)
        self._benign_idx = np.array([i for i, c in enumerate(classes) if c not in scam], dtype=int)
        self._classes = np.array(classes, dtype=object)
        self._scam_mask = np.isin(np.arange(len(classes)), self._scam_idx)
        self._normalizer = Normalizer(max_chars=max_chars)
        self._analyzer = default_analyzer()
        # Same numbers as the Pipeline, from plain arrays (see fastpath.py); a model the
        # compiler does not support is scored by its Pipeline.
        self._compiled: CompiledScorer | None = model.compiled
        self.warn_threshold = model.thresholds["warn"]
        self.block_threshold = model.thresholds["block"]
        self._window = model.window_chars
        self._window_weight = model.window_weight
        self._by_lang = {
            lang: (t["warn"], t["block"]) for lang, t in model.thresholds_by_lang.items()
        }
        load_warnings()  # fail at start-up, not at the first risky message
        self._escalations = load_escalations()

    @property
    def thresholds_by_lang(self) -> dict[str, tuple[float, float]]:
        """(warn, block) of the languages that have thresholds of their own."""
        return dict(self._by_lang)

    def thresholds_for(self, lang: str) -> tuple[float, float]:
        """(warn, block) for text in ``lang`` (``detect_language``): the language's own
        thresholds when the model has them, else the global ones."""
        return self._by_lang.get(lang, (self.warn_threshold, self.block_threshold))

    @classmethod
    def load(
        cls, model_dir: Path | str | None = None, contacts: ContactChecker | None = None
    ) -> Detector:
        """Load the model in ``model_dir`` (default: the shipped ``models/``).

        ``contacts`` checks the contacts found in messages (registry, reports, number model);
        without it they are still found and assessed against an empty registry.
        """
        if contacts is None:
            contacts = ContactChecker.load()
        return cls(load_message_model(model_dir), contacts=contacts)

    @property
    def model_version(self) -> str:
        return self.model.version

    def check_text(self, text: object) -> str:
        return check_text(text, self.max_chars)

    def score_message(
        self, text: str, claimed_org: str | None = None, channel: str | None = None
    ) -> MessageAssessment:
        return self.score_messages([text], claimed_org=claimed_org, channel=channel)[0]

    def score_messages(
        self,
        texts: Sequence[str],
        claimed_org: str | None = None,
        channel: str | None = None,
        with_contacts: bool = True,
    ) -> list[MessageAssessment]:
        """Score many messages in one vectorized pass.

        ``with_contacts=False`` skips contact extraction (bulk scoring that only keeps the
        risk columns).
        """
        texts = [self.check_text(t) for t in texts]
        if not texts:
            return []
        norms = [self._normalizer.normalize(t) for t in texts]
        signals = [self._analyzer.analyze(n) for n in norms]
        proba = self._proba(norms, signals)
        risk = self._risk(proba)
        # A long message is also scored in windows: a riskier window raises its risk, and
        # the category follows that window.
        pieces = [(i, w) for i, t in enumerate(texts) for w in text_windows(t, self._window)]
        if pieces:
            piece_norms = [self._normalizer.normalize(w) for _, w in pieces]
            piece_proba = self._proba(piece_norms, [self._analyzer.analyze(n) for n in piece_norms])
            owner = np.array([i for i, _ in pieces])
            risk, best = window_risk(risk, owner, self._risk(piece_proba), self._window_weight)
            up = np.flatnonzero(best >= 0)
            if len(up):
                proba[up] = blend_probabilities(piece_proba[best[up]], risk[up], self._scam_mask)
        out = [
            self._assessment(text, float(r), p, sig)
            for text, r, p, sig in zip(texts, risk, proba, signals, strict=True)
        ]
        if with_contacts and self.contacts is not None:
            out = [
                self._with_contacts(a, n, claimed_org, channel)
                for a, n in zip(out, norms, strict=True)
            ]
        return out

    def _proba(self, norms: list[NormalizedText], signals: list[list[Signal]]) -> np.ndarray:
        if self._compiled is not None:
            return self._compiled.predict_proba(norms, signals)
        features, clf = self.model.pipeline[0], self.model.pipeline[-1]
        return clf.predict_proba(features.assemble(norms, signals))

    def _risk(self, proba: np.ndarray) -> np.ndarray:
        if not len(self._scam_idx):
            return np.zeros(len(proba))
        return proba[:, self._scam_idx].sum(axis=1)

    def _with_contacts(
        self,
        assessment: MessageAssessment,
        norm: NormalizedText,
        claimed_org: str | None,
        channel: str | None,
    ) -> MessageAssessment:
        """Check the contacts a message gives; an unofficial one under a claim is a warning."""
        found = default_extractor().extract(norm)
        if not found:
            return assessment
        checker = self.contacts
        claims: tuple[str, ...] = ()
        if any(s.code == "official_claim" for s in assessment.signals):
            claims = checker.registry.claims_in(norm.text)
        checked = checker.assess_many(
            found, claimed_org=claimed_org, claimed_orgs=claims, channel=channel
        )
        updates: dict[str, object] = {"contacts": tuple(c.to_dict() for c in checked)}
        bad = [c for c in checked if c.verdict in ("suspicious", "known_scam")]
        if bad and (claimed_org or claims) and assessment.verdict == "allow":
            lang = detect_language(norm.original)
            updates.update(
                verdict="warn",
                is_scam=True,
                warning=load_warnings().get("unofficial_contact", load_warnings()["default"])[lang],
            )
        return replace(assessment, **updates)

    def _assessment(
        self, text: str, risk: float, proba: np.ndarray, signals: list[Signal]
    ) -> MessageAssessment:
        risk = min(max(risk, 0.0), 1.0)
        lang = detect_language(text)
        warn, block = self.thresholds_for(lang)
        if risk >= block:
            verdict = "block"
        elif risk >= warn:
            verdict = "warn"
        else:
            verdict = "allow"
        # A short message that claims to be support and asks for what support never asks
        # for is a warning whatever the risk (escalations.yaml).
        verdict = escalated_verdict(verdict, signals, len(text), self._escalations)
        is_scam = verdict != "allow"
        side = self._scam_idx if is_scam and len(self._scam_idx) else self._benign_idx
        category = str(self._classes[side[np.argmax(proba[side])]]) if len(side) else None
        warning = warning_for(signals, lang) if is_scam else None
        return MessageAssessment(
            risk=risk,
            verdict=verdict,
            is_scam=is_scam,
            category=category,
            signals=tuple(signals),
            contacts=(),
            warning=warning,
            model_version=self.model.version,
        )
