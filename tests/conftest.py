"""Shared fixtures for the whole suite."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parent / "data"


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


@pytest.fixture(autouse=True)
def _isolated_state(tmp_path, monkeypatch):
    """Every test gets its own database file and reporter salt: no test touches ./var."""
    monkeypatch.setenv("KEFUGUARD_DATABASE_URL", f"sqlite:///{tmp_path / 'kefuguard.db'}")
    monkeypatch.setenv("KEFUGUARD_REPORTER_SALT", "test-salt-0123456789")
    monkeypatch.setenv("KEFUGUARD_DATA_DIR", str(tmp_path / "data"))


@pytest.fixture
def deadline():
    return _deadline


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory) -> Path:
    """A small model trained on ``tests/data/tiny_corpus.csv`` (repeated so CV has groups)."""
    import pandas as pd

    from training.train import Params, train

    base = pd.read_csv(DATA / "tiny_corpus.csv", dtype=str, keep_default_na=False)
    copies = []
    for k in range(3):
        c = base.copy()
        c["text"] = c["text"] + ("" if k == 0 else f" {k}")
        c["group"] = c["group"] + f"-{k}"
        copies.append(c)
    path = tmp_path_factory.mktemp("corpus") / "tiny.csv"
    pd.concat(copies).to_csv(path, index=False)
    out = tmp_path_factory.mktemp("model")
    train(path, out, "category", Params(min_df=1, max_features=5000))
    return out


@pytest.fixture(scope="session")
def tiny_detector(tiny_model_dir):
    from detector.engine import Detector

    return Detector.load(tiny_model_dir)
