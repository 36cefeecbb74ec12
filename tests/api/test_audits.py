"""Audit jobs over HTTP: upload, progress, downloads, failures, and surviving a restart."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from tests.api.conftest import ADMIN_KEY, SCORE_KEY, auth, make_settings

CSV = (
    "contact,reported_at,reporter_id,text\n"
    + "".join(
        f"170 1234 5678,2026-11-{1 + i % 20:02d},u{i},请把验证码发给客服\n" for i in range(12)
    )
    + ",2026-11-02,u1,\n"
    + "13912345678,not a date,u2,\n"
).encode()


def wait_done(client, job_id, seconds=60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        body = client.get(f"/v1/audits/{job_id}", headers=auth(ADMIN_KEY)).json()
        if body["state"] in ("done", "failed"):
            return body
        time.sleep(0.2)
    raise AssertionError(f"audit {job_id} did not finish: {body}")


def upload(client, content=CSV, name="reports.csv", headers=None, **form):
    return client.post(
        "/v1/audits",
        files={"file": (name, content, "text/csv")},
        data=form,
        headers=headers or auth(ADMIN_KEY),
    )


@pytest.fixture(scope="module")
def app_client(tmp_path_factory):
    with TestClient(create_app(make_settings(tmp_path_factory.mktemp("audits")))) as c:
        yield c


def test_when_reports_uploaded_then_audit_runs_and_files_download(app_client):
    resp = upload(app_client)
    assert resp.status_code == 202, resp.text
    job = resp.json()
    assert job["state"] in ("queued", "running", "done")
    done = wait_done(app_client, job["id"])
    assert done["state"] == "done", done
    assert done["summary"]["rows_read"] == 14 and done["summary"]["rows_rejected"] == 2
    assert set(done["links"]) == {"self", "result", "rejects", "report"}
    result = app_client.get(done["links"]["result"], headers=auth(ADMIN_KEY))
    assert result.status_code == 200 and "'+8617012345678" in result.text
    rejects = app_client.get(done["links"]["rejects"], headers=auth(ADMIN_KEY)).text
    assert "empty_contact" in rejects and "bad_date" in rejects
    report = app_client.get(done["links"]["report"], headers=auth(ADMIN_KEY))
    assert report.headers["content-type"].startswith("text/html") and "<html" in report.text


def test_when_column_is_mapped_then_used(app_client):
    content = CSV.replace(b"contact,", b"number,", 1)
    done = wait_done(app_client, upload(app_client, content, number_column="number").json()["id"])
    assert done["state"] == "done" and done["summary"]["contacts"] == 1


def test_when_contact_column_missing_then_failed_with_reason(app_client):
    done = wait_done(
        app_client, upload(app_client, b"phone,date\n13800138000,2026-11-01\n").json()["id"]
    )
    assert done["state"] == "failed" and "contact" in done["error"]
    resp = app_client.get(f"/v1/audits/{done['id']}/result", headers=auth(ADMIN_KEY))
    assert resp.status_code == 404


@pytest.mark.parametrize(
    ("content", "name", "status"),
    [(b"", "r.csv", 422), (CSV, "r.exe", 422)],
)
def test_when_upload_is_bad_then_4xx(app_client, content, name, status):
    resp = upload(app_client, content, name)
    assert resp.status_code == status and resp.json()["error"]["code"]


def test_when_no_audit_scope_then_403_and_unknown_job_404(app_client):
    assert upload(app_client, headers=auth(SCORE_KEY)).status_code == 403
    resp = app_client.get("/v1/audits/" + "0" * 32, headers=auth(ADMIN_KEY))
    assert resp.status_code == 404


def test_when_upload_over_limit_then_413(tmp_path):
    with TestClient(create_app(make_settings(tmp_path, max_upload_bytes=2048))) as c:
        resp = upload(c, CSV * 20)
        assert resp.status_code == 413
        assert not list((tmp_path / "data" / "audits").glob("*/input.csv"))


def test_when_server_restarts_mid_audit_then_job_resumes(tmp_path):
    from api.audits import AuditStore
    from api.db.engine import open_database

    settings = make_settings(tmp_path)
    store = AuditStore(open_database(settings.database_url), settings.data_dir)
    job_id, folder = store.new_upload()
    (folder / "input.csv").write_bytes(CSV)
    store.create(job_id, "reports.csv", {}, None)
    # As a crashed worker leaves it: running, heartbeat long gone.
    stale = datetime.now(UTC) - timedelta(minutes=10)
    store.update(job_id, state="running", heartbeat_at=stale, attempts=1)
    with TestClient(create_app(settings)) as c:
        done = wait_done(c, job_id)
    assert done["state"] == "done"
    assert done["summary"]["contacts"] == 1
