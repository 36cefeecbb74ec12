"""Rule files as data: their schema, validated when loaded.

A rule file (``rules/<code>.yaml``) declares one signal code and its rules; ``lexicon.yaml``
declares the shared context words (asks, negations, reported speech, questions, giving).
A malformed file is a :class:`~detector.errors.ConfigError` that names the file and the rule.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from detector.errors import ConfigError

#: The signal taxonomy of DESIGN.md. A rule file for any other code is rejected.
SIGNAL_CODES = (
    "requests_otp",
    "requests_password",
    "requests_bank_card",
    "requests_card_secret",
    "requests_identity",
    "requests_account_login",
    "remote_control",
    "payment_lure",
    "off_platform",
    "official_claim",
    "urgency_threat",
)

Lang = Literal["zh", "en"]
M = TypeVar("M", bound=BaseModel)

# Unbounded repetition is what makes a regex blow up on hostile input; rules may only use
# bounded repetition ({m,n}) and optional parts (?).
_UNBOUNDED = re.compile(r"(?<!\\)[*+]|\{\d*,\}")


def _check_fragment(fragment: str) -> str:
    if not fragment:
        raise ValueError("empty pattern")
    if _UNBOUNDED.search(fragment.replace("\\\\", "")):
        raise ValueError(f"pattern {fragment!r} uses unbounded repetition (*, + or {{n,}})")
    if any("A" <= c <= "Z" for c in re.sub(r"\\.", "", fragment)):
        raise ValueError(f"pattern {fragment!r} has upper-case letters; text is lower-cased")
    try:
        re.compile(fragment)
    except re.error as exc:
        raise ValueError(f"pattern {fragment!r} does not compile: {exc}") from exc
    return fragment


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Rule(_Strict):
    """One rule. ``request`` rules need an ask near an object; ``phrase`` rules match as is."""

    id: str = Field(pattern=r"^[a-z0-9_.]{3,80}$")
    lang: Lang
    kind: Literal["request", "phrase"]
    objects: tuple[str, ...] = ()
    patterns: tuple[str, ...] = ()
    weight: float | None = Field(default=None, ge=0.0, le=1.0)
    #: Characters allowed between ask and object (default: 12 for zh, 40 for en).
    window: int | None = Field(default=None, ge=0, le=80)
    #: Whether negation, reported speech and "is this real?" context silence the rule.
    #: Requests are always suppressible.
    suppressible: bool = False

    @field_validator("objects", "patterns")
    @classmethod
    def _fragments(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(_check_fragment(f) for f in value)

    @model_validator(mode="after")
    def _kind_fields(self) -> Rule:
        if self.kind == "request" and (not self.objects or self.patterns):
            raise ValueError("a request rule needs 'objects' and no 'patterns'")
        if self.kind == "phrase" and (not self.patterns or self.objects):
            raise ValueError("a phrase rule needs 'patterns' and no 'objects'")
        return self


class RuleFile(_Strict):
    code: str
    description: str = Field(min_length=3, max_length=300)
    weight: float = Field(ge=0.0, le=1.0)
    rules: tuple[Rule, ...] = Field(min_length=1)

    @field_validator("code")
    @classmethod
    def _known_code(cls, value: str) -> str:
        if value not in SIGNAL_CODES:
            raise ValueError(f"unknown signal code {value!r}; known: {', '.join(SIGNAL_CODES)}")
        return value


class PerLang(_Strict):
    zh: tuple[str, ...] = Field(min_length=1)
    en: tuple[str, ...] = Field(min_length=1)

    @field_validator("zh", "en")
    @classmethod
    def _fragments(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(_check_fragment(f) for f in value)


class Lexicon(_Strict):
    version: int = 1
    asks: PerLang
    negations: PerLang
    negations_after: PerLang
    reported: PerLang
    questions: PerLang
    verdicts: PerLang
    #: Words before an opening quotation mark that make the quote someone else's words:
    #: "骗子常用“…”", "scammers say \"…\"" (optional).
    quote_leads: PerLang | None = None
    giving: tuple[str, ...] = ()

    @field_validator("giving")
    @classmethod
    def _fragments(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(_check_fragment(f) for f in value)


def _read_yaml(path: Path) -> object:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise ConfigError(f"cannot read rule file {path}: {exc}", path=str(path)) from exc


def _validate(model: type[M], path: Path) -> M:
    try:
        return model.model_validate(_read_yaml(path))
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or '<file>'}: {err['msg']}"
            for err in exc.errors()
        )
        raise ConfigError(f"invalid rule file {path}: {problems}", path=str(path)) from exc


def load_rule_dir(directory: Path) -> tuple[Lexicon, list[RuleFile]]:
    """Load ``lexicon.yaml`` and every other ``*.yaml`` of ``directory`` as a rule file."""
    lexicon_path = directory / "lexicon.yaml"
    if not lexicon_path.is_file():
        raise ConfigError(f"rule directory {directory} has no lexicon.yaml", path=str(directory))
    lexicon = _validate(Lexicon, lexicon_path)
    files = [_validate(RuleFile, p) for p in sorted(directory.glob("*.yaml")) if p != lexicon_path]
    if not files:
        raise ConfigError(f"rule directory {directory} has no rule files", path=str(directory))
    seen: dict[str, str] = {}
    for f in files:
        for rule in f.rules:
            if rule.id in seen:
                raise ConfigError(f"rule id {rule.id!r} is declared twice", rule_id=rule.id)
            seen[rule.id] = f.code
    return lexicon, files
