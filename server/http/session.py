"""Browser sign-in: the ``lianxin_session`` cookie holds the secret of an ``AuthToken`` of kind
"session" (only its hash is stored), so signing out or revoking ends it on the server.

:class:`SessionMiddleware` resolves the cookie once per request and sets
``request.state.person`` (read through ``server.http.caller`` by the pages and the API) and
``request.state.session_csrf`` (the session's CSRF token, see ``server.http.csrf``).

A page whose own unit of work can check who asks — the order form's submission, the busiest
write a browser makes, and the department desk with its 15-second poll, the busiest read — is
marked :func:`resolved_in_its_unit_of_work`: the middleware then only keeps the cookie's secret,
and :func:`page_person_in` resolves it inside the page's own transaction (a read transaction and
a thread hop fewer), followed by the checks the middleware's resolution leads to on every other
page, in the same order: the password guard (server.http.password_guard), the session's CSRF
token (server.http.csrf; unsafe methods only), being signed in. A revoked session is refused as
at once as before: by the very statement that reads the session in that transaction, nothing
is kept between requests. If the page fails before its unit of work, the pages' error handler
resolves the session first (:func:`settle_session`), so its answer is the one the middleware's
resolution would have led to.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TypeVar

import anyio.to_thread
from sqlalchemy.orm import Session
from starlette.requests import Request, cookie_parser
from starlette.responses import Response
from starlette.routing import compile_path, get_route_path
from starlette.types import ASGIApp, Receive, Scope, Send

from server import security_log
from server.accounts import service as account_service
from server.db import Database
from server.errors import NotAuthenticated, TooManyAttempts
from server.http import csrf
from server.http.password_guard import PasswordChangeRequired, must_change_first, redirect_to_change
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


# The secret of a session left to the page's own unit of work (a scope["state"] key).
PENDING_SESSION = csrf.SESSION_LEFT_TO_PAGE
# (method, path pattern) of the pages marked resolved_in_its_unit_of_work.
_RESOLVED_IN_UNIT_OF_WORK: list[tuple[str, re.Pattern]] = []


def resolved_in_its_unit_of_work(method: str, path: str) -> Callable[[T], T]:
    """Mark a page's endpoint (``path`` as its route is declared) as resolving the session
    itself, with :func:`page_person_in` inside its own unit of work."""

    def mark(endpoint: T) -> T:
        _RESOLVED_IN_UNIT_OF_WORK.append((method, compile_path(path)[0]))
        setattr(endpoint, csrf.LEFT_TO_PAGE_MARK, True)
        return endpoint

    return mark


def _left_to_the_page(scope: Scope) -> bool:
    if not _RESOLVED_IN_UNIT_OF_WORK:
        return False
    method, path = scope["method"], get_route_path(scope)
    return any(method == marked and pattern.match(path) for marked, pattern in _RESOLVED_IN_UNIT_OF_WORK)


class SessionMiddleware:
    """Pure ASGI (no BaseHTTPMiddleware): it must not buffer streamed responses. It reads the
    two headers it needs from the scope itself (no Request, no parsing of all the headers per
    request), and applies the password guard right after the resolution (one layer, not two):
    a person whose password must change reaches nothing else first."""

    def __init__(self, app: ASGIApp, database: Database):
        self.app = app
        self.database = database

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not scope["path"].startswith("/static/"):
            state = scope.setdefault("state", {})
            state["person"] = None
            state["session_csrf"] = None
            secret, bearer = _secret_and_bearer(scope)
            # A bearer token wins over the cookie in the API; no need to look the cookie up then.
            if secret and not bearer:
                if _left_to_the_page(scope):
                    state[PENDING_SESSION] = secret
                else:
                    _adopt(state, await anyio.to_thread.run_sync(_resolve, self.database, secret))
                    if must_change_first(state["person"], scope):
                        await redirect_to_change(scope)(scope, receive, send)
                        return
        await self.app(scope, receive, send)


def _secret_and_bearer(scope: Scope) -> tuple[str | None, bool]:
    """The session secret the browser sent (as :func:`session_secret` reads it: every Cookie
    header, the last one naming it wins), and whether the first Authorization header is a
    bearer token, as Starlette's Request reads them."""
    cookies: list[bytes] = []
    authorization = None
    for name, value in scope["headers"]:
        if name == b"cookie":
            cookies.append(value)
        elif name == b"authorization" and authorization is None:
            authorization = value
    bearer = authorization is not None and authorization[:7].lower() == b"bearer "
    secret = None
    if cookies:
        cookie_name = session_cookie_name(scope["app"].state.settings)
        for cookie in cookies:
            secret = cookie_parser(cookie.decode("latin-1")).get(cookie_name, secret)
    return secret, bearer


