"""Security headers. Pages get a strict Content-Security-Policy: no inline script or style
anywhere, so an injected tag cannot run, no plugins, no <base> to re-point relative links.
/api answers JSON (its docs page sets a policy of its own, server/api/docs.py), and that JSON — people and their
requests — is never kept by a browser or a proxy (``no-store``). Every response gets nosniff
and a same-origin referrer policy, and HSTS once the site is served over HTTPS: the request came
in as https (directly, or from a trusted proxy's X-Forwarded-Proto, which uvicorn's
proxy_headers applies), or the installation says it is (``LIANXIN_COOKIE_SECURE=true``)."""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'"
)
# A year, the minimum browsers' preload lists ask for; no includeSubDomains: other sites may
# share the domain.
STRICT_TRANSPORT_SECURITY = "max-age=31536000"


def security_headers(scope: Scope) -> dict[str, str]:
    path = scope["path"]
    headers = {"X-Content-Type-Options": "nosniff", "Referrer-Policy": "same-origin"}
    if path == "/api" or path.startswith("/api/"):
        headers["Cache-Control"] = "no-store"
    else:
        headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    if _over_https(scope):
        headers["Strict-Transport-Security"] = STRICT_TRANSPORT_SECURITY
    return headers


def _over_https(scope: Scope) -> bool:
    if scope.get("scheme") == "https":
        return True
    app = scope.get("app")
    settings = getattr(getattr(app, "state", None), "settings", None)
    return bool(settings is not None and settings.cookie_secure)


class SecurityHeadersMiddleware:
    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = security_headers(scope)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for key, value in extra.items():
                    headers.setdefault(key, value)
            await send(message)

        await self.app(scope, receive, send_with_headers)
