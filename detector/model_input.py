"""The message model's view of a text, without scikit-learn.

The serving path (``detector/fastpath.py``) must reproduce exactly what
:class:`detector.features.MessageFeatures` feeds the classifier, yet it must not import
scikit-learn (and with it SciPy, pandas and pyarrow: 160 MB per worker). This module holds
the pure pieces both need: :func:`mask_text` (links, e-mails and digits masked, layout
spaces dropped), :func:`signal_vector` (the signal block of the feature vector) and
:func:`blend_probabilities` (how ``BlendedScamClassifier`` combines its two models) and
:func:`text_windows` (the pieces a long message is also scored in).
``MessageFeatures`` and ``BlendedScamClassifier`` use these same functions; a compiled model
records the mask patterns it was trained with (:func:`mask_fingerprint`) so a model trained
with other patterns is refused rather than scored differently.
"""

from __future__ import annotations

import re

import numpy as np

from detector.results import Signal
from detector.signals import SIGNAL_CODES

_DIGITS = re.compile(r"[0-9]")
_CJK = "\u3000-\u303f\u3400-\u9fff\uff00-\uffef"
_LAYOUT_SPACE = re.compile(f"(?<=[{_CJK}]) +| +(?=[{_CJK}])")
_TLDS = (
    "com|cn|net|org|top|xyz|cc|vip|shop|club|app|io|info|me|site|online|icu|live|link|fun|pro"
    "|ltd|wang|work|co|uk|hk"
)
_URL = re.compile(
    r"(?:https?://)?(?:[a-z0-9][a-z0-9\-]{0,62}\.){1,4}("
    + _TLDS
    + r")\b(?:[/?#][^\s\u3400-\u9fff,。]{0,200})?"
    r"|https?://[^\s\u3400-\u9fff,。]{1,200}"
)
_EMAIL = re.compile(r"\b[a-z0-9._%+\-]{1,64}@[a-z0-9.\-]{1,255}\.[a-z]{2,24}\b")

#: Where a long text may be cut into windows: after a sentence ends.
_SENTENCE_END = re.compile(r"(?<=[。！？!?；;\n])|(?<=[.:] )")
#: At most this many windows per text (a 5,000-character text in 200-character windows
#: has 25): the cost of a text stays bounded whatever its layout.
MAX_WINDOWS = 32

_REQUEST_CODES = frozenset(c for c in SIGNAL_CODES if c.startswith("requests_"))
_INDEX = {code: i for i, code in enumerate(SIGNAL_CODES)}
SIGNAL_FEATURE_NAMES = (
    *(f"signal__{code}" for code in SIGNAL_CODES),
    *(f"signal_weight__{code}" for code in SIGNAL_CODES),
    "signal__any_request",
    "signal__n_codes",
)


def mask_fingerprint() -> dict[str, str]:
    """The patterns :func:`mask_text` applies (recorded in a compiled model)."""
    return mask_patterns(_EMAIL, _URL, _DIGITS, _LAYOUT_SPACE)


def mask_patterns(email, url, digits, layout) -> dict[str, str]:
    return {
        "email": email.pattern,
        "url": url.pattern,
        "digits": digits.pattern,
        "layout_space": layout.pattern,
    }


def _url(m: re.Match) -> str:
    return f" url {m.group(1) or ''} "


def mask_text(text: str) -> str:
    """The model's view of a normalized text: links, e-mails and digits masked, layout
    spaces dropped."""
    text = _EMAIL.sub(" email ", text)
    text = _URL.sub(_url, text)
    return _LAYOUT_SPACE.sub("", _DIGITS.sub("0", text))


def signal_vector(signals: list[Signal]) -> np.ndarray:
    """The signal part of the feature vector for one text."""
    n = len(SIGNAL_CODES)
    vec = np.zeros(len(SIGNAL_FEATURE_NAMES), dtype=np.float64)
    if not signals:
        return vec
    for s in signals:
        i = _INDEX[s.code]
        vec[i] = 1.0
        vec[n + i] = max(vec[n + i], s.weight)
    vec[2 * n] = float(any(s.code in _REQUEST_CODES for s in signals))
    vec[2 * n + 1] = float(vec[:n].sum()) / n
    return vec


def blend_probabilities(category: np.ndarray, risk: np.ndarray, scam: np.ndarray) -> np.ndarray:
    """Category probabilities rescaled so that the ``scam`` columns sum to ``risk``.

    ``category`` is ``n × k`` (rows sum to 1), ``risk`` has ``n`` values in [0, 1] and
    ``scam`` is a boolean mask over the ``k`` columns. Within each side the proportions of the
    category model are kept; a side the category model gave no mass is split evenly.
    """
    out = np.empty_like(category, dtype=np.float64)
    for mask, mass in ((scam, risk), (~scam, 1.0 - risk)):
        part = category[:, mask]
        total = part.sum(axis=1, keepdims=True)
        even = np.full_like(part, 1.0 / max(part.shape[1], 1))
        share = np.divide(part, total, out=even, where=total > 0)
        out[:, mask] = share * mass[:, None]
    return out


def text_windows(text: str, size: int | None) -> list[str]:
    """The pieces of a long ``text`` that are scored besides the whole: consecutive
    sentences packed into windows of at most ``size`` characters (a longer sentence is cut
    every ``size`` characters). Empty when the text fits in one window or ``size`` is None.

    A long scam letter spends most of its length on context (greetings, order details, fake
    reassurance); the sentences that ask for the money or the code are diluted in the
    whole-text features. A message's risk moves towards its riskiest window
    (:func:`window_risk`), the same way in training (where the thresholds are chosen) and in
    scoring.
    """
    if not size or len(text) <= size:
        return []
    windows: list[str] = []
    current = ""
    for sentence in _SENTENCE_END.split(text):
        if len(current) + len(sentence) > size and current:
            windows.append(current)
            current = ""
        while len(sentence) > size:
            windows.append(sentence[:size])
            sentence = sentence[size:]
        current += sentence
    if current:
        windows.append(current)
    windows = [w for w in windows if w.strip()]
    return windows[:MAX_WINDOWS] if len(windows) > 1 else []


def window_risk(
    risk: np.ndarray, owner: np.ndarray, piece_risk: np.ndarray, weight: float
) -> tuple[np.ndarray, np.ndarray]:
    """Each text's risk moved ``weight`` of the way up to its riskiest window.

    ``risk`` holds the whole-text risks, ``owner[j]`` is the text window ``j`` was cut from
    and ``piece_risk[j]`` its risk. Returns the new risks and, per text, the index of the
    window that raised it (-1 where none did). ``weight`` 1 takes the riskiest piece;
    0.5 (the shipped model) goes halfway, so one alarming sentence inside a long benign
    notice does not count as much as a whole alarming message.
    """
    best_risk = np.full(len(risk), -np.inf)
    np.maximum.at(best_risk, owner, piece_risk)
    best = np.full(len(risk), -1)
    raised = piece_risk > risk[owner]
    hit = raised & (piece_risk == best_risk[owner])
    best[owner[hit][::-1]] = np.flatnonzero(hit)[::-1]  # the first window of the highest risk
    out = risk.astype(np.float64, copy=True)
    up = best >= 0
    out[up] += weight * (best_risk[up] - out[up])
    return out, best
