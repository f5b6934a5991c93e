"""Mounting the pages on the application.

To add pages: write a module with ``router = APIRouter()`` and add it to ``PAGE_ROUTERS``.
Every router mounted here is behind :func:`server.http.csrf.csrf_protect`, so no unsafe
method can skip the CSRF check.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, FastAPI
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

from server import resources
from server.admin import audit_pages as admin_audit_pages
from server.admin import building_pages as admin_building_pages
from server.admin import catalog_field_pages as admin_catalog_field_pages
from server.admin import catalog_pages as admin_catalog_pages
from server.admin import department_pages as admin_department_pages
from server.admin import enterprise_pages as admin_enterprise_pages
from server.admin import import_pages as admin_import_pages
from server.admin import index_page as admin_index_page
from server.admin import people_pages as admin_people_pages
from server.attachments import pages as attachment_pages
from server.db import Database
from server.http.csrf import csrf_protect
from server.http.session import SessionMiddleware
from server.requests.pages import board as dispatch_board
from server.requests.pages import desk
from server.requests.pages import detail as request_pages
from server.requests.pages import order as menu_pages
from server.web import account_pages as web_account_pages
from server.web import auth_pages
from server.web.i18n import compile_catalogues
from server.web.password_guard import PasswordChangeGuard
from server.web.security import SecurityHeadersMiddleware

# One line per page module (keeps parallel additions from clashing).
PAGE_ROUTERS: list[APIRouter] = [
    auth_pages.router,
    web_account_pages.router,
    menu_pages.router,
    request_pages.router,
    attachment_pages.router,
    admin_index_page.router,
    admin_import_pages.router,
    admin_department_pages.router,
    admin_building_pages.router,
    admin_enterprise_pages.router,
    admin_people_pages.router,
    admin_catalog_pages.router,
    admin_catalog_field_pages.router,
    admin_audit_pages.router,
    desk.router,
    dispatch_board.router,
]


class CachedStaticFiles(StaticFiles):
    """A year of caching: our own files are addressed by content hash, vendor files by version."""

    async def get_response(self, path: str, scope: Scope):
        response = await super().get_response(path, scope)
        if response.status_code == 200:
            response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
        return response


def page_router() -> APIRouter:
    router = APIRouter(dependencies=[Depends(csrf_protect)], include_in_schema=False)
    for sub in PAGE_ROUTERS:
        router.include_router(sub)
    return router


def install_web(app: FastAPI, database: Database) -> None:
    """Pages, static files, the session cookie and the security headers."""
    compile_catalogues()
    app.include_router(page_router(), max_body_size=app.state.settings.max_body_bytes)
    app.mount("/static", CachedStaticFiles(directory=resources.STATIC_DIR), name="static")
    # Added last runs first: headers wrap everything, the session is resolved inside them.
    # Inside the session middleware: it needs the person the session resolved.
    app.add_middleware(PasswordChangeGuard)
    app.add_middleware(SessionMiddleware, database=database)
    app.add_middleware(SecurityHeadersMiddleware)
