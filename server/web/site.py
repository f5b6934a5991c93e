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
from server.accounts.pages import account as account_pages
from server.accounts.pages import people as people_pages
from server.accounts.pages import sign_in as sign_in_pages
from server.activities import pages as activity_pages
from server.admin import index_page as admin_index_page
from server.attachments import pages as attachment_pages
from server.audit import pages as audit_pages
from server.buildings import pages as building_pages
from server.catalog.pages import fields as catalog_field_pages
from server.catalog.pages import menu as catalog_pages
from server.clubs import pages as club_pages
from server.db import Database
from server.departments import pages as department_pages
from server.enterprises import pages as enterprise_pages
from server.http.csrf import csrf_protect
from server.http.session import SessionMiddleware
from server.imports import pages as import_pages
from server.live import pages as live_pages
from server.metrics.pages import board as public_board
from server.metrics.pages import routes as supervision_pages
from server.notifications import outbox_pages, webhooks_pages
from server.notifications import pages as notification_pages
from server.open311 import pages as open311_pages
from server.pioneer.pages import records as pioneer_record_pages
from server.pioneer.pages import score as pioneer_pages
from server.requests.pages import board as dispatch_board
from server.requests.pages import conversation as conversation_pages
from server.requests.pages import desk
from server.requests.pages import detail as request_pages
from server.requests.pages import finder as finder_pages
from server.requests.pages import order as menu_pages
from server.requests.pages import overdue as overdue_pages
from server.rooms.pages import admin as room_admin_pages
from server.rooms.pages import bookings as booking_pages
from server.rooms.pages import rooms as room_pages
from server.visits import pages as visit_pages
from server.web.i18n import compile_catalogues

# One line per page module (keeps parallel additions from clashing).
PAGE_ROUTERS: list[APIRouter] = [
    sign_in_pages.router,
    account_pages.router,
    menu_pages.router,
    finder_pages.router,  # before the request page: /requests/export is not a number
    request_pages.router,
    conversation_pages.router,
    live_pages.router,
    attachment_pages.router,
    admin_index_page.router,
    import_pages.router,
    department_pages.router,
    building_pages.router,
    enterprise_pages.router,
    people_pages.router,
    catalog_pages.router,
    catalog_field_pages.router,
    audit_pages.router,
    desk.router,
    dispatch_board.router,
    overdue_pages.router,
    supervision_pages.router,
    public_board.router,
    visit_pages.router,
    open311_pages.router,
    room_pages.router,
    booking_pages.router,
    room_admin_pages.router,
    webhooks_pages.router,
    pioneer_pages.router,
    pioneer_record_pages.router,
    activity_pages.router,
    club_pages.router,
    notification_pages.router,
    outbox_pages.router,
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
    # The session is resolved (and the password guard applied) outside the body limit; the
    # security headers are added by the request log, outside everything (server.app).
    app.add_middleware(SessionMiddleware, database=database)
