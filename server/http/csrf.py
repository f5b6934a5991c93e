"""Cross-site request forgery protection for everything a browser cookie authenticates.

- Signed in: the token is the session's own ``AuthToken.csrf_token``.
- Anonymous (the sign-in form): a signed double-submit cookie ``lianxin_csrf`` holding
  ``value.signature``; the form sends ``value``. The signature stops a sibling site that can
  plant cookies from choosing a value it knows.

The token is accepted from the ``X-CSRF-Token`` header (htmx sends it from ``hx-headers`` on
<body>) or the form field ``csrf_token``. :func:`csrf_protect` guards every unsafe method of
the page routers (``server.web`` mounts them under it); ``server.api.deps`` calls
:func:`require_header_token` for cookie-authenticated API writes.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from functools import cache
from pathlib import Path

from starlette.requests import Request
from starlette.responses import Response

from server.config import Settings
from server.errors import Forbidden
from server.i18n_text import N_

CSRF_COOKIE = "lianxin_csrf"
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
BAD_TOKEN = N_(
    "This form has expired or did not come from this site. Reload the page and try again."
)
# A page that resolves the session in its own unit of work (server.http.session) has its
# endpoint marked so; the middleware then leaves the cookie's secret under SESSION_LEFT_TO_PAGE,
# and the token sent is kept under SENT_TOKEN until the page knows the session's own.
LEFT_TO_PAGE_MARK = "_lianxin_session_in_unit_of_work"
SESSION_LEFT_TO_PAGE = "pending_session"
SENT_TOKEN = "pending_csrf"


@cache
def _key(secret_key: str, data_dir: Path) -> bytes:
    if secret_key:
        return secret_key.encode()
    path = data_dir / "secret_key"
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        try:
            # O_EXCL: when two workers start together, one writes and both read its key.
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as f:
                f.write(secrets.token_urlsafe(48))
        except FileExistsError:
            pass
    return path.read_text().strip().encode()


def signing_key(settings: Settings) -> bytes:
    return _key(settings.secret_key, settings.data_dir)


def _sign(key: bytes, value: str) -> str:
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()


def _anonymous_value(request: Request) -> str | None:
    """The value of a valid signed cookie, or None."""
    cookie = request.cookies.get(CSRF_COOKIE, "")
    value, _, signature = cookie.partition(".")
    key = signing_key(request.app.state.settings)
    if value and hmac.compare_digest(signature, _sign(key, value)):
        return value
    return None


def token_for(request: Request) -> str:
    """The token a page should embed. An anonymous visitor without a valid cookie gets a new
    value; :func:`attach_cookie` then sets it on the response."""
    session_token = getattr(request.state, "session_csrf", None)
    if session_token:
        return session_token
    value = getattr(request.state, "new_csrf_value", None) or _anonymous_value(request)
    if value is None:
        value = secrets.token_urlsafe(32)
        request.state.new_csrf_value = value
    return value


def attach_cookie(request: Request, response: Response) -> None:
    value = getattr(request.state, "new_csrf_value", None)
    if value is None:
        return
    key = signing_key(request.app.state.settings)
    response.set_cookie(
        CSRF_COOKIE, f"{value}.{_sign(key, value)}", path="/", httponly=True, samesite="lax",
        secure=request.app.state.settings.cookie_secure,
    )


def _valid(request: Request, sent: str | None) -> bool:
    if not sent:
        return False
    expected = getattr(request.state, "session_csrf", None) or _anonymous_value(request)
    return bool(expected) and hmac.compare_digest(sent, expected)


async def csrf_protect(request: Request) -> None:
    """A router dependency: unsafe methods need a token from the header or the form."""
    if request.method in SAFE_METHODS:
        return
    sent = request.headers.get(CSRF_HEADER)
    if not sent and request.headers.get("content-type", "").startswith(_FORM_TYPES):
        # Starlette caches the parsed form on the request, so the view reads it again for free.
        sent = (await request.form()).get(CSRF_FIELD)
    sent = sent if isinstance(sent, str) else None
    state = request.scope.get("state", {})
    if SESSION_LEFT_TO_PAGE in state:
        # Checked by the page against its session (check_left_to_the_page); an endpoint that
        # is not marked to do so never leaves this unchecked.
        if not getattr(request.scope.get("endpoint"), LEFT_TO_PAGE_MARK, False):
            raise Forbidden(BAD_TOKEN)
        state[SENT_TOKEN] = sent
        return
    if not _valid(request, sent):
        raise Forbidden(BAD_TOKEN)


def check_left_to_the_page(request: Request) -> None:
    """The check :func:`csrf_protect` left to a page that resolved its session itself."""
    if not _valid(request, request.scope.get("state", {}).pop(SENT_TOKEN, None)):
        raise Forbidden(BAD_TOKEN)


def require_header_token(request: Request) -> None:
    """For cookie-authenticated API calls: a program's JSON body has no form field to carry it."""
    if request.method not in SAFE_METHODS and not _valid(request, request.headers.get(CSRF_HEADER)):
        raise Forbidden(BAD_TOKEN)
