"""The application factory: wires settings, database, API and pages together."""

from __future__ import annotations

from contextlib import asynccontextmanager

import anyio.to_thread
from fastapi import FastAPI

from server import health
from server.api import API_PREFIX, api_router
from server.api.docs import docs_router
from server.api.openapi import finish as finish_openapi
from server.api.problems import install_error_handlers
from server.attachments.store import store_for
from server.body_limit import ContentLengthLimit
from server.config import Settings, get_settings
from server.db import Database
from server.exit_signal import on_exit_signal
from server.http.routing import skip_routers_by_prefix
from server.http.session import settle_session
from server.live.bus import install as install_live
from server.notifications.worker import Worker
from server.open311 import endpoints as open311
from server.request_log import RequestLog
from server.sweeper import Sweeper
from server.web.errors import page_error
from server.web.security import header_lines
from server.web.site import install_web


class Lianxin(FastAPI):
    def build_middleware_stack(self):
        # The request log wraps everything, Starlette's error middleware included, so that it
        # sees the 500 that middleware answers for an unhandled error (and logs the error).
        # It also adds the security headers (an answer's own stay), in the same pass as the id.
        return RequestLog(super().build_middleware_stack(), extra_headers=header_lines)

    def openapi(self) -> dict:
        # Built once, then made true to the problem+json errors, limits and headers it answers.
        if self.openapi_schema is None:
            self.openapi_schema = finish_openapi(super().openapi())
        return self.openapi_schema


def create_app(settings: Settings | None = None, database: Database | None = None) -> FastAPI:
    settings = settings or get_settings()
    owns_database = database is None
    database = database or Database(settings.effective_database_url, settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        # Sync SQLAlchemy in a large threadpool collapses under load: cap the threads.
        limiter = anyio.to_thread.current_default_thread_limiter()
        limiter.total_tokens = settings.effective_threadpool_size(database.is_sqlite)
        sweeper = Sweeper(database, settings.sweep_interval_seconds) if settings.sweep_interval_seconds > 0 else None
        if sweeper:
            sweeper.start()
        live.start()
        # The embedded set-up delivers its own outbox (LIANXIN_WORKER_IN_SERVE=false: a
        # separate `lianxin worker` does).
        worker = Worker(database, settings) if settings.worker_in_serve else None
        if worker:
            worker.start()
        try:
            # The live streams end at the exit signal itself, not after uvicorn has waited
            # --shutdown-timeout for them: only the requests in flight hold a shutdown.
            with on_exit_signal(live.bus.close):
                yield
        finally:
            if worker:
                worker.stop()
            live.stop()
            if sweeper:
                sweeper.stop()
            if owns_database:
                database.dispose()

    app = Lianxin(
        title="Lianxin 连心",
        version="0.1.0",
        description="Order online, serve offline: the service network of a building community.",
        lifespan=lifespan,
        # Served by server/api/docs.py: vendored Swagger UI, its own CSP, LIANXIN_API_DOCS.
        openapi_url=None,
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.database = database
    # A store that cannot be built (LIANXIN_STORAGE=s3 without its client) stops the start,
    # not the first upload.
    store_for(settings)
    # Live pages: every committed change signalled to the open streams (server/live).
    live = install_live(database, max_per_person=settings.live_max_streams_per_person,
                        max_streams=settings.live_max_streams)
    app.state.live = live

    async def door_errors(request, exc):
        # /open311/ answers in GeoReport's own error format; other pages get the error page.
        if open311.is_open311_path(request.url.path):
            return open311.error_response(request, exc)
        # A page that was to resolve the session in its own unit of work and failed first
        # (or was refused there): answered as the middleware's resolution would have led to.
        redirect = await settle_session(request)
        if redirect is not None:
            return redirect
        return await page_error(request, exc)

    install_error_handlers(app, page_errors=door_errors)
    app.include_router(health.router)
    app.include_router(open311.router)
    # The multipart parser spools a whole body to disk before any view sees it, so the upload
    # limit is enforced before that: on Content-Length up front, and on the stream (413).
    app.include_router(api_router, max_body_size=settings.max_body_bytes)
    app.include_router(docs_router(f"{API_PREFIX}/openapi.json", f"{API_PREFIX}/docs"))
    # Inside the web middlewares (added later, so outside it): a refused body still knows who
    # sent it, and the 413 page keeps the person's layout and menu and carries the security headers.
    app.add_middleware(ContentLengthLimit, max_bytes=settings.max_body_bytes, max_json_bytes=settings.max_json_bytes)
    install_web(app, database)
    # Last, once every router is in: a request walks only the routers that can hold its path.
    skip_routers_by_prefix(app.router)
    return app
