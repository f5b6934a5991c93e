"""While a person must change their password (after an admin reset it), every page sends
them to /account/password first. The API answers 403 instead (server/api/deps.py).

Pure ASGI, installed inside the session middleware so ``state["person"]`` is already set."""

from __future__ import annotations

from urllib.parse import quote

from starlette.responses import RedirectResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

CHANGE_PATH = "/account/password"
# What stays reachable: the change page itself, signing out or in, the language, files.
ALLOWED_PREFIXES = (CHANGE_PATH, "/logout", "/login", "/lang/", "/static/", "/api/", "/favicon")


class PasswordChangeGuard:
    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            person = scope.get("state", {}).get("person")
            path = scope["path"]
            if person is not None and person.must_change_password and not path.startswith(ALLOWED_PREFIXES):
                await self._redirect(scope)(scope, receive, send)
                return
        await self.app(scope, receive, send)

    @staticmethod
    def _redirect(scope: Scope) -> Response:
        target = CHANGE_PATH
        if scope["method"] in ("GET", "HEAD") and scope["path"] != "/":
            query = scope.get("query_string", b"").decode("latin-1")
            target += "?next=" + quote(scope["path"] + (f"?{query}" if query else ""), safe="/")
        headers = dict(scope.get("headers", []))
        if headers.get(b"hx-request") == b"true":
            return Response(status_code=204, headers={"HX-Redirect": target})
        return RedirectResponse(target, status_code=303)
