"""Browser sign-in: the ``lianxin_session`` cookie holds the secret of an ``AuthToken`` of kind
"session" (only its hash is stored), so signing out or revoking ends it on the server.

:class:`SessionMiddleware` resolves the cookie once per request and sets
``request.state.person`` (read through ``server.http.caller`` by the pages and the API) and
``request.state.session_csrf`` (the session's CSRF token, see ``server.http.csrf``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import anyio.to_thread
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from server import security_log
from server.accounts import service as account_service
from server.db import Database
from server.errors import NotAuthenticated, TooManyAttempts
from server.models import Person

T = TypeVar("T")

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
                    state["person"], state["session_csrf"], state["unread_notifications"] = found
        await self.app(scope, receive, send)

    def _resolve(self, secret: str) -> tuple[Person, str, int] | None:
        with self.database.read() as session:
            found = account_service.resolve_session(session, secret)
            return (found[0], found[1].csrf_token, found[2]) if found else None


def client_address(request: Request) -> str:
    """The client's IP address: uvicorn's proxy_headers put a trusted proxy's
    X-Forwarded-For here."""
    return request.client.host if request.client else ""


def check_password(database: Database, request: Request, username: str, password: str,
                   then: Callable[[Session, Person], T], *, trusted_device: bool = False) -> T:
    """Both doors' sign-in: authenticate (throttled), then ``then(session, person)`` in the same
    unit of work (issuing the session or the token). A wrong password is recorded for the
    throttle in a unit of its own, since the failed one rolls back."""
    address = client_address(request)

    def work(session: Session) -> T:
        person = account_service.authenticate(session, username, password, address=address,
                                              trusted_device=trusted_device)
        return then(session, person)

    try:
        result = database.run(work)
    except TooManyAttempts:
        security_log.record(security_log.SIGN_IN_THROTTLED, user=username, address=address)
        raise
    except NotAuthenticated:
        database.run(lambda session: account_service.record_failed_sign_in(session, username, address))
        security_log.record(security_log.SIGN_IN_FAILED, user=username, address=address)
        raise
    security_log.record(security_log.SIGN_IN, user=username, address=address, door=_door(request))
    return result


def _door(request: Request) -> str:
    return "api" if request.url.path.startswith("/api/") else "page"


def sign_in(database: Database, request: Request, username: str, password: str, old_secret: str | None, *,
            trusted_device: bool = False) -> str:
    """Check the password and open a new session; returns its secret. The session id always
    changes at sign-in (the old one, if any, is revoked), so a planted id is worthless.
    Raises ``NotAuthenticated`` for wrong credentials, ``TooManyAttempts`` while throttled."""

    def open_session(session: Session, person: Person) -> str:
        if old_secret:
            account_service.revoke_token(session, old_secret)
        secret, _row = account_service.issue_token(session, person, kind="session")
        return secret

    return check_password(database, request, username, password, open_session, trusted_device=trusted_device)


def sign_out(database: Database, request: Request, secret: str | None) -> None:
    if secret:
        database.run(lambda session: account_service.revoke_token(session, secret))
    person = getattr(request.state, "person", None)
    security_log.record(security_log.SIGN_OUT, user=getattr(person, "username", None), address=client_address(request))


def set_session_cookie(request: Request, response: Response, secret: str) -> None:
    settings = request.app.state.settings
    response.set_cookie(
        session_cookie_name(settings), secret, max_age=settings.session_ttl_hours * 3600, path="/",
        httponly=True, samesite="lax", secure=settings.cookie_secure,
    )


def clear_session_cookie(request: Request, response: Response) -> None:
    settings = request.app.state.settings
    response.delete_cookie(session_cookie_name(settings), path="/", httponly=True, samesite="lax", secure=settings.cookie_secure)
