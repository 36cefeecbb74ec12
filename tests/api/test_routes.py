"""The HTTP service end to end: real app, shipped models, a real SQLite file."""

from __future__ import annotations

import logging

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from tests.api.conftest import ADMIN_KEY, REPORT_KEY, SCORE_KEY, auth, make_settings

SCAM = "您好，我是示例卡盟客服，您的订单异常需要退款，请加QQ 800099999，并把手机收到的验证码发给我"
BENIGN = "您好，麻烦提供一下订单号和付款截图，我们帮您查询充值进度"


def assert_error(resp, status: int, code: str) -> dict:
    assert resp.status_code == status, resp.text
    body = resp.json()
    assert set(body) == {"error"} and body["error"]["code"] == code
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    return body["error"]


def test_when_health_probes_then_alive_ready_and_metrics(client):
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz").json()
    assert ready["status"] == "ready" and ready["model_version"].startswith("msg-")
    client.post("/v1/messages/score", json={"text": BENIGN}, headers=auth(SCORE_KEY))
    metrics = client.get("/metrics").text
    assert "kefuguard_requests_total" in metrics
    assert 'kefuguard_verdicts_total{endpoint="messages"' in metrics


@pytest.mark.parametrize(
    ("headers", "status", "code"),
    [
        ({}, 401, "unauthorized"),
        ({"Authorization": "Bearer nope"}, 401, "unauthorized"),
        ({"Authorization": "Basic abc"}, 401, "unauthorized"),
        (auth(SCORE_KEY), 403, "forbidden"),
    ],
)
def test_when_registry_write_without_admin_then_401_or_403(client, headers, status, code):
    resp = client.post("/v1/registry/orgs", json={"slug": "x1", "name": "X"}, headers=headers)
    assert_error(resp, status, code)
    if status == 401:
        assert resp.headers["www-authenticate"] == "Bearer"


def test_when_scam_message_scored_then_block_with_spans_and_contacts(client):
    resp = client.post("/v1/messages/score", json={"text": SCAM}, headers=auth(SCORE_KEY))
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["verdict"] in ("warn", "block") and body["warning"]
    for s in body["signals"]:
        assert SCAM[s["start"] : s["end"]] == s["text"]
    assert [c["type"] for c in body["contacts"]] == ["qq"]


def test_when_batch_scored_then_order_kept(client):
    items = [{"text": BENIGN}, {"text": SCAM}, {"text": BENIGN, "claimed_org": "示例卡盟"}]
    resp = client.post("/v1/messages/score-batch", json={"items": items}, headers=auth(SCORE_KEY))
    verdicts = [i["verdict"] for i in resp.json()["items"]]
    assert verdicts[0] == "allow" and verdicts[1] != "allow" and verdicts[2] == "allow"


@pytest.mark.parametrize(
    ("path", "body", "status", "code"),
    [
        ("/v1/messages/score", {"text": "x" * 5001}, 422, "validation_error"),
        ("/v1/messages/score", {"text": ""}, 422, "validation_error"),
        ("/v1/messages/score", {"txt": "hi"}, 422, "validation_error"),
        ("/v1/messages/score-batch", {"items": [{"text": "a"}] * 1001}, 422, "validation_error"),
        ("/v1/contacts/check", {"value": "1" * 513}, 422, "validation_error"),
        ("/v1/contacts/check", {"value": "12345", "type": "fax"}, 422, "validation_error"),
        ("/v1/contacts/check", {"value": "no contact here at all"}, 422, "invalid_input"),
        ("/v1/conversations/score", {"turns": []}, 422, "validation_error"),
    ],
)
def test_when_input_is_bad_then_4xx_naming_the_problem(client, path, body, status, code):
    err = assert_error(client.post(path, json=body, headers=auth(SCORE_KEY)), status, code)
    assert "x" * 50 not in str(err)  # the rejected text is never echoed


def test_when_body_over_cap_then_413(tmp_path):
    settings = make_settings(tmp_path, max_body_bytes=2048)
    with TestClient(create_app(settings)) as c:
        resp = c.post(
            "/v1/messages/score",
            content=b'{"text": "' + b"a" * 4000 + b'"}',
            headers=auth(SCORE_KEY),
        )
        assert_error(resp, 413, "body_too_large")


def test_when_registry_managed_then_contact_checks_follow(client):
    admin = auth(ADMIN_KEY)
    org = {"slug": "acme-shop", "name": "艾克米商城", "aliases": ["Acme Shop"], "region": "CN"}
    assert client.post("/v1/registry/orgs", json=org, headers=admin).status_code == 201
    contact = {"value": "400-123-4567", "source": "test"}
    resp = client.post("/v1/registry/orgs/acme-shop/contacts", json=contact, headers=admin)
    assert resp.status_code == 201 and resp.json()["normalized"] == "+864001234567"
    listed = client.get("/v1/registry/orgs/acme-shop/contacts", headers=admin).json()
    assert [c["normalized"] for c in listed] == ["+864001234567"]
    check = client.post(
        "/v1/contacts/check",
        json={"value": "4001234567", "claimed_org": "Acme Shop"},
        headers=auth(SCORE_KEY),
    ).json()
    assert check["verdict"] == "official" and check["official_for"] == ["acme-shop"]
    resp = client.delete(
        "/v1/registry/orgs/acme-shop/contacts", params={"value": "400-123-4567"}, headers=admin
    )
    assert resp.status_code == 204
    again = client.post(
        "/v1/contacts/check",
        json={"value": "4001234567", "claimed_org": "Acme Shop"},
        headers=auth(SCORE_KEY),
    ).json()
    assert again["verdict"] == "suspicious"
    assert_error(
        client.get("/v1/registry/orgs/ghost-org/contacts", headers=admin), 404, "not_found"
    )


