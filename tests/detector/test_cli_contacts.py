"""CLI for contacts, the registry and reports, on a real SQLite file (per-test database)."""

from __future__ import annotations

import json

import pytest

from detector.registry import DEMO_REGISTRY
from tests.detector.test_cli import run


def ok(*args: str) -> dict:
    proc = run(*args)
    assert proc.returncode == 0, proc.stderr.decode()
    return json.loads(proc.stdout)


def err(*args: str) -> dict:
    proc = run(*args)
    assert proc.returncode == 2, proc.stdout.decode()
    return json.loads(proc.stderr)["error"]


@pytest.fixture
def demo():
    out = ok("registry", "import", str(DEMO_REGISTRY))
    assert out["imported"]["organizations"] == 2


def test_when_registry_empty_then_contact_unverified():
    out = ok("contacts", "check", "400-820-5678")
    assert out["verdict"] == "unverified"
    assert out["number"]["line_type"] == "shared_cost_400"


def test_when_demo_imported_then_hotline_official_and_impostor_suspicious(demo):
    assert ok("contacts", "check", "400-820-5678")["official_for"] == ["demo-kameng"]
    out = ok("contacts", "check", "13912345678", "--claimed-org", "示例卡盟")
    assert out["verdict"] == "suspicious"
    assert "not_official_for_claimed_org" in {r["code"] for r in out["reasons"]}
    out = ok("contacts", "check", "400-820-5678", "--channel", "call")
    assert out["verdict"] == "suspicious"


def test_when_registry_add_list_remove_then_round_trip(demo):
    added = ok("registry", "add", "demo-kameng", "kamengkefu2", "--type", "wechat", "--source", "t")
    assert added["added"]["normalized"] == "kamengkefu2"
    listed = ok("registry", "list", "--org", "demo-kameng")["organizations"][0]["contacts"]
    assert "kamengkefu2" in {c["normalized"] for c in listed}
    ok("registry", "remove", "demo-kameng", "kamengkefu2", "--type", "wechat")
    assert err("registry", "remove", "demo-kameng", "kamengkefu2", "--type", "wechat")["code"] == (
        "not_found"
    )


def test_when_new_org_added_with_name_then_listed():
    ok("registry", "add", "acme", "acme-help.com", "--name", "Acme", "--verified-at", "2026-11-01")
    orgs = ok("registry", "list")["organizations"]
    assert orgs[0]["slug"] == "acme" and orgs[0]["contacts"][0]["verified_at"] == "2026-11-01"


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (("registry", "add", "ghost", "12345678", "--type", "qq"), "not_found"),
        (
            ("registry", "add", "acme", "x", "--name", "A", "--verified-at", "yesterday"),
            "invalid_input",
        ),
        (("registry", "import", "/nonexistent.yaml"), "invalid_input"),
        (("contacts", "check", "12345", "--type", "fax"), "invalid_input"),
        (("contacts", "check", ""), "invalid_input"),
        (("contacts", "check", "x", "--database", "nonsense://"), "config_error"),
    ],
)
def test_when_bad_input_then_json_error_exit_2(args, code):
    assert err(*args)["code"] == code


def test_when_message_claims_demo_with_foreign_qq_then_contact_flagged(demo):
    text = "我是示例卡盟客服，您的订单异常，请加QQ 800099999 处理退款"
    out = ok("messages", "check", text)
    (contact,) = [c for c in out["contacts"] if c["type"] == "qq"]
    assert contact["verdict"] == "suspicious"
    assert text[contact["start"] : contact["end"]] == contact["value"]
    assert out["verdict"] in ("warn", "block")


def test_when_reports_imported_then_contact_check_shows_them(demo, tmp_path):
    path = tmp_path / "reports.csv"
    rows = ["contact,reported_at,reporter_id,category,text,channel"]
    rows += [
        f"170 1234 5678,2026-11-2{i % 7}T10:00:00,user{i},fake_customer_service,"
        "【示例卡盟客服】您的订单异常需要退款，请把手机收到的验证码发给我,sms"
        for i in range(12)
    ]
    rows += ["not a contact,2026-11-20,u,other,,sms", "13912345678,yesterday,u,other,,sms"]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    out = ok("reports", "import", str(path))
    assert out["stored"] == 12
    assert out["rejected"] == {"bad_contact": 1, "bad_date": 1}
    check = ok("contacts", "check", "17012345678")
    assert check["reports"]["distinct_reporters"] == 12
    assert check["reports"]["flagged_share"] > 0.5
    assert "reported" in {r["code"] for r in check["reasons"]}


def test_when_keys_created_listed_revoked_then_only_hashes_stored(tmp_path):
    created = ok("keys", "create", "--scope", "score", "--scope", "report", "--name", "widget")
    key, key_id = created["key"], created["id"]
    assert key.startswith(key_id + "_") and created["scopes"] == ["report", "score"]
    listed = ok("keys", "list")["keys"]
    assert [k["id"] for k in listed] == [key_id] and key not in json.dumps(listed)
    assert ok("keys", "revoke", key_id) == {"revoked": key_id}
    assert err("keys", "revoke", key_id)["code"] == "not_found"
    assert ok("keys", "list")["keys"][0]["revoked"] is True


@pytest.mark.parametrize("scopes", [("--scope", "root"), ()])
def test_when_key_scopes_are_bad_then_error(scopes):
    proc = run("keys", "create", *scopes)
    assert proc.returncode == 2
