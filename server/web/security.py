"""Security headers. Pages get a strict Content-Security-Policy: no inline script or style
anywhere, so an injected tag cannot run, no plugins, no <base> to re-point relative links.
/api answers JSON (its docs page sets a policy of its own, server/api/docs.py), and that JSON — people and their
requests — is never kept by a browser or a proxy (``no-store``). Every response gets nosniff
and a same-origin referrer policy, and HSTS once the site is served over HTTPS: the request came
in as https (directly, or from a trusted proxy's X-Forwarded-Proto, which uvicorn's
proxy_headers applies), or the installation says it is (``LIANXIN_COOKIE_SECURE=true``).

They are added by the outermost layer, the request log (server.request_log, wired in
server.app), in the same pass as the request id: one layer and one copy of the headers fewer
per request, and every answer has them, the error middleware's 500 included."""

from __future__ import annotations

from starlette.types import Scope

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'"
)
# A year, the minimum browsers' preload lists ask for; no includeSubDomains: other sites may
# share the domain.
STRICT_TRANSPORT_SECURITY = "max-age=31536000"

HeaderLines = tuple[tuple[bytes, bytes], ...]


def _lines(api: bool, https: bool) -> HeaderLines:
    headers = {"X-Content-Type-Options": "nosniff", "Referrer-Policy": "same-origin"}
    if api:
        headers["Cache-Control"] = "no-store"
    else:
        headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    if https:
        headers["Strict-Transport-Security"] = STRICT_TRANSPORT_SECURITY
    return tuple((k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers.items())


# The four sets there are, encoded once: a request only chooses one (no per-request dict,
# no MutableHeaders).
_LINES = {(api, https): _lines(api, https) for api in (False, True) for https in (False, True)}


def header_lines(scope: Scope) -> HeaderLines:
    """The security headers of the answer to this request, as raw ASGI header lines."""
    path = scope["path"]
    return _LINES[path == "/api" or path.startswith("/api/"), _over_https(scope)]


def _over_https(scope: Scope) -> bool:
    if scope.get("scheme") == "https":
        return True
    app = scope.get("app")
    settings = getattr(getattr(app, "state", None), "settings", None)
    return bool(settings is not None and settings.cookie_secure)
