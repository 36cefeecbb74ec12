"""The message model's view of a text, without scikit-learn.

The serving path (``detector/fastpath.py``) must reproduce exactly what
:class:`detector.features.MessageFeatures` feeds the classifier, yet it must not import
scikit-learn (and with it SciPy, pandas and pyarrow: 160 MB per worker). This module holds
the pure pieces both need: :func:`mask_text` (links, e-mails and digits masked, layout
spaces dropped), :func:`signal_vector` (the signal block of the feature vector) and
:func:`blend_probabilities` (how ``BlendedScamClassifier`` combines its two models).
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
