"""Every API error as application/problem+json (RFC 9457), with a readable ``detail``."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from http import HTTPStatus

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from server import security_log
from server.errors import LianxinError
from server.http.allow import allowed_methods

log = logging.getLogger("lianxin")

PROBLEM_JSON = "application/problem+json"


def problem(status: int, detail: str, *, title: str | None = None, type_slug: str | None = None, **extra) -> JSONResponse:
    body = {
        "type": f"/problems/{type_slug}" if type_slug else "about:blank",
        "title": title or HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
        **{k: v for k, v in extra.items() if v is not None},
    }
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else {}
    if status == 429 and "retry_after" in extra:
        headers["Retry-After"] = str(extra["retry_after"])
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers or None)


def _field_path(loc: tuple) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or "body"


def lianxin_error_response(exc: LianxinError) -> JSONResponse:
    extra = {k: (dict(v) if isinstance(v, dict) else v) for k, v in exc.extra.items()}
    if "errors" in extra:
        extra["errors"] = {k: str(v) for k, v in extra["errors"].items()}
    return problem(exc.status_code, exc.detail, title=exc.title, type_slug=exc.type_slug, **extra)


def validation_error_response(exc: RequestValidationError) -> JSONResponse:
    errors: dict[str, str] = {}
    for error in exc.errors():
        errors.setdefault(_field_path(tuple(error.get("loc", ()))), error.get("msg", "Invalid value."))
    return problem(422, "The request body or parameters are not valid.", title="Invalid input", type_slug="invalid-input", errors=errors)


def is_api_path(path: str) -> bool:
    return path == "/api" or path.startswith("/api/")


def api_error_response(request: Request, exc: Exception) -> Response:
    """The problem document for any exception that reached the application."""
    if isinstance(exc, LianxinError):
        return lianxin_error_response(exc)
    if isinstance(exc, RequestValidationError):
        return validation_error_response(exc)
    if isinstance(exc, StarletteHTTPException):
        detail = exc.detail if isinstance(exc.detail, str) else HTTPStatus(exc.status_code).phrase
        response = problem(exc.status_code, detail)
        for key, value in (exc.headers or {}).items():
            response.headers[key] = value
        return response
    log.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return problem(500, "Something went wrong on our side; nothing you sent was lost. Please try again.")


PageErrorHandler = Callable[[Request, Exception], Awaitable[Response]]


def install_error_handlers(app: FastAPI, page_errors: PageErrorHandler | None = None) -> None:
    """One dispatcher for every error: /api paths get application/problem+json, every other
    path the HTML error page from ``page_errors`` (problem+json too when there is none)."""

    async def dispatch(request: Request, exc: Exception) -> Response:
        if getattr(exc, "status_code", None) == 403:
            person = getattr(request.state, "person", None)
            security_log.record(security_log.ACCESS_REFUSED, user=getattr(person, "username", None),
                                address=request.client.host if request.client else "",
                                method=request.method, path=request.url.path)
        if page_errors is None or is_api_path(request.url.path):
            response = api_error_response(request, exc)
        else:
            response = await page_errors(request, exc)
        if response.status_code == 405:
            response.headers["Allow"] = ", ".join(allowed_methods(request.app, request.url.path))
        return response

    for exc_type in (LianxinError, RequestValidationError, StarletteHTTPException, Exception):
        app.add_exception_handler(exc_type, dispatch)
