"""The console: a small offline web UI over the API, served from the package's ``console/``.

``/console`` is the full console (chat check, contact check, registry, audits),
``/console/widget`` the compact chat check an agent-facing chat product can embed in a
same-origin frame, and ``/console/report`` shows an audit's HTML report. Their scripts and
styles come from ``/console/static/<name>``: only the files listed in ``STATIC`` are
served, never a path taken from the request.

The pages themselves need no key (they hold no data): they ask the operator for one, keep it
in ``sessionStorage`` and send it as ``Authorization: Bearer`` on their API calls, so every
scope check stays with the API routes. Each response carries a strict Content-Security-Policy
(same-origin scripts and styles only, no inline code, Trusted Types enforced; the report
viewer alone allows the report's inline styles and data: charts), ``nosniff`` and
no-referrer headers; nothing is ever loaded from another origin.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from importlib import resources
from typing import Annotated

from fastapi import APIRouter, Path, Request, Response

from api.db.store import NotFoundError

router = APIRouter(tags=["console"], include_in_schema=False)

#: Static files by name, with their media types.
STATIC = {
    "console.js": "text/javascript; charset=utf-8",
    "console.css": "text/css; charset=utf-8",
}

_STRICT = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' blob:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; require-trusted-types-for 'script'; trusted-types 'none'; "
)
#: The report viewer fetches an audit's report and shows it in its place: the report (escaped
#: server-side, no scripts) needs its inline style sheet and data: chart images, as allowed
#: by its own <meta> policy; scripts stay same-origin only.
_REPORT = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'none'; require-trusted-types-for 'script'; trusted-types 'none'; "
)
#: file, Content-Security-Policy, X-Frame-Options of each page. The widget may be framed by
#: a page of the same origin; the others not at all.
PAGES = {
    "console": ("index.html", _STRICT + "frame-ancestors 'none'", "DENY"),
    "widget": ("widget.html", _STRICT + "frame-ancestors 'self'", "SAMEORIGIN"),
    "report": ("report.html", _REPORT + "frame-ancestors 'none'", "DENY"),
}
_COMMON = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
    "Cache-Control": "no-cache",
}


@lru_cache(maxsize=8)
def _load(name: str) -> tuple[bytes, str]:
    """A console file's bytes and strong ETag (read once per process)."""
    data = resources.files("api").joinpath("console", name).read_bytes()
    return data, '"' + hashlib.sha256(data).hexdigest()[:32] + '"'


def _respond(request: Request, name: str, media_type: str, page: str) -> Response:
    data, etag = _load(name)
    _, policy, x_frame = PAGES[page]
    headers = {
        **_COMMON,
        "Content-Security-Policy": policy,
        "X-Frame-Options": x_frame,
        "ETag": etag,
    }
    if etag in request.headers.get("if-none-match", ""):
        return Response(status_code=304, headers=headers)
    if request.method == "HEAD":
        headers["Content-Length"] = str(len(data))
        return Response(media_type=media_type, headers=headers)
    return Response(data, media_type=media_type, headers=headers)


def _page(request: Request, page: str) -> Response:
    return _respond(request, PAGES[page][0], "text/html; charset=utf-8", page)


@router.api_route("/console", methods=["GET", "HEAD"])
@router.api_route("/console/", methods=["GET", "HEAD"])
def console_page(request: Request) -> Response:
    """The console page."""
    return _page(request, "console")


@router.api_route("/console/widget", methods=["GET", "HEAD"])
def widget_page(request: Request) -> Response:
    """The embeddable chat-check widget."""
    return _page(request, "widget")


@router.api_route("/console/report", methods=["GET", "HEAD"])
def report_page(request: Request) -> Response:
    """Shows an audit's HTML report (the audit id in the fragment, the key from the tab)."""
    return _page(request, "report")


@router.api_route("/console/static/{name}", methods=["GET", "HEAD"])
def console_static(request: Request, name: Annotated[str, Path(max_length=40)]) -> Response:
    """A script or style sheet of the console (only the files in ``STATIC``)."""
    media_type = STATIC.get(name)
    if media_type is None:
        raise NotFoundError("no such console file")
    return _respond(request, name, media_type, "widget")
