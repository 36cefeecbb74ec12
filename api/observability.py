"""Structured JSON logs with a request id, Prometheus metrics, and the request-body cap.

Logs name the route *template* (``/v1/contacts/{value}/reports``), never the concrete path,
body, message text, number or key: only the key's public id. Metrics are per process, or
aggregated across workers when ``PROMETHEUS_MULTIPROC_DIR`` is set (``kefuguard serve`` does).
"""

from __future__ import annotations

import json
import logging
import os
import sys
import time
import uuid

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import error_body

REQUESTS = Counter("kefuguard_requests_total", "HTTP requests.", ["method", "route", "status"])
LATENCY = Histogram(
    "kefuguard_request_seconds",
    "HTTP request latency.",
    ["route"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
VERDICTS = Counter("kefuguard_verdicts_total", "Verdicts returned.", ["endpoint", "verdict"])
SCORE_BATCH = Histogram(
    "kefuguard_score_batch_messages",
    "Chat messages scored together in one model call (dynamic batching).",
    buckets=(1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024),
)

access_log = logging.getLogger("kefuguard.access")


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        out = {
            "ts": round(record.created, 3),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        out.update(getattr(record, "fields", {}))
        if record.exc_info and record.exc_info[0] is not None:
            out["exc"] = record.exc_info[0].__name__  # the type only: tracebacks quote data
        return json.dumps(out, ensure_ascii=False)


def configure_logging(level: str = "INFO") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger("kefuguard")
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    root.propagate = False


def metrics_payload() -> tuple[bytes, str]:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(), CONTENT_TYPE_LATEST


def _route_template(scope: Scope) -> str:
    route = scope.get("route")
    return getattr(route, "path", None) or "unmatched"


class ObservabilityMiddleware:
    """Request id in and out, one access-log line and metrics per request, body cap."""

    def __init__(self, app: ASGIApp, max_body_bytes: int, max_upload_bytes: int):
        self.app = app
        self.max_body = max_body_bytes
        self.max_upload = max_upload_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        given = headers.get(b"x-request-id", b"").decode("latin-1")
        request_id = given if given.isalnum() and len(given) <= 64 else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        limit = self.max_upload if scope["path"].startswith("/v1/audits") else self.max_body
        status_holder = {"status": 500}
        start = time.perf_counter()

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                status_holder["status"] = message["status"]
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (b"x-request-id", request_id.encode())]
            await send(message)

        declared = headers.get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await self._too_large(send_wrapper, limit)
        else:
            received = 0

            async def receive_capped() -> Message:
                nonlocal received
                message = await receive()
                if message["type"] == "http.request":
                    received += len(message.get("body", b""))
                    if received > limit:
                        raise _BodyTooLarge
                return message

            try:
                await self.app(scope, receive_capped, send_wrapper)
            except _BodyTooLarge:
                await self._too_large(send_wrapper, limit)
        elapsed = time.perf_counter() - start
        route = _route_template(scope)
        status = status_holder["status"]
        REQUESTS.labels(scope["method"], route, str(status)).inc()
        LATENCY.labels(route).observe(elapsed)
        state = scope.get("state", {})
        access_log.info(
            "request",
            extra={
                "fields": {
                    "request_id": request_id,
                    "method": scope["method"],
                    "route": route,
                    "status": status,
                    "ms": round(elapsed * 1000, 2),
                    "key_id": state.get("key_id"),
                }
            },
        )

    @staticmethod
    async def _too_large(send: Send, limit: int) -> None:
        body = json.dumps(
            error_body("body_too_large", f"request body over {limit} bytes", {"limit": limit})
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [(b"content-type", b"application/json")],
            }
        )
        await send({"type": "http.response.body", "body": body})


class _BodyTooLarge(Exception):
    pass
