"""Every error the service returns, mapped in one place to ``{"error": {code, message, details}}``.

Domain errors (:class:`~detector.errors.KefuguardError`) carry a stable ``code``; this module
gives each code its HTTP status. Validation errors never echo the rejected input (it may be a
message text or a phone number).
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from detector.errors import KefuguardError

log = logging.getLogger("kefuguard.api")


class ApiError(KefuguardError):
    status = 400


class Unauthorized(ApiError):
    code, status = "unauthorized", 401


class Forbidden(ApiError):
    code, status = "forbidden", 403


class RateLimited(ApiError):
    code, status = "rate_limited", 429


class BodyTooLarge(ApiError):
    code, status = "body_too_large", 413


class TooManyItems(ApiError):
    code, status = "too_many_items", 413


class NotReady(ApiError):
    code, status = "not_ready", 503


#: HTTP status of each domain error code (anything else: 400).
STATUS = {
    "invalid_input": 422,
    "text_too_long": 413,
    "not_found": 404,
    "config_error": 500,
    "model_error": 500,
}


def error_body(code: str, message: str, details: dict[str, Any] | None = None) -> dict:
    return {"error": {"code": code, "message": message, "details": details or {}}}


def _headers(exc: KefuguardError) -> dict[str, str] | None:
    if isinstance(exc, Unauthorized):
        return {"WWW-Authenticate": "Bearer"}
    if isinstance(exc, RateLimited):
        return {"Retry-After": str(exc.details.get("retry_after", 1))}
    return None


async def _domain(_request: Request, exc: KefuguardError) -> JSONResponse:
    status = getattr(exc, "status", None) or STATUS.get(exc.code, 400)
    if status >= 500:
        log.error("domain error %s", exc.code)
    return JSONResponse(exc.to_dict(), status_code=status, headers=_headers(exc))


async def _validation(_request: Request, exc: RequestValidationError) -> JSONResponse:
    errors = [
        {"loc": [str(p) for p in e.get("loc", ())], "msg": e.get("msg", ""), "type": e.get("type")}
        for e in exc.errors()
    ]
    first = errors[0] if errors else {"loc": [], "msg": "invalid request"}
    message = f"{'.'.join(first['loc'])}: {first['msg']}"
    return JSONResponse(
        error_body("validation_error", message, {"errors": errors[:20]}), status_code=422
    )


async def _http(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
    if exc.status_code == 400:  # FastAPI's "error parsing the body" (e.g. not UTF-8)
        return JSONResponse(
            error_body("validation_error", "the request body is not valid JSON text"),
            status_code=422,
        )
    code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
    return JSONResponse(
        error_body(code, str(exc.detail)), status_code=exc.status_code, headers=exc.headers
    )


async def _unexpected(_request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error: %s", type(exc).__name__)
    return JSONResponse(error_body("internal_error", "internal error"), status_code=500)


def install(app: FastAPI) -> None:
    app.add_exception_handler(KefuguardError, _domain)
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(StarletteHTTPException, _http)
    app.add_exception_handler(Exception, _unexpected)