def _resolve(database: Database, secret: str) -> tuple[Person, str, int] | None:
    with database.read() as session:
        return _lookup(session, secret)


def _lookup(session: Session, secret: str) -> tuple[Person, str, int] | None:
    found = account_service.resolve_session(session, secret)
    return (found[0], found[1].csrf_token, found[2]) if found else None


def _adopt(state: dict, found: tuple[Person, str, int] | None) -> None:
    if found is not None:
        state["person"], state["session_csrf"], state["unread_notifications"] = found


def page_person_in(request: Request, session: Session) -> Person:
    """The signed-in person of a page marked :func:`resolved_in_its_unit_of_work`, resolved in
    ``session`` (the page's unit of work) if the middleware left it to the page: then refused,
    in this order, as on every other page, while their password must change
    (PasswordChangeRequired: the guard's redirect), without the session's CSRF token
    (Forbidden) or not signed in (NotAuthenticated). Raised inside the unit of work, so nothing
    it did is kept."""
    state = request.scope.setdefault("state", {})
    secret = state.pop(PENDING_SESSION, None)
    if secret is not None:
        found = _lookup(session, secret)
        if found is not None:
            # Detached, as one read in a read of its own is: a rollback of this transaction (a
            # refused submission) must not expire what the error page and the log show.
            session.expunge(found[0])
        _adopt(state, found)
        if must_change_first(state["person"], request.scope):
            raise PasswordChangeRequired()
        if request.method not in csrf.SAFE_METHODS:  # a page read (the desk) sends no token
            csrf.check_left_to_the_page(request)
    person = state.get("person")
    if person is None:
        raise NotAuthenticated("Please sign in first.")
    return person


async def settle_session(request: Request) -> Response | None:
    """For the pages' error handler: resolve a session the page did not reach (it failed
    before its unit of work), and the password guard's redirect where it applies — what the
    middleware's own resolution would have answered."""
    state = request.scope.get("state", {})
    secret = state.pop(PENDING_SESSION, None)
    if secret is not None:
        _adopt(state, await anyio.to_thread.run_sync(_resolve, request.app.state.database, secret))
    if must_change_first(state.get("person"), request.scope):
        return redirect_to_change(request.scope)
    return None


def client_address(request: Request) -> str:
    """The client's IP address: uvicorn's proxy_headers put a trusted proxy's
    X-Forwarded-For here."""
    return request.client.host if request.client else ""


def check_password(database: Database, request: Request, username: str, password: str,
                   then: Callable[[Session, Person], T], *, trusted_device: bool = False) -> T:
    """Both doors' sign-in: authenticate (throttled), then ``then(session, person)`` in the unit
    of work that accepts the person (issuing the session or the token).

    Three steps (server.accounts.service): a short write that refuses a throttled try and
    counts this one as failed before its password is checked, so that tries made at the same
    time all count; the password check, in no transaction (it costs ~250 ms of CPU, which inside
    a write would hold SQLite's write lock for the whole process); and a write that accepts the
    person as they are then, clears the count and runs ``then``."""
    address = client_address(request)

    def start(session: Session) -> account_service.PendingSignIn:
        pending = account_service.start_sign_in(session, username, address=address, trusted_device=trusted_device)
        account_service.record_failed_sign_in(session, username, address)
        return pending

    def finish(session: Session) -> T:
        return then(session, account_service.finish_sign_in(session, pending))

    try:
        pending = database.run(start)
        if not account_service.password_matches(pending, password):
            raise NotAuthenticated("Wrong username or password.")
        result = database.run(finish)
    except TooManyAttempts:
        security_log.record(security_log.SIGN_IN_THROTTLED, user=username, address=address)
        raise
    except NotAuthenticated:
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
