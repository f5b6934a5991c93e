"""Error pages: the same statuses and messages as the API's problem documents, as HTML in the
site's layout and the reader's language. ``server.api.problems`` calls :func:`page_error` for
every path outside /api.

- 401 on a page GET redirects to ``/login?next=<this page>``; htmx gets ``HX-Redirect``.
- htmx requests get only the message, retargeted to the layout's ``#alerts`` region, so an
  unexpected error never lands inside whatever the request meant to replace.
"""

from __future__ import annotations

import logging
from http import HTTPStatus
from urllib.parse import quote, urlsplit

from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from server.errors import InvalidInput, LianxinError, localize
from server.i18n_text import N_
from server.web.i18n import gettext_for, locale_for
from server.web.links import safe_next
from server.web.render import is_htmx, render

log = logging.getLogger("lianxin")

TITLES = {
    400: N_("Bad request"),
    401: N_("Please sign in"),
    403: N_("Not allowed"),
    404: N_("Page not found"),
    405: N_("Not allowed here"),
    409: N_("Changed in the meantime"),
    413: N_("Too large"),
    422: N_("Please check what you entered"),
    500: N_("Something went wrong"),
    503: N_("Not available just now"),
}
MESSAGES = {
    400: N_("The request could not be understood."),
    401: N_("Please sign in first."),
    403: N_("You may not open this page."),
    404: N_("There is nothing at this address. It may have moved, or the link may be mistyped."),
    405: N_("This address does not accept that kind of request."),
    413: N_("What you sent is too large."),
    422: N_("Some of what you sent is not valid."),
    500: N_("Something went wrong on our side; nothing you sent was lost. Please try again."),
}


def _login_redirect(request: Request) -> Response:
    if is_htmx(request):
        # The page the person is on, not the fragment's URL, is where they want to come back to.
        current = urlsplit(request.headers.get("hx-current-url", ""))
        here = current.path + (f"?{current.query}" if current.query else "")
    elif request.method in ("GET", "HEAD"):
        here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    else:
        here = urlsplit(request.headers.get("referer", "")).path
    target = "/login"
    here = safe_next(here, default="")
    if here and here != "/login":
        target += "?next=" + quote(here, safe="/")
    if is_htmx(request):
        return Response(status_code=401, headers={"HX-Redirect": target})
    return RedirectResponse(target, status_code=303)


def _too_large(request: Request) -> str:
    """Which limit a form's files went over, and what to do (the body was refused unread, so
    nothing was saved; the browser still holds what was typed)."""
    settings = request.app.state.settings
    mb = 1024 * 1024
    return gettext_for(locale_for(request))(TOO_LARGE) % {
        "file": settings.max_upload_bytes // mb, "total": settings.max_request_upload_bytes // mb,
    }


TOO_LARGE = N_(
    "What you sent is larger than one request can carry: files up to %(file)s MB each and %(total)s MB "
    "together. Nothing was saved. Go back (your browser keeps what you typed), choose fewer or smaller "
    "files, and send it again."
)


def _status_and_message(request: Request, exc: Exception) -> tuple[int, str, list[str]]:
    gettext = gettext_for(locale_for(request))
    if isinstance(exc, LianxinError):
        details = []
        if isinstance(exc, InvalidInput):
            details = [localize(message, gettext) for message in exc.errors.values()]
        return exc.status_code, exc.localized(gettext), details
    if isinstance(exc, RequestValidationError):
        return 422, gettext(MESSAGES[422]), []
    if isinstance(exc, StarletteHTTPException):
        status = exc.status_code
        return status, gettext(MESSAGES.get(status, MESSAGES[400] if status < 500 else MESSAGES[500])), []
    log.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return 500, gettext(MESSAGES[500]), []


async def page_error(request: Request, exc: Exception) -> Response:
    status, message, details = _status_and_message(request, exc)
    if status == 401:
        return _login_redirect(request)
    if status == 413:
        message = _too_large(request)
    title = TITLES.get(status) or HTTPStatus(status).phrase
    context = {"status": status, "title": title, "message": message, "details": details}
    headers = dict(getattr(exc, "headers", None) or {})
    if is_htmx(request):
        headers.update({"HX-Retarget": "#alerts", "HX-Reswap": "innerHTML"})
        response = render(request, "errors/error.html", context, block="alert", status_code=status, headers=headers)
    else:
        response = render(request, "errors/error.html", context, status_code=status, headers=headers)
    return response