def test_when_check_batch_then_one_assessment_each(client):
    items = [{"value": "13800138000"}, {"value": "https://example.com"}, {"value": "95588"}]
    resp = client.post("/v1/contacts/check-batch", json={"items": items}, headers=auth(SCORE_KEY))
    assert [i["type"] for i in resp.json()["items"]] == ["phone", "url", "short_number"]


@pytest.mark.parametrize(
    ("incoming", "verdict", "reason"),
    [
        ({"channel": "call", "sender": "4001234999"}, "warn", "service_line_as_caller"),
        ({"channel": "sms", "sender": "13912345678", "text": SCAM}, "block", "requests_otp"),
        ({"channel": "chat", "sender": "13912345678", "text": BENIGN}, "allow", None),
        (
            {"channel": "qq", "sender": "800099999", "display_name": "示例卡盟客服"},
            "warn",
            "not_official_for_claimed_org",
        ),
    ],
)
def test_when_incoming_contact_scored_then_combined_verdict(client, incoming, verdict, reason):
    resp = client.post("/v1/contacts/score", json=incoming, headers=auth(SCORE_KEY))
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["verdict"] == verdict
    if reason:
        assert reason in {r["code"] for r in body["reasons"]}
        assert body["warning"]
    assert body["sender"]["type"] in ("phone", "qq", "short_number")


def test_when_conversation_turns_dangerous_then_first_warning_turn(client):
    turns = [
        {"role": "customer", "text": "我的点卡充值还没到账"},
        {"role": "agent", "text": "您好，请提供一下订单号"},
        {"role": "customer", "text": "订单号是20241127001"},
        {"role": "agent", "text": "您的订单异常，需要退款，请把手机收到的验证码发给我"},
    ]
    body = client.post(
        "/v1/conversations/score", json={"turns": turns}, headers=auth(SCORE_KEY)
    ).json()
    assert body["verdict"] in ("warn", "block")
    assert body["first_warning_turn"] == 3
    assert len(body["turns"]) == 4


def test_when_reports_posted_then_aggregates_readable(client):
    for i in range(4):
        resp = client.post(
            "/v1/reports",
            json={"contact": "171 2345 6789", "reporter_id": f"u{i}", "text": SCAM},
            headers=auth(REPORT_KEY),
        )
        assert resp.status_code == 202, resp.text
    body = client.get("/v1/contacts/17123456789/reports", headers=auth(REPORT_KEY)).json()
    assert body["normalized"] == "+8617123456789"
    assert body["stats"]["distinct_reporters"] == 4
    assert body["stats"]["flagged_share"] == 1.0
    assert_error(
        client.post("/v1/reports", json={"contact": "13800138000"}, headers=auth(SCORE_KEY)),
        403,
        "forbidden",
    )


def test_when_rate_limited_then_429_with_retry_after(tmp_path):
    settings = make_settings(tmp_path, rate_limit_per_minute=60, rate_limit_burst=2)
    with TestClient(create_app(settings)) as c:
        codes = [
            c.post("/v1/contacts/check", json={"value": "13800138000"}, headers=auth(SCORE_KEY))
            for _ in range(3)
        ]
        assert [r.status_code for r in codes[:2]] == [200, 200]
        assert_error(codes[2], 429, "rate_limited")
        assert int(codes[2].headers["retry-after"]) >= 1


def test_when_scoring_open_then_no_key_needed_but_writes_still_need_one(tmp_path):
    with TestClient(create_app(make_settings(tmp_path, open_scoring=True))) as c:
        assert c.post("/v1/messages/score", json={"text": BENIGN}).status_code == 200
        assert_error(c.post("/v1/reports", json={"contact": "13800138000"}), 401, "unauthorized")


def test_when_key_created_in_database_then_accepted_until_revoked(tmp_path):
    from api.db.engine import open_database
    from api.keys import KeyStore

    settings = make_settings(tmp_path, api_keys=None)
    store = KeyStore(open_database(settings.database_url))
    key, info = store.create("ci", ["score"])
    with TestClient(create_app(settings)) as c:
        ok = c.post("/v1/contacts/check", json={"value": "13800138000"}, headers=auth(key))
        assert ok.status_code == 200
        store.revoke(info["id"].removeprefix("kg_"))
        gone = c.post("/v1/contacts/check", json={"value": "13800138000"}, headers=auth(key))
        assert_error(gone, 401, "unauthorized")


def test_when_requests_logged_then_no_text_numbers_or_keys(client, caplog):
    marker = "独特标记ZX9Q"
    with caplog.at_level(logging.INFO, logger="kefuguard"):
        client.post(
            "/v1/messages/score", json={"text": f"{marker} 13912345678"}, headers=auth(SCORE_KEY)
        )
        client.get("/v1/contacts/13912345678/reports", headers=auth(REPORT_KEY))
    logged = " ".join(str(getattr(r, "fields", "")) + r.getMessage() for r in caplog.records)
    assert "request" in logged and "/v1/contacts/{value}/reports" in logged
    for secret in (marker, "13912345678", SCORE_KEY, REPORT_KEY):
        assert secret not in logged


def test_when_request_id_given_then_echoed(client):
    resp = client.get("/healthz", headers={"X-Request-ID": "abc123"})
    assert resp.headers["x-request-id"] == "abc123"
    assert len(client.get("/healthz").headers["x-request-id"]) == 32
