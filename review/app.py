"""``create_app``: the review app over one database and data dir.

Every response carries a strict Content-Security-Policy (scripts, styles and images from this app only,
no inline script, no framing) and headers that keep pages out of other sites' reach (no referrer leaves
for a crawled site, no MIME sniffing). Evidence files get an even stricter policy of their own.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Awaitable, Callable
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import PlainTextResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from sqlalchemy import Engine
from starlette.exceptions import HTTPException

from storage.blobs import BlobStore

from .auth import BadForm, Forbidden, LoginRequired
from .pages import render, see_other
from .routers import admin, auth, exports, files, findings, queue

HERE = Path(__file__).parent
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
    "font-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",  # no-referrer would make Chromium send "Origin: null" on our own forms
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
}
logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ReviewState:
    engine: Engine
    data_dir: Path
    blobs: BlobStore
    templates: Jinja2Templates


def create_app(engine: Engine, data_dir: Path) -> FastAPI:
    app = FastAPI(title="ecwatch review", docs_url=None, redoc_url=None, openapi_url=None)
    templates = Jinja2Templates(directory=str(HERE / "templates"))
    app.state.review = ReviewState(engine, Path(data_dir), BlobStore(Path(data_dir)), templates)
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    for module in (auth, queue, findings, files, exports, admin):
        app.include_router(module.router)
    _handle_errors(app)

    @app.middleware("http")
    async def security_headers(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        response = await call_next(request)
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        if not request.url.path.startswith("/static/"):
            response.headers.setdefault("Cache-Control", "no-store")
        return response

    return app


def _handle_errors(app: FastAPI) -> None:
    @app.exception_handler(LoginRequired)
    async def login_required(request: Request, _exc: LoginRequired) -> Response:
        path = request.url.path
        is_file = path.startswith("/evidence/") and not path.endswith("/text")
        if request.method == "GET" and not is_file:
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            return see_other(f"/login?next={_quoted(target)}")
        return PlainTextResponse("sign in first", status_code=401)

    @app.exception_handler(Forbidden)
    async def forbidden(request: Request, _exc: Forbidden) -> Response:
        return render(request, "error.html", status_code=403, problem="You may not do this with your role.")

    @app.exception_handler(BadForm)
    async def bad_form(request: Request, _exc: BadForm) -> Response:
        problem = "The form had expired or did not come from this app. Reload the page and try again."
        return render(request, "error.html", status_code=403, problem=problem)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        problem = "Not found" if exc.status_code == 404 else str(exc.detail)
        return render(request, "error.html", status_code=exc.status_code, problem=problem)

    @app.exception_handler(RequestValidationError)
    async def bad_request(request: Request, _exc: RequestValidationError) -> Response:
        return render(request, "error.html", status_code=400, problem="Not found")

    @app.exception_handler(Exception)
    async def crashed(request: Request, exc: Exception) -> Response:
        # Answered outside the middleware stack: the security headers are set here too.
        logger.error("Unexpected error on %s %s", request.method, request.url.path, exc_info=exc)
        return PlainTextResponse("Something went wrong / Đã xảy ra lỗi", status_code=500, headers=SECURITY_HEADERS)


def _quoted(path: str) -> str:
    return quote(path, safe="")
