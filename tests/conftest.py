"""Shared fixtures for the whole suite."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager

import pytest


@contextmanager
def _deadline(seconds: int) -> Iterator[None]:
    """Fail (instead of hanging the suite) when the block runs longer than ``seconds``.

    A guard against catastrophic behaviour on hostile input, not a speed target: speed
    targets live in ``benchmarks/``.
    """

    def _boom(signum, frame):  # pragma: no cover - only runs on a hang
        raise TimeoutError(f"no answer within {seconds} s: the code hangs on this input")

    old = signal.signal(signal.SIGALRM, _boom)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


@pytest.fixture
def deadline():
    return _deadline
