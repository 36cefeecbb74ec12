"""Conversation scoring: a whole support thread in, one risk and the turn it turned risky out.

A scam often starts harmless and turns dangerous mid-conversation ("订单异常" → "加QQ" → "把验证码
发我"), and it may spread its ask over several turns so that no single message says enough.
Benign support threads, on the other hand, must stay quiet, even when the customer is angry or
quotes a scammer. :func:`score_conversation` reads a thread like this:

1. **Validate.** ``turns`` is a non-empty sequence of at most :data:`MAX_TURNS` turns, each a
   mapping ``{"role": ..., "text": ...}`` or a pair ``(role, text)``. Roles are ``agent`` (the
   side that claims to be support: the side we assess) and ``customer`` (the user); the aliases
   in :data:`ROLE_ALIASES` are accepted, case-insensitively. Each text goes through the
   detector's own ``check_text``. Every problem raises :class:`InvalidInputError` (or its
   subclass :class:`TextTooLongError`) naming the turn index in the message and in
   ``details["turn"]``.
2. **Score, vectorized.** All turns go through *one* ``detector.score_messages`` call (with
   ``claimed_org`` and contact checks). For each agent turn *t*, the texts of the last
   ``window`` agent turns up to *t* are joined with ``"\\n"`` into a *context window* (only
   when it holds at least two turns); all windows are scored in *one more* call, without
   contact checks. A window longer than ``detector.max_chars`` keeps its most recent text
   (it is cut from the start). So a conversation costs at most two calls.
3. **Running risk.** After turn *t* it is the maximum, over agent turns up to *t*, of
   ``max(turn risk, context risk)``. Customer turns never raise it: victims quote scammers and
   report scams ("有人让我把验证码发给他"), so their text is scored and returned but not counted,
   and it never enters a context window.
4. **Verdict.** The running verdict follows the detector's thresholds on the running risk, and
   is at least ``warn`` once an agent turn's own verdict, or its window's, is ``warn``/``block``
   (e.g. raised by an unofficial contact under a claimed organisation, or by an escalation:
   "我是客服" in one turn and "验证码念一下" in the next). The conversation's ``risk`` and
   ``verdict`` are those after the last turn; ``first_warning_turn`` is the first index at which
   the running verdict was ``warn``/``block`` (always an agent turn), or ``None``.
5. **Evidence.** ``signals`` is the union of the agent turns' signals and of the window signals
   that fall inside one agent turn, each with its ``turn`` index and a span into *that turn's*
   text (``text[start:end] == signal["text"]``). ``warning`` is picked from them by
   :func:`warning_for`, in the language of the whole conversation.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from detector.engine import detect_language, load_warnings, warning_for
from detector.errors import InvalidInputError
from detector.results import MessageAssessment, Signal

if TYPE_CHECKING:
    from detector.engine import Detector

#: Canonical roles: ``agent`` claims to be support (assessed), ``customer`` is the user.
ROLES = ("agent", "customer")
#: Accepted spellings (after ``strip().lower()``) and the role each one means.
ROLE_ALIASES: dict[str, str] = {
    "agent": "agent",
    "support": "agent",
    "kefu": "agent",
    "staff": "agent",
    "customer": "customer",
    "user": "customer",
    "buyer": "customer",
}
#: Most turns one conversation may have.
MAX_TURNS = 200
#: Largest context window (agent turns read together).
MAX_WINDOW = 10


@dataclass(frozen=True, slots=True)
class TurnAssessment:
    """One turn: its own assessment and, for agent turns, the risk of its context window.

    ``context_risk`` is the risk of the last ``window`` agent turns up to this one read
    together; it is 0.0 for customer turns and for agent turns without a window (the first
    agent turn, or ``window=1``).
    """

    index: int
    role: str
    assessment: MessageAssessment
    context_risk: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "role": self.role,
            "context_risk": round(self.context_risk, 4),
            **self.assessment.to_dict(),
        }


@dataclass(frozen=True, slots=True)
class ConversationAssessment:
    """The answer for one conversation (see the module docstring for how it is reached)."""

    risk: float
    verdict: str  # allow | warn | block
    is_scam: bool
    first_warning_turn: int | None
    turns: tuple[TurnAssessment, ...]
    signals: tuple[dict[str, Any], ...]  # each {"turn": i, **Signal.to_dict()}
    warning: str | None
    model_version: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "risk": round(self.risk, 4),
            "verdict": self.verdict,
            "is_scam": self.is_scam,
            "first_warning_turn": self.first_warning_turn,
            "turns": [t.to_dict() for t in self.turns],
            "signals": [dict(s) for s in self.signals],
            "warning": self.warning,
            "model_version": self.model_version,
        }


def score_conversation(
    detector: Detector,
    turns: Sequence[Mapping[str, str]] | Sequence[tuple[str, str]],
    claimed_org: str | None = None,
    window: int = 3,
) -> ConversationAssessment:
    """Score a conversation; ``window`` agent turns are also read together (1 = never)."""
    if isinstance(window, bool) or not isinstance(window, int) or not 1 <= window <= MAX_WINDOW:
        raise InvalidInputError(
            f"window must be an integer from 1 to {MAX_WINDOW}, not {window!r}",
            window=repr(window),
        )
    roles, texts = _validate(detector, turns)
    agent = [i for i, r in enumerate(roles) if r == "agent"]

    assessments = detector.score_messages(texts, claimed_org=claimed_org)

    # Context windows: (agent turn, window text, cut, [(turn, start in joined text)]).
    windows: list[tuple[int, str, int, list[tuple[int, int]]]] = []
    for k, t in enumerate(agent):
        members = agent[max(0, k - window + 1) : k + 1]
        if len(members) < 2:
            continue
        segments, pos = [], 0
        for m in members:
            segments.append((m, pos))
            pos += len(texts[m]) + 1
        joined = "\n".join(texts[m] for m in members)
        cut = max(0, len(joined) - detector.max_chars)
        windows.append((t, joined[cut:], cut, segments))
    context_risk = [0.0] * len(texts)
    context_raised = [False] * len(texts)  # the window's verdict is above its risk's
    window_signals: list[tuple[int, Signal]] = []
    if windows:
        scored = detector.score_messages(
            [w[1] for w in windows], claimed_org=claimed_org, with_contacts=False
        )
        for (t, _, cut, segments), a in zip(windows, scored, strict=True):
            context_risk[t] = a.risk
            context_raised[t] = a.verdict != "allow"
            window_signals.extend(_map_signals(a.signals, cut, segments, texts))

    # Running risk and verdict, turn by turn.
    running_risk, raised, verdict, first_warning = 0.0, False, "allow", None
    lang = detect_language("\n".join(texts))
    warn_at, block_at = detector.thresholds_for(lang)
    for i, a in enumerate(assessments):
        if roles[i] == "agent":
            running_risk = max(running_risk, a.risk, context_risk[i])
            raised = raised or a.verdict != "allow" or context_raised[i]
        verdict = _verdict(running_risk, warn_at, block_at)
        if raised and verdict == "allow":
            verdict = "warn"
        if verdict != "allow" and first_warning is None:
            first_warning = i

    # Evidence: agent signals (own, then from windows), deduplicated, by turn and position.
    found: dict[tuple[int, str, int, int], tuple[int, Signal]] = {}
    for i in agent:
        for s in assessments[i].signals:
            found.setdefault((i, s.code, s.start, s.end), (i, s))
    for i, s in window_signals:
        found.setdefault((i, s.code, s.start, s.end), (i, s))
    ordered = sorted(found.values(), key=lambda x: (x[0], x[1].start, x[1].end, x[1].code))
    signals = tuple({"turn": i, **s.to_dict()} for i, s in ordered)

    is_scam = verdict != "allow"
    warning = None
    if is_scam:
        table = load_warnings()
        warning = warning_for([s for _, s in ordered], lang)
        # Raised only by a contact (no risky text, no telling signal): say so.
        by_contact = running_risk < warn_at
        if by_contact and warning == table["default"][lang]:
            warning = table.get("unofficial_contact", table["default"])[lang]

    return ConversationAssessment(
        risk=running_risk,
        verdict=verdict,
        is_scam=is_scam,
        first_warning_turn=first_warning,
        turns=tuple(
            TurnAssessment(i, roles[i], a, context_risk[i]) for i, a in enumerate(assessments)
        ),
        signals=signals,
        warning=warning,
        model_version=detector.model_version,
    )


def _validate(detector: Detector, turns: object) -> tuple[list[str], list[str]]:
    """Roles (canonical) and texts of ``turns``, or an InvalidInputError naming the turn."""
    if isinstance(turns, str | bytes | Mapping) or not isinstance(turns, Sequence):
        raise InvalidInputError(
            f"turns must be a list of turns, not {type(turns).__name__}",
            type=type(turns).__name__,
        )
    if not turns:
        raise InvalidInputError("a conversation needs at least one turn", turns=0)
    if len(turns) > MAX_TURNS:
        raise InvalidInputError(
            f"the conversation has {len(turns)} turns; the limit is {MAX_TURNS} "
            f"(turn {MAX_TURNS} is the first over it)",
            turn=MAX_TURNS,
            turns=len(turns),
            limit=MAX_TURNS,
        )
    roles, texts = [], []
    for i, turn in enumerate(turns):
        if isinstance(turn, Mapping):
            missing = [k for k in ("role", "text") if k not in turn]
            if missing:
                raise InvalidInputError(
                    f"turn {i}: missing {' and '.join(missing)}", turn=i, missing=missing
                )
            role, text = turn["role"], turn["text"]
        elif isinstance(turn, Sequence) and not isinstance(turn, str | bytes) and len(turn) == 2:
            role, text = turn
        else:
            raise InvalidInputError(
                f"turn {i}: expected {{'role': ..., 'text': ...}} or (role, text), "
                f"not {type(turn).__name__}",
                turn=i,
            )
        canonical = ROLE_ALIASES.get(role.strip().lower()) if isinstance(role, str) else None
        if canonical is None:
            raise InvalidInputError(
                f"turn {i}: role must be one of {', '.join(ROLES)} "
                f"(or {', '.join(a for a in ROLE_ALIASES if a not in ROLES)}), not {role!r}",
                turn=i,
                role=repr(role),
            )
        try:
            text = detector.check_text(text)
        except InvalidInputError as e:
            raise type(e)(f"turn {i}: {e.message}", turn=i, **e.details) from e
        roles.append(canonical)
        texts.append(text)
    return roles, texts


def _map_signals(
    signals: Sequence[Signal], cut: int, segments: list[tuple[int, int]], texts: list[str]
) -> list[tuple[int, Signal]]:
    """Window signals that lie inside one turn, re-based onto that turn's text."""
    out = []
    for s in signals:
        start, end = s.start + cut, s.end + cut  # positions in the untruncated joined text
        for turn, offset in reversed(segments):
            if start >= offset:
                a, b = start - offset, end - offset
                if b <= len(texts[turn]) and texts[turn][a:b] == s.text:
                    out.append((turn, replace(s, start=a, end=b)))
                break
    return out


def _verdict(risk: float, warn_at: float, block_at: float) -> str:
    if risk >= block_at:
        return "block"
    if risk >= warn_at:
        return "warn"
    return "allow"
