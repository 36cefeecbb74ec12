"""Signals: sensitive-data requests and impersonation cues, declared as data in ``rules/``."""

from detector.signals.analyzer import SignalAnalyzer, default_analyzer
from detector.signals.rules_schema import SIGNAL_CODES

__all__ = ["SIGNAL_CODES", "SignalAnalyzer", "default_analyzer"]
