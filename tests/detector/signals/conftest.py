"""Shared helpers for the per-signal table tests.

Each ``test_<code>.py`` holds two tables:

* ``POSITIVE``: ``(text, evidence)`` — the signal must fire, and one of its findings must cover
  ``evidence`` (a substring of the original text), with ``text == original[start:end]``;
* ``NEGATIVE``: ``text`` — the signal must not fire at all.
"""

from __future__ import annotations

import pytest

from detector.signals import SignalAnalyzer, default_analyzer

#: A finding may be wider than the evidence, but not a whole paragraph.
MAX_SPAN_SLACK = 40


@pytest.fixture(scope="session")
def analyzer() -> SignalAnalyzer:
    return default_analyzer()


def assert_fires(analyzer: SignalAnalyzer, text: str, code: str, evidence: str) -> None:
    assert evidence in text, f"bad table row: {evidence!r} is not in {text!r}"
    found = [s for s in analyzer.analyze(text) if s.code == code]
    assert found, f"{code} did not fire on {text!r}"
    for s in found:
        assert text[s.start : s.end] == s.text
    at = text.index(evidence)
    covering = [
        s
        for s in found
        if s.start <= at
        and s.end >= at + len(evidence)
        and (s.end - s.start) <= len(evidence) + MAX_SPAN_SLACK
    ]
    assert covering, (
        f"{code} fired on {text!r} but no span covers {evidence!r}: "
        f"{[(s.start, s.end, s.text) for s in found]}"
    )


def assert_silent(analyzer: SignalAnalyzer, text: str, code: str) -> None:
    found = [(s.text, s.rule_id) for s in analyzer.analyze(text) if s.code == code]
    assert not found, f"{code} fired on {text!r}: {found}"
