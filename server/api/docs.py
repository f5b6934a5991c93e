"""The API's reference: /api/v1/openapi.json and /api/v1/docs, a vendored, pinned Swagger UI
(web/static/vendor/swagger-ui-5.35.0) under a strict CSP of its own, started by an external
script — nothing from another origin, no inline script. ``LIANXIN_API_DOCS`` says who may read
them: everyone (the default), signed-in people, or nobody."""

from __future__ import annotations

from html import escape
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.security import OAuth2PasswordBearer

from server.api.deps import Caller, current_person, get_database
from server.db import Database
from server.errors import NotFound
from server.resources import static_url

# Swagger UI sets style attributes as it renders, hence 'unsafe-inline' for styles only.
DOCS_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'"
)
_VENDOR = "vendor/swagger-ui-5.35.0"
_optional_token = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token", auto_error=False)


def may_read_docs(
    request: Request,
    database: Annotated[Database, Depends(get_database)],
    token: Annotated[str | None, Depends(_optional_token)],
) -> None:
    mode = request.app.state.settings.api_docs
    if mode == "off":
        raise NotFound("There is no API documentation here.")
    if mode == "signed_in":
        current_person(database, Caller(request, token))  # 401 / 403 as for any API call


def docs_router(openapi_url: str, docs_url: str) -> APIRouter:
    router = APIRouter(include_in_schema=False, dependencies=[Depends(may_read_docs)])

    @router.get(openapi_url)
    def openapi(request: Request) -> JSONResponse:
        return JSONResponse(request.app.openapi())

    @router.get(docs_url)
    def docs() -> HTMLResponse:
        page = f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Lianxin 连心 API</title>
<link rel="stylesheet" href="{static_url(_VENDOR + '/swagger-ui.css')}">
<link rel="icon" href="data:,">
</head>
<body>
<div id="swagger-ui" data-openapi-url="{escape(openapi_url)}"></div>
<script src="{static_url(_VENDOR + '/swagger-ui-bundle.js')}"></script>
<script src="{static_url('api-docs.js')}"></script>
</body>
</html>
"""
        return HTMLResponse(page, headers={"Content-Security-Policy": DOCS_POLICY, "Cache-Control": "no-store"})

    return router
