"""The bad-input catalogue: every hostile or malformed request gets its documented answer.

Each row is a raw request (bytes, not a Python object the client would re-encode) and the
status and error code it must get; none may be a 5xx, and the shared error shape holds. The
rows are the issue's list: empty body, wrong types, a 1 MB text, invalid UTF-8, NUL bytes,
deeply nested JSON, a 10,000-item batch, unknown fields, SQL-looking strings, and missing,
invalid or under-scoped keys.
"""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from tests.api.conftest import ADMIN_KEY, REPORT_KEY, SCORE_KEY, auth, make_settings

JSON = {"Content-Type": "application/json"}
SQL = "'; DROP TABLE api_keys; --"


def body(obj) -> bytes:
    return json.dumps(obj, ensure_ascii=False).encode()


@pytest.fixture(scope="module")
def app_client(tmp_path_factory):
    with TestClient(create_app(make_settings(tmp_path_factory.mktemp("bad")))) as c:
        yield c


CATALOGUE = [
    # (name, method, path, raw body, key, status, error code)
    ("empty body", "POST", "/v1/messages/score", b"", SCORE_KEY, 422, "validation_error"),
    ("not JSON", "POST", "/v1/messages/score", b"hello", SCORE_KEY, 422, "validation_error"),
    ("JSON null", "POST", "/v1/messages/score", b"null", SCORE_KEY, 422, "validation_error"),
    ("JSON array", "POST", "/v1/messages/score", b"[1, 2]", SCORE_KEY, 422, "validation_error"),
    ("text is a number", "POST", "/v1/messages/score", body({"text": 123}), SCORE_KEY, 422, "validation_error"),
    ("text is a list", "POST", "/v1/messages/score", body({"text": ["a"]}), SCORE_KEY, 422, "validation_error"),
    ("turns is a string", "POST", "/v1/conversations/score", body({"turns": "hi"}), SCORE_KEY, 422, "validation_error"),
    ("1 MB text", "POST", "/v1/messages/score", body({"text": "验" * (1 << 20)}), SCORE_KEY, 422, "validation_error"),
    ("invalid UTF-8", "POST", "/v1/messages/score", b'{"text": "\xff\xfe abc"}', SCORE_KEY, 422, "validation_error"),
    ("deeply nested JSON", "POST", "/v1/messages/score", b'{"text": ' + b"[" * 5000 + b"]" * 5000 + b"}", SCORE_KEY, 422, "validation_error"),
    ("nested beyond the parser", "POST", "/v1/messages/score", b"[" * 100_000 + b"]" * 100_000, SCORE_KEY, 422, "validation_error"),
    ("10,000-item batch", "POST", "/v1/messages/score-batch", body({"items": [{"text": "a"}] * 10_000}), SCORE_KEY, 422, "validation_error"),
    ("10,000-item contact batch", "POST", "/v1/contacts/check-batch", body({"items": [{"value": "13800138000"}] * 10_000}), SCORE_KEY, 422, "validation_error"),
    ("unknown field", "POST", "/v1/messages/score", body({"text": "hi", "foo": 1}), SCORE_KEY, 422, "validation_error"),
    ("SQL-looking contact", "POST", "/v1/contacts/check", body({"value": "1' OR '1'='1"}), SCORE_KEY, 422, "invalid_input"),
    ("SQL-looking org in the path", "GET", "/v1/registry/orgs/x'%20OR%201=1--/contacts", None, ADMIN_KEY, 422, "validation_error"),
    ("no key", "POST", "/v1/messages/score", body({"text": "hi"}), None, 401, "unauthorized"),
    ("unknown key", "POST", "/v1/messages/score", body({"text": "hi"}), "wrong-key-0123456789abcdef", 401, "unauthorized"),
    ("no key on a write", "POST", "/v1/reports", body({"contact": "13800138000"}), None, 401, "unauthorized"),
    ("score key on an admin write", "POST", "/v1/registry/orgs", body({"name": "x", "slug": "xx"}), SCORE_KEY, 403, "forbidden"),
    ("score key on a report write", "POST", "/v1/reports", body({"contact": "13800138000"}), SCORE_KEY, 403, "forbidden"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("name", "method", "path", "raw", "key", "status", "code"),
    CATALOGUE,
    ids=[row[0] for row in CATALOGUE],
)
def test_when_request_is_bad_then_documented_4xx(
    app_client, name, method, path, raw, key, status, code
):
    headers = {**JSON, **(auth(key) if key else {})}
    resp = app_client.request(method, path, content=raw, headers=headers)
    assert resp.status_code == status, resp.text[:300]
    err = resp.json()
    assert set(err) == {"error"} and err["error"]["code"] == code
    assert isinstance(err["error"]["message"], str) and err["error"]["message"]
    assert "验验验验验验验验" not in resp.text  # a rejected text is never echoed back


def test_when_authorization_is_not_bearer_then_401_saying_how(app_client):
    resp = app_client.post(
        "/v1/messages/score",
        content=body({"text": "hi"}),
        headers={**JSON, "Authorization": "Basic abc"},
    )
    assert resp.status_code == 401 and "Bearer" in resp.json()["error"]["message"]


@pytest.mark.parametrize("text", ["abc\x00def", "\x00", "\x00" * 4000, "验证码\x00发给我"])
def test_when_text_has_nul_bytes_then_scored_not_an_error(app_client, text):
    resp = app_client.post(
        "/v1/messages/score", content=body({"text": text}), headers={**JSON, **auth(SCORE_KEY)}
    )
    assert resp.status_code == 200, resp.text
    for signal in resp.json()["signals"]:
        assert text[signal["start"] : signal["end"]] == signal["text"]


def test_when_strings_look_like_sql_then_stored_and_read_back_verbatim(app_client):
    contact = "13800138000"
    for i in range(2):
        resp = app_client.post(
            "/v1/reports",
            content=body({"contact": contact, "reporter_id": f"{SQL}{i}", "text": SQL}),
            headers={**JSON, **auth(REPORT_KEY)},
        )
        assert resp.status_code == 202, resp.text
    scored = app_client.post(
        "/v1/messages/score", content=body({"text": SQL}), headers={**JSON, **auth(SCORE_KEY)}
    )
    assert scored.status_code == 200
    stats = app_client.get(f"/v1/contacts/{contact}/reports", headers=auth(REPORT_KEY)).json()[
        "stats"
    ]
    assert stats["distinct_reporters"] == 2  # the tables are still there and were written to
    # the key table survived too: the same keys still authenticate
    assert app_client.get("/v1/registry/orgs", headers=auth(ADMIN_KEY)).status_code == 200
