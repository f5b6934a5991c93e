"""The one way to render a page, or one named block of it for htmx.

A page template defines named blocks; an htmx request asks for just the block it swaps, so a
page and its live parts live in one file (jinja2-fragments' ``render_block``)."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from functools import cache
from typing import Any

from jinja2 import Environment
from jinja2_fragments import render_block
from markupsafe import escape
from starlette.requests import Request
from starlette.responses import HTMLResponse

from server import resources
from server.enums import OPEN_STATUSES, UNCLAIMED_STATUSES
from server.http import csrf
from server.web.i18n import environment, locale_for
from server.web.labels import FLAG_LABELS, ROLE_LABELS, ROLE_ORDER, STATUS_LABELS
from server.web.nav import nav_entries

STATIC_DIR = resources.STATIC_DIR
static_url = resources.static_url

# Stands for the reader's CSRF token in HTML kept across requests and readers (the work lists'
# rendered rows, server.requests.pages.row_cache): a page rendered with ``csrf_token`` set to
# it gets the reader's own token in its place, with one replace. Random per process, so no
# text anyone typed into a page can contain it. Session tokens are URL-safe (token_urlsafe),
# so the token reads the same escaped in an attribute or in JSON as the slot did.
CSRF_SLOT = f"csrf-{secrets.token_hex(16)}"


def is_htmx(request: Request) -> bool:
    """True for htmx's own requests (not for boosted links, which want whole pages)."""
    return request.headers.get("hx-request") == "true" and request.headers.get("hx-boosted") != "true"


def base_context(request: Request) -> dict[str, Any]:
    """What every page may use: who is signed in, the language, the CSRF token and the links
    this person may follow. (Label tables and ``static()`` are environment globals.)"""
    person = getattr(request.state, "person", None)
    locale = locale_for(request)
    path = request.url.path
    return {
        "request": request,
        "person": person,
        "locale": locale,
        "current_path": path,
        "current_url": path + (f"?{request.url.query}" if request.url.query else ""),
        "csrf_token": csrf.token_for(request),
        "nav": nav_entries(person, path),
        "person_roles": [r for r in ROLE_ORDER if person is not None and r in person.roles],
        "site_name": request.app.state.settings.site_name.strip(),
        # Read with the session (server/accounts/service.py resolve_session): no query here.
        "unread_notifications": getattr(request.state, "unread_notifications", 0),
    }


@cache
def page_environment(locale: str) -> Environment:
    """The locale's environment plus what macros need without a request's context."""
    env = environment(locale)
    env.globals.update(
        static=static_url, role_labels=ROLE_LABELS, status_labels=STATUS_LABELS, flag_labels=FLAG_LABELS,
        open_statuses=OPEN_STATUSES, unclaimed_statuses=UNCLAIMED_STATUSES,
    )
    return env


def render(
    request: Request,
    template: str,
    context: Mapping[str, Any] | None = None,
    *,
    block: str | None = None,
    status_code: int = 200,
    headers: Mapping[str, str] | None = None,
) -> HTMLResponse:
    """Render ``template`` (or only its ``block``) in the reader's language."""
    env = page_environment(locale_for(request))
    base = base_context(request)
    values = {**base, **(context or {})}
    if block:
        html = render_block(env, template, block, values)
    else:
        html = env.get_template(template).render(values)
    if values["csrf_token"] == CSRF_SLOT:
        html = html.replace(CSRF_SLOT, str(escape(base["csrf_token"])))
    response = HTMLResponse(html, status_code=status_code, headers=dict(headers or {}))
    # The same URL answers with a page or a block depending on HX-Request.
    response.headers.setdefault("Vary", "HX-Request, Cookie")
    if values["person"] is not None:
        # Personal pages must not be kept by the browser or a proxy (back button after sign-out).
        response.headers.setdefault("Cache-Control", "no-store")
    csrf.attach_cookie(request, response)
    return response
