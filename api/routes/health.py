"""Liveness, readiness and metrics."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from api.errors import NotReady
from api.observability import metrics_payload

router = APIRouter(tags=["health"])


@router.get("/healthz")
def healthz() -> dict[str, str]:
    """The process is alive."""
    return {"status": "ok"}


@router.get("/readyz", responses={503: {"description": "Not ready"}})
def readyz(request: Request) -> dict[str, str]:
    """The models are loaded and the database answers."""
    services = getattr(request.app.state, "services", None)
    if services is None:
        raise NotReady("models not loaded yet")
    if not services.database_ok():
        raise NotReady("database unreachable")
    return {"status": "ready", "model_version": services.detector.model_version}


@router.get("/metrics", response_class=Response)
def metrics() -> Response:
    """Prometheus metrics (requests, latency histograms, verdict counts)."""
    payload, content_type = metrics_payload()
    return Response(payload, media_type=content_type)
