"""Sign in, sign out, the language switch and the home page."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from starlette.responses import RedirectResponse, Response

from server.accounts.pages.account import landing_after_sign_in
from server.errors import Msg, NotAuthenticated
from server.http import device
from server.http.session import (
    clear_session_cookie,
    session_secret,
    set_session_cookie,
    sign_in,
    sign_out,
)
from server.i18n_locale import normalize_locale
from server.i18n_text import LOCALES
from server.web import home as home_page
from server.web.deps import DatabaseDep, PagePerson
from server.web.i18n import LANG_COOKIE, locale_for
from server.web.links import safe_next
from server.web.render import render

router = APIRouter()

LANG_COOKIE_MAX_AGE = 365 * 24 * 3600


@router.get("/")
def home(request: Request, person: PagePerson, database: DatabaseDep) -> Response:
    target = home_page.landing(person)
    if target is not None:
        return RedirectResponse(target, status_code=303)
    return render(request, "home.html", {"home": home_page.gather(database, person, locale_for(request))})


def _login_context(request: Request, *, username: str, next: str, error: Msg | None) -> dict:
    """The form, and what a newcomer needs before signing in: what this is, who runs it and
    how to get a password (installation settings; each line is left out when it is empty)."""
    settings = request.app.state.settings
    return {
        "username": username, "next": safe_next(next), "error": error,
        "site_about": settings.site_about.strip(), "site_password_help": settings.site_password_help.strip(),
    }


@router.get("/login")
def login_form(request: Request, next: str = "/") -> Response:
    if getattr(request.state, "person", None) is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    return render(request, "login.html", _login_context(request, username="", next=next, error=None))


@router.post("/login")
def login(
    request: Request,
    database: DatabaseDep,
    username: Annotated[str, Form(max_length=200)] = "",
    password: Annotated[str, Form(max_length=1000)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/",
) -> Response:
    try:
        secret = sign_in(database, request, username, password, session_secret(request),
                         trusted_device=device.is_trusted(request, username))
    except NotAuthenticated as exc:
        context = _login_context(request, username=username, next=next, error=Msg(exc.message, **exc.params))
        return render(request, "login.html", context, status_code=exc.status_code)
    response = RedirectResponse(landing_after_sign_in(database, secret, safe_next(next)), status_code=303)
    set_session_cookie(request, response, secret)
    device.remember(request, response, username)
    return response


@router.post("/logout")
def logout(request: Request, database: DatabaseDep) -> Response:
    sign_out(database, request, session_secret(request))
    response = RedirectResponse("/login", status_code=303)
    clear_session_cookie(request, response)
    return response


@router.get("/lang/{locale}")
def switch_language(request: Request, locale: str, next: str = "/") -> Response:
    """A plain link, so the switcher works without script. Only a cookie changes (nothing on
    the server), so a forged link can do no more than change the language."""
    response = RedirectResponse(safe_next(next), status_code=303)
    chosen = normalize_locale(locale)
    if chosen in LOCALES:
        settings = request.app.state.settings
        response.set_cookie(LANG_COOKIE, chosen, max_age=LANG_COOKIE_MAX_AGE, path="/", samesite="lax",
                            secure=settings.cookie_secure)
    return response
