"""Dependencies of the route handlers: services, the caller's key and scope, rate limits."""

from __future__ import annotations

import math
import threading
import time
from typing import Annotated

from fastapi import Depends, Request

from api.errors import Forbidden, RateLimited, Unauthorized
from api.keys import Principal
from api.services import Services


async def get_services(request: Request) -> Services:
    return request.app.state.services


ServicesDep = Annotated[Services, Depends(get_services)]


class RateLimiter:
    """Token bucket per caller (key id, or client address for open scoring), per worker."""

    def __init__(self, per_minute: int, burst: int):
        self.rate = per_minute / 60.0
        self.burst = float(burst)
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def take(self, who: str) -> None:
        if self.rate <= 0:
            return
        now = time.monotonic()
        with self._lock:
            tokens, last = self._buckets.get(who, (self.burst, now))
            tokens = min(self.burst, tokens + (now - last) * self.rate)
            if tokens < 1.0:
                self._buckets[who] = (tokens, now)
                retry = max(1, math.ceil((1.0 - tokens) / self.rate))
                raise RateLimited("rate limit exceeded for this key", retry_after=retry)
            self._buckets[who] = (tokens - 1.0, now)
            if len(self._buckets) > 100_000:  # bounded: forget the idle ones
                self._buckets = {k: v for k, v in self._buckets.items() if now - v[1] < 60}


def _principal(request: Request, services: Services) -> Principal | None:
    header = request.headers.get("authorization", "")
    if not header:
        return None
    scheme, _, key = header.partition(" ")
    if scheme.lower() != "bearer" or not key.strip():
        raise Unauthorized("use 'Authorization: Bearer <key>'")
    principal = services.keys.verify(key.strip())
    if principal is None:
        raise Unauthorized("unknown or revoked API key")
    return principal


def _admit(request: Request, scope: str, open_when_configured: bool) -> Principal | None:
    """The caller's principal if its key has ``scope`` (or ``None`` for an open scoring
    call); raises Unauthorized / Forbidden / RateLimited otherwise."""
    services: Services = request.app.state.services
    principal = _principal(request, services)
    limiter: RateLimiter = request.app.state.rate_limiter
    if principal is None:
        if open_when_configured and services.settings.open_scoring:
            limiter.take(f"ip:{request.client.host if request.client else '?'}")
            return None
        raise Unauthorized("this endpoint needs an API key")
    if not principal.allows(scope):
        raise Forbidden(f"this key lacks the '{scope}' scope", scope=scope)
    request.state.key_id = principal.key_id
    limiter.take(principal.key_id)
    return principal


def require(scope: str, open_when_configured: bool = False):
    """A dependency that admits callers whose key has ``scope``.

    With ``open_when_configured`` (scoring routes) and ``KEFUGUARD_OPEN_SCORING=true``,
    callers without a key are admitted too, rate-limited by address.
    """

    async def dependency(request: Request) -> Principal | None:
        return _admit(request, scope, open_when_configured)

    return Depends(dependency)


def services_for(scope: str, open_when_configured: bool = False):
    """A dependency that admits the caller as :func:`require` does and gives the services.

    One dependency instead of two (``ServicesDep`` + an access check): FastAPI resolves each
    dependency per request, and the scoring routes are the hot path.
    """

    async def dependency(request: Request) -> Services:
        _admit(request, scope, open_when_configured)
        return request.app.state.services

    return Depends(dependency)


ScoreAccess = Annotated[Principal | None, require("score", open_when_configured=True)]
ReportAccess = Annotated[Principal | None, require("report")]
AuditAccess = Annotated[Principal | None, require("audit")]
AdminAccess = Annotated[Principal | None, require("admin")]
#: The services, for a caller admitted to score (the scoring routes).
ScoringServices = Annotated[Services, services_for("score", open_when_configured=True)]
