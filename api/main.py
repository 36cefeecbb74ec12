"""The FastAPI application: ``create_app()`` wires settings, services, routes and errors.

Nothing heavy happens at import: the models and the database are opened in the lifespan, once
per worker. ``kefuguard serve`` runs it with uvicorn.
"""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from api import errors
from api.deps import RateLimiter
from api.observability import ObservabilityMiddleware, configure_logging
from api.routes import (
    audits,
    console,
    contacts,
    conversations,
    health,
    messages,
    registry,
    reports,
)
from api.schemas import ErrorOut
from api.services import Services
from api.settings import Settings, get_settings
from detector import __version__

ERROR_RESPONSES = {
    status: {"model": ErrorOut, "description": text}
    for status, text in (
        (401, "Missing or unknown API key"),
        (403, "The key lacks the scope"),
        (404, "Not found"),
        (413, "Over a size limit"),
        (422, "Invalid request"),
        (429, "Rate limited (see Retry-After)"),
    )
}


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    configure_logging(settings.log_level)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.services = Services.start(settings)
        # Everything loaded so far (models, modules) lives as long as the worker: move it out
        # of the garbage collector's sight, or every full collection walks it (p99 stalls).
        gc.collect()
        gc.freeze()
        # A request allocates thousands of short-lived objects: collect young ones less often.
        gc.set_threshold(50_000, 20, 100)
        try:
            yield
        finally:
            app.state.services.close()

    app = FastAPI(
        title="kefuguard",
        version=__version__,
        summary="Detect fake customer support and requests for sensitive data.",
        lifespan=lifespan,
        responses=ERROR_RESPONSES,
    )
    app.state.rate_limiter = RateLimiter(settings.rate_limit_per_minute, settings.rate_limit_burst)
    errors.install(app)
    app.add_middleware(
        ObservabilityMiddleware,
        max_body_bytes=settings.max_body_bytes,
        max_upload_bytes=settings.max_upload_bytes,
    )
    for module in (health, messages, conversations, contacts, reports, registry, audits, console):
        app.include_router(module.router)
    return app
