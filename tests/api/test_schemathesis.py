"""Property-based API tests: every operation of ``/openapi.json``, fuzzed by Schemathesis.

The real app (shipped models, a SQLite file, the demo registry) is reached in-process over
ASGI with an admin key (a superset of every scope) and rate limiting off. For each request,
generated or a boundary case: no 5xx, a documented status code, and a body matching the
declared schema.

The schema is loaded at import (Schemathesis parametrizes at collection) from an app that is
never started; the requests go to the module's live app, whose lifespan the ``live_app``
fixture runs once. (``schemathesis.pytest.from_fixture`` would do this, but on pytest 9 it
fails: it rewrites ``Function._nodeid``, which pytest 9 no longer has.)
"""

from __future__ import annotations

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

from api.main import create_app
from api.settings import Settings
from tests.api.conftest import ADMIN_KEY, auth, make_settings

MAX_EXAMPLES = 20
CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]


class _Target:
    """The ASGI app Schemathesis calls: HTTP goes to ``self.app``; lifespan is acknowledged
    and ignored (Schemathesis would otherwise start and stop one per test, reloading the
    models each time)."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "lifespan":
            await self.app(scope, receive, send)
            return
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return


# Never started: it only serves /openapi.json, which needs no models or database.
TARGET = _Target(create_app(Settings(database_url="sqlite://")))
schema = schemathesis.openapi.from_asgi("/openapi.json", TARGET)


@pytest.fixture(scope="module", autouse=True)
def live_app(tmp_path_factory):
    from api.db.engine import open_database
    from api.db.store import RegistryStore
    from detector.registry import demo_registry

    app_settings = make_settings(tmp_path_factory.mktemp("schemathesis"), log_level="WARNING")
    assert app_settings.rate_limit_per_minute == 0
    RegistryStore(open_database(app_settings.database_url)).import_registry(demo_registry())
    app = create_app(app_settings)
    schema_only, TARGET.app = TARGET.app, app
    try:
        with TestClient(app):  # the real lifespan: models and database opened once
            yield app
    finally:
        TARGET.app = schema_only


# The one-value parametrize is for the test ids: on pytest 9 Schemathesis' own items all
# share one id; with a parameter each carries its operation ("...[POST /v1/reports][admin]").
@schema.parametrize()
@pytest.mark.parametrize("key", [ADMIN_KEY], ids=["admin"])
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_when_fuzzed_then_no_5xx_and_responses_match_schema(case, key):
    case.call_and_validate(headers=auth(key), checks=CHECKS)


# Valid by the schema, but at the edges the fuzzer seldom reaches.
BOUNDARY_CASES = {
    "report-year-1-east-of-utc": (
        "POST",
        "/v1/reports",
        {},
        {"contact": "800099999", "type": "qq", "reported_at": "0001-01-01T00:00:00+00:01"},
    ),
    "report-year-1-naive": (
        "POST",
        "/v1/reports",
        {},
        {"contact": "800099999", "type": "qq", "reported_at": "0001-01-01T00:00:00"},
    ),
    "report-year-9999-west-of-utc": (
        "POST",
        "/v1/reports",
        {},
        {"contact": "800099999", "type": "qq", "reported_at": "9999-12-31T23:59:59-14:00"},
    ),
    "official-contact-verified-year-1": (
        "POST",
        "/v1/registry/orgs/{org}/contacts",
        {"org": "demo-kameng"},
        {"value": "800099998", "type": "qq", "source": "test", "verified_at": "0001-01-01"},
    ),
}


@pytest.mark.parametrize("name", BOUNDARY_CASES)
def test_when_boundary_values_sent_then_no_5xx_and_responses_match_schema(name):
    method, path, path_parameters, body = BOUNDARY_CASES[name]
    case = schema[path][method].Case(path_parameters=path_parameters or None, body=body)
    case.call_and_validate(headers=auth(ADMIN_KEY), checks=CHECKS)
