"""/account/password: change one's own password; the only page open to someone whose
password an admin reset, until they have chosen a new one."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from starlette.responses import RedirectResponse, Response

from server import security_log
from server.accounts import service as account_service
from server.accounts.password_change import change_own_password, must_change
from server.db import Database
from server.errors import InvalidInput
from server.http.password_guard import CHANGE_PATH
from server.http.session import client_address, session_secret
from server.models import Person
from server.web.deps import DatabaseDep, PagePerson
from server.web.links import safe_next
from server.web.render import render

router = APIRouter()


def landing_after_sign_in(database: Database, secret: str, next_path: str) -> str:
    """Where sign-in sends the browser: the change page first when the password must change."""
    with database.read() as session:
        found = account_service.resolve_token(session, secret, kind="session")
        if found is not None and must_change(session, found[0].id):
            return f"{CHANGE_PATH}?next=" + quote(next_path, safe="/")
    return next_path


@router.get(CHANGE_PATH)
def password_form(request: Request, person: PagePerson, next: str = "/") -> Response:
    return render(request, "account/password.html", {"errors": {}, "next": safe_next(next), "forced": person.must_change_password})


@router.post(CHANGE_PATH)
def change_password(
    request: Request,
    person: PagePerson,
    database: DatabaseDep,
    current_password: Annotated[str, Form(max_length=1000)] = "",
    new_password: Annotated[str, Form(max_length=1000)] = "",
    repeat_password: Annotated[str, Form(max_length=1000)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/",
) -> Response:
    try:
        with database.write() as session:
            found = account_service.resolve_token(session, (session_secret(request) or ""), kind="session")
            me = session.get(Person, person.id)
            change_own_password(session, me, current=current_password, new=new_password, repeat=repeat_password,
                                keep_token_id=found[1].id if found else None)
    except InvalidInput as exc:
        context = {"errors": exc.errors, "next": safe_next(next), "forced": person.must_change_password}
        return render(request, "account/password.html", context, status_code=422)
    security_log.record(security_log.PASSWORD_CHANGED, user=person.username, address=client_address(request))
    return RedirectResponse(safe_next(next), status_code=303)
