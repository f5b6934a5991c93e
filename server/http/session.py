"""Browser sign-in: the ``lianxin_session`` cookie holds the secret of an ``AuthToken`` of kind
"session" (only its hash is stored), so signing out or revoking ends it on the server.

:class:`SessionMiddleware` resolves the cookie once per request and sets
``request.state.person`` (read through ``server.http.caller`` by the pages and the API) and
``request.state.session_csrf`` (the session's CSRF token, see ``server.http.csrf``).
"""

from __future__ import annotations

import anyio.to_thread
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from server.accounts import service as account_service
from server.db import Database
from server.models import Person

SESSION_COOKIE = "lianxin_session"
# Over HTTPS the cookie carries the __Host- prefix: browsers then accept it only with Secure,
# Path=/ and no Domain, so a sibling subdomain cannot plant or overwrite a session.
SECURE_SESSION_COOKIE = "__Host-" + SESSION_COOKIE


def session_cookie_name(settings) -> str:
    return SECURE_SESSION_COOKIE if settings.cookie_secure else SESSION_COOKIE


def session_secret(request: Request) -> str | None:
    """The session secret the browser sent, under the name this installation uses."""
    return request.cookies.get(session_cookie_name(request.app.state.settings))


class SessionMiddleware:
    """Pure ASGI (no BaseHTTPMiddleware): it must not buffer streamed responses."""

    def __init__(self, app: ASGIApp, database: Database):
        self.app = app
        self.database = database

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not scope["path"].startswith("/static/"):
            request = Request(scope)
            state = scope.setdefault("state", {})
            state["person"] = None
            state["session_csrf"] = None
            secret = session_secret(request)
            # A bearer token wins over the cookie in the API; no need to look the cookie up then.
            bearer = request.headers.get("authorization", "").lower().startswith("bearer ")
            if secret and not bearer:
                found = await anyio.to_thread.run_sync(self._resolve, secret)
                if found is not None:
                    state["person"], state["session_csrf"] = found
        await self.app(scope, receive, send)

    def _resolve(self, secret: str) -> tuple[Person, str] | None:
        with self.database.read() as session:
            found = account_service.resolve_token(session, secret, kind="session")
            return (found[0], found[1].csrf_token) if found else None


def sign_in(database: Database, username: str, password: str, old_secret: str | None) -> str:
    """Check the password and open a new session; returns its secret. The session id always
    changes at sign-in (the old one, if any, is revoked), so a planted id is worthless.
    Raises ``NotAuthenticated`` for wrong credentials."""

    def work(session) -> str:
        if old_secret:
            account_service.revoke_token(session, old_secret)
        person = account_service.authenticate(session, username, password)
        secret, _row = account_service.issue_token(session, person, kind="session")
        return secret

    return database.run(work)


def sign_out(database: Database, secret: str | None) -> None:
    if secret:
        database.run(lambda session: account_service.revoke_token(session, secret))


def set_session_cookie(request: Request, response: Response, secret: str) -> None:
    settings = request.app.state.settings
    response.set_cookie(
        session_cookie_name(settings), secret, max_age=settings.session_ttl_hours * 3600, path="/",
        httponly=True, samesite="lax", secure=settings.cookie_secure,
    )


def clear_session_cookie(request: Request, response: Response) -> None:
    settings = request.app.state.settings
    response.delete_cookie(session_cookie_name(settings), path="/", httponly=True, samesite="lax", secure=settings.cookie_secure)
