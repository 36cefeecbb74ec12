"""The service as deployed: ``kefuguard serve --workers 2`` in a subprocess, on 127.0.0.1.

One server for the module (it loads the models once per worker): score a message, spread many
requests over both workers, read ``/metrics`` summed across them, then stop it with SIGTERM.
``TMPDIR`` points into the test's directory, so the ``PROMETHEUS_MULTIPROC_DIR`` that ``serve``
makes lands there too.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from prometheus_client import CollectorRegistry
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.parser import text_string_to_metric_families

from tests.api.conftest import (
    ADMIN_KEY,
    SCORE_KEY,
    STOP_TIMEOUT_S,
    auth,
    stop_server,
    wait_ready,
)

REQUEST_TIMEOUT_S = 10
SCAM = "您好，我是示例卡盟客服，您的订单异常需要退款，请加QQ 800099999，并把手机收到的验证码发给我"
BENIGN = "您好，麻烦提供一下订单号和付款截图，我们帮您查询充值进度"
SCORE_ROUTE = "/v1/messages/score"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in path.read_text().split()] if path.exists() else []


def _worker_pids(pid: int) -> list[int]:
    """uvicorn's workers: the supervisor's children started by ``multiprocessing.spawn``
    (not its resource tracker)."""
    out = []
    for child in _children(pid):
        try:
            cmdline = Path(f"/proc/{child}/cmdline").read_bytes()
        except FileNotFoundError:
            continue
        if b"multiprocessing.spawn" in cmdline:
            out.append(child)
    return out


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, IndexError):
        return False
    return state != "Z"


def _requests_total(families, route: str, status: str = "200") -> float:
    return sum(
        s.value
        for f in families
        if f.name == "kefuguard_requests"
        for s in f.samples
        if s.name == "kefuguard_requests_total"
        and s.labels.get("route") == route
        and s.labels.get("status") == status
    )


def _score_requests_per_pid(metrics_dir: Path, scratch: Path) -> dict[int, float]:
    """Score requests each worker counted, read from its own file of the multiprocess dir."""
    out = {}
    for file in metrics_dir.glob("counter_*.db"):
        pid = int(file.stem.split("_")[1])
        one = scratch / str(pid)
        one.mkdir(parents=True, exist_ok=True)
        shutil.copy(file, one / file.name)
        registry = CollectorRegistry()
        MultiProcessCollector(registry, path=str(one))
        out[pid] = _requests_total(registry.collect(), SCORE_ROUTE)
    return out


def _poll(read, done, timeout_s: float = 5.0):
    """``read()`` until ``done(value)`` or the timeout; the last value either way."""
    deadline = time.monotonic() + timeout_s
    value = read()
    while not done(value) and time.monotonic() < deadline:
        time.sleep(0.1)
        value = read()
    return value


class Server:
    def __init__(self, proc: subprocess.Popen, url: str, root: Path, log: Path):
        self.proc, self.url, self.root, self.log = proc, url, root, log

    def log_tail(self, n: int = 40) -> str:
        lines = self.log.read_text(errors="replace").splitlines() if self.log.exists() else []
        return "\n".join(lines[-n:])

    def metrics_dir(self) -> Path:
        found = sorted(self.root.glob("kefuguard-metrics-*"))
        assert len(found) == 1, f"expected one PROMETHEUS_MULTIPROC_DIR under {self.root}: {found}"
        return found[0]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    root = tmp_path_factory.mktemp("server")
    port = _free_port()
    script = Path(sys.executable).with_name("kefuguard")
    assert script.exists(), f"console script missing: {script}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("KEFUGUARD_")}
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)  # serve must set it itself
    env.update(
        {
            "TMPDIR": str(root),
            "KEFUGUARD_DATABASE_URL": f"sqlite:///{root / 'k.db'}",
            "KEFUGUARD_API_KEYS": f"{ADMIN_KEY}:admin,{SCORE_KEY}:score",
            "KEFUGUARD_RATE_LIMIT_PER_MINUTE": "0",
            "KEFUGUARD_LOG_LEVEL": "WARNING",
        }
    )
    log = root / "server.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [str(script), "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", "2"],
            env=env,
            cwd=root,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    srv = Server(proc, f"http://127.0.0.1:{port}", root, log)
    try:
        wait_ready(proc, srv.url, srv.log_tail)
        yield srv
    finally:
        stop_server(proc)  # a test failed before the SIGTERM test: stop it anyway


def test_when_served_then_ready_with_two_workers(server):
    ready = httpx.get(f"{server.url}/readyz", timeout=REQUEST_TIMEOUT_S)
    assert ready.status_code == 200 and ready.json()["status"] == "ready"
    assert len(_worker_pids(server.proc.pid)) == 2, _children(server.proc.pid)


def test_when_message_scored_over_http_then_assessment(server):
    resp = httpx.post(
        f"{server.url}{SCORE_ROUTE}",
        json={"text": SCAM},
        headers=auth(SCORE_KEY),
        timeout=REQUEST_TIMEOUT_S,
    )
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["verdict"] in ("warn", "block") and body["is_scam"] is True
    assert [c["type"] for c in body["contacts"]] == ["qq"]
    assert httpx.post(f"{server.url}{SCORE_ROUTE}", json={"text": SCAM}).status_code == 401


def test_when_many_requests_then_both_workers_answer_and_metrics_sum_them(server, tmp_path):
    workers = set(_worker_pids(server.proc.pid))
    metrics_dir = server.metrics_dir()
    before = _score_requests_per_pid(metrics_dir, tmp_path / "before")
    # No keep-alive: every request is a new connection, which either worker may accept.
    limits = httpx.Limits(max_keepalive_connections=0)
    sent = 0
    with httpx.Client(base_url=server.url, limits=limits, timeout=REQUEST_TIMEOUT_S) as client:

        def score(i: int) -> int:
            body = {"text": SCAM if i % 2 else BENIGN}
            return client.post(SCORE_ROUTE, json=body, headers=auth(SCORE_KEY)).status_code

        for attempt in range(3):  # bounded: 3 x 120 requests at most
            with ThreadPoolExecutor(max_workers=8) as pool:
                statuses = list(pool.map(score, range(120)))
            assert statuses == [200] * len(statuses)
            sent += len(statuses)
            # The counter is bumped just after the response goes out: let the last ones land.
            want = sum(before.values()) + sent
            per_pid = _poll(
                lambda r=attempt: _score_requests_per_pid(metrics_dir, tmp_path / f"r{r}"),
                lambda counts, want=want: sum(counts.values()) >= want,
            )
            assert sum(per_pid.values()) == want, per_pid
            answered = {p for p in workers if per_pid.get(p, 0) > before.get(p, 0)}
            if answered == workers:
                break
    assert answered == workers, f"only {answered} of workers {workers} answered: {per_pid}"

    # /metrics, answered by either worker, reports the sum over both workers' files.
    def scrape() -> float:
        resp = httpx.get(f"{server.url}/metrics", timeout=REQUEST_TIMEOUT_S)
        assert resp.status_code == 200
        return _requests_total(text_string_to_metric_families(resp.text), SCORE_ROUTE)

    expected = sum(per_pid.values())
    total = _poll(scrape, lambda t: t >= expected)
    assert total == expected
    assert max(per_pid[p] for p in workers) < total  # no single worker holds the whole count


def test_when_sigterm_then_server_and_workers_exit_cleanly(server):
    workers = _worker_pids(server.proc.pid)
    assert workers
    server.proc.send_signal(signal.SIGTERM)
    try:
        code = server.proc.wait(STOP_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        pytest.fail(f"still running {STOP_TIMEOUT_S} s after SIGTERM:\n{server.log_tail()}")
    assert code == 0, server.log_tail()
    deadline = time.monotonic() + 5
    while any(_alive(p) for p in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not [p for p in workers if _alive(p)]
    with pytest.raises(httpx.TransportError):
        httpx.get(f"{server.url}/healthz", timeout=2)
    assert "Traceback" not in server.log_tail(200)
