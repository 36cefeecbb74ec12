"""A scoring worker imports neither scikit-learn nor pandas: not at start-up, not when it
scores, not when it runs an audit (audits run in a child process)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("sklearn", "scipy", "pandas", "pyarrow", "dask", "matplotlib", "joblib")

SCRIPT = r"""
import json, sys, time
from pathlib import Path

from fastapi.testclient import TestClient

from api.main import create_app
from api.settings import Settings

root = Path(sys.argv[1])
admin, score = "admin-key-0123456789abcdefghij", "score-key-0123456789abcdefghij"
settings = Settings(
    database_url=f"sqlite:///{root / 'api.db'}",
    data_dir=root / "data",
    api_keys=f"{admin}:admin,{score}:score",
    reporter_salt="imports-test-salt-0123456789",
    rate_limit_per_minute=0,
)
seen = {}
with TestClient(create_app(settings)) as client:
    seen["start"] = sorted(sys.modules)
    for text in ["请加QQ 12345678 或拨打 13912345678", "Send me the code", "400-820-5678"]:
        resp = client.post(
            "/v1/messages/score", json={"text": text}, headers={"Authorization": f"Bearer {score}"}
        )
        assert resp.status_code == 200, resp.text
    resp = client.post(
        "/v1/contacts/check",
        json={"value": "13912345678"},
        headers={"Authorization": f"Bearer {score}"},
    )
    assert resp.status_code == 200, resp.text
    seen["scored"] = sorted(sys.modules)
    csv = "contact,reported_at,reporter_id,text\n13912345678,2026-11-01,u1,请把验证码发给客服\n"
    auth = {"Authorization": f"Bearer {admin}"}
    job = client.post("/v1/audits", files={"file": ("r.csv", csv, "text/csv")}, headers=auth)
    assert job.status_code == 202, job.text
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        state = client.get(f"/v1/audits/{job.json()['id']}", headers=auth).json()["state"]
        if state in ("done", "failed"):
            break
        time.sleep(0.2)
    assert state == "done", state
    seen["audited"] = sorted(sys.modules)
print(json.dumps(seen))
"""


@pytest.fixture(scope="module")
def modules(tmp_path_factory) -> dict[str, set[str]]:
    root = tmp_path_factory.mktemp("imports")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(root)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    seen = json.loads(out.stdout.strip().splitlines()[-1])
    return {phase: {name.split(".")[0] for name in names} for phase, names in seen.items()}


@pytest.mark.parametrize("phase", ["start", "scored", "audited"])
def test_scoring_worker_never_imports_scikit_learn(modules, phase):
    loaded = {"sklearn", "scipy", "joblib", "dask", "matplotlib"} & modules[phase]
    assert not loaded, f"{phase}: {sorted(loaded)}"


@pytest.mark.parametrize("phase", ["start", "scored", "audited"])
def test_scoring_worker_never_imports_pandas(modules, phase):
    loaded = {"pandas", "pyarrow"} & modules[phase]
    assert not loaded, f"{phase}: {sorted(loaded)}"
