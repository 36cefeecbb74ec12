"""Databases for the storage tests: a SQLite file always, PostgreSQL when CI provides one.

Set ``KEFUGUARD_TEST_POSTGRES_URL`` (e.g. ``postgresql+psycopg://kefuguard@127.0.0.1/kefuguard``)
to run every storage test against PostgreSQL too; without it those cases are skipped with a
reason saying so.
"""

from __future__ import annotations

import os
import uuid

import pytest
from sqlalchemy import text

from api.db.engine import make_engine, migrate

POSTGRES_ENV = "KEFUGUARD_TEST_POSTGRES_URL"


@pytest.fixture(params=["sqlite", "postgresql"])
def db_engine(request, tmp_path):
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'kefuguard.db'}")
        migrate(engine)
        yield engine
        engine.dispose()
        return
    url = os.environ.get(POSTGRES_ENV)
    if not url:
        pytest.skip(f"PostgreSQL storage tests skipped: {POSTGRES_ENV} is not set")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = make_engine(url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine = make_engine(f"{url}?options=-csearch_path%3D{schema}")
    migrate(engine)
    yield engine
    engine.dispose()
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


ADMIN_KEY = "admin-key-0123456789abcdefghij"
SCORE_KEY = "score-key-0123456789abcdefghij"
REPORT_KEY = "report-key-0123456789abcdefghi"


def auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def make_settings(tmp_path, **overrides):
    from api.settings import Settings

    values = {
        "database_url": f"sqlite:///{tmp_path / 'api.db'}",
        "data_dir": tmp_path / "data",
        "api_keys": f"{ADMIN_KEY}:admin,{SCORE_KEY}:score,{REPORT_KEY}:report+score",
        "reporter_salt": "route-test-salt-0123456789",
        "rate_limit_per_minute": 0,
    }
    values.update(overrides)
    return Settings(**values)


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    """The real app (shipped models, a real SQLite file) behind Starlette's TestClient."""
    from fastapi.testclient import TestClient

    from api.db.engine import open_database
    from api.db.store import RegistryStore
    from api.main import create_app
    from detector.registry import demo_registry

    settings = make_settings(tmp_path_factory.mktemp("api"))
    RegistryStore(open_database(settings.database_url)).import_registry(demo_registry())
    with TestClient(create_app(settings)) as c:
        yield c


READY_TIMEOUT_S = 60
STOP_TIMEOUT_S = 20


def wait_ready(proc, url: str, log_tail) -> None:
    """Wait for a started ``kefuguard serve`` to answer /readyz (or fail with its log)."""
    import time

    import httpx

    deadline = time.monotonic() + READY_TIMEOUT_S
    while True:
        if proc.poll() is not None:
            pytest.fail(f"server exited with {proc.returncode}:\n{log_tail()}")
        try:
            if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            pytest.fail(f"not ready within {READY_TIMEOUT_S} s:\n{log_tail()}")
        time.sleep(0.25)


def stop_server(proc) -> None:
    """SIGTERM the server's process group; SIGKILL it if it does not stop in time."""
    import signal
    import subprocess

    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(5)
