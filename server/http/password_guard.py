"""While a person must change their password (after an admin reset it), every page sends
them to /account/password first. The API answers 403 instead (server/api/deps.py).

The session middleware (server.http.session) applies it right after resolving the session. A
page that resolves the session in its own unit of work applies the same rule there, through
:func:`must_change_first`, and is answered with :func:`redirect_to_change`."""

from __future__ import annotations

from urllib.parse import quote

from starlette.responses import RedirectResponse, Response
from starlette.types import Scope

from server.errors import LianxinError

CHANGE_PATH = "/account/password"
# What stays reachable: the change page itself, signing out or in, the language, files.
ALLOWED_PREFIXES = (CHANGE_PATH, "/logout", "/login", "/lang/", "/static/", "/api/", "/favicon")


class PasswordChangeRequired(LianxinError):
    """Raised where the session is resolved inside a page's unit of work (so that it rolls
    back); the pages' error handler answers it with :func:`redirect_to_change`."""

    status_code = 303
    title = "Change your password first"
    type_slug = "password-change-required"

    def __init__(self):
        super().__init__("Change your password first.")


def must_change_first(person, scope: Scope) -> bool:
    """The one rule: a person whose password must change reaches nothing else first."""
    return person is not None and person.must_change_password and not scope["path"].startswith(ALLOWED_PREFIXES)


def redirect_to_change(scope: Scope) -> Response:
    target = CHANGE_PATH
    if scope["method"] in ("GET", "HEAD") and scope["path"] != "/":
        query = scope.get("query_string", b"").decode("latin-1")
        target += "?next=" + quote(scope["path"] + (f"?{query}" if query else ""), safe="/")
    headers = dict(scope.get("headers", []))
    if headers.get(b"hx-request") == b"true":
        return Response(status_code=204, headers={"HX-Redirect": target})
    return RedirectResponse(target, status_code=303)
