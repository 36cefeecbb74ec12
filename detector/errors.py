"""Domain errors of the scoring core.

Every error kefuguard raises on purpose derives from :class:`KefuguardError` and carries a
stable machine-readable ``code``; the CLI and (later) the HTTP layer map these codes to exit
statuses and responses in one place each.
"""

from __future__ import annotations

from typing import Any


class KefuguardError(Exception):
    """Base class for expected, user-facing errors."""

    code = "kefuguard_error"

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.details = details

    def to_dict(self) -> dict[str, Any]:
        return {"error": {"code": self.code, "message": self.message, "details": self.details}}


class InvalidInputError(KefuguardError):
    """The caller sent something the detector cannot read (wrong type, bad encoding…)."""

    code = "invalid_input"


class TextTooLongError(InvalidInputError):
    """The text is longer than the configured limit."""

    code = "text_too_long"


class ConfigError(KefuguardError):
    """A shipped or user-supplied data file (rules, variants…) is malformed."""

    code = "config_error"


class ModelError(KefuguardError):
    """A model directory is missing, incomplete, tampered with or built for other versions."""

    code = "model_error"
