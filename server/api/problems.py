"""Every API error as application/problem+json (RFC 9457), with a readable ``detail``."""

from __future__ import annotations

import logging
from http import HTTPStatus

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from server.errors import LianxinError

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
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


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


def install_api_problem_handlers(app: FastAPI, api_prefix: str) -> None:
    """Problem documents for /api paths. Page paths get HTML error pages (installed by the web
    layer, which falls back to these handlers' logic for API paths)."""

    @app.exception_handler(LianxinError)
    async def _lianxin(request: Request, exc: LianxinError):
        return lianxin_error_response(exc)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError):
        return validation_error_response(exc)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException):
        detail = exc.detail if isinstance(exc.detail, str) else HTTPStatus(exc.status_code).phrase
        response = problem(exc.status_code, detail)
        for key, value in (exc.headers or {}).items():
            response.headers[key] = value
        return response

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception):
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return problem(500, "Something went wrong on our side; nothing you sent was lost. Please try again.")
