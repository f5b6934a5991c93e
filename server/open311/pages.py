"""/admin/open311-keys: issue an Open311 API key for an account (shown once), list the
keys, revoke one. Every change is audited by ``server.open311.keys``."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import RedirectResponse

from server.admin.common import SAVED, AdminPerson, render_admin
from server.errors import InvalidInput
from server.open311 import keys
from server.open311 import repository as repo
from server.web.deps import DatabaseDep
from server.web.formdata import FormDep, text, values

router = APIRouter()
SECTION = "/admin/open311-keys"


def _page(request: Request, database, *, issued=None, form_values=None, errors=None, notice=None, status_code=200):
    with database.read() as session:
        rows = repo.keys_with_people(session)
    context = {"rows": rows, "issued": issued, "values": form_values or {}, "errors": errors or {}, "notice": notice}
    response = render_admin(request, "admin/open311_keys.html", context, section=SECTION, status_code=status_code)
    if issued is not None:
        # The key is on this page once: no cache, no back button bringing it back.
        response.headers["Cache-Control"] = "no-store"
    return response


@router.get("/admin/open311-keys")
def key_list(request: Request, person: AdminPerson, database: DatabaseDep, saved: bool = False):
    return _page(request, database, notice=SAVED if saved else None)


@router.post("/admin/open311-keys")
def issue_key(request: Request, person: AdminPerson, database: DatabaseDep, form: FormDep):
    try:
        username, label = text(form, "username", 64), text(form, "label", keys.MAX_LABEL)
        with database.write() as session:
            issued = keys.issue(session, person, username, label=label)
            username = session.get_one(type(person), issued.row.person_id).username
    except InvalidInput as exc:
        return _page(request, database, form_values=values(form), errors=exc.errors, status_code=422)
    return _page(request, database, issued={"key": issued.key, "username": username, "prefix": issued.row.prefix})


@router.post("/admin/open311-keys/{key_id:id}/revoke")
def revoke_key(request: Request, person: AdminPerson, database: DatabaseDep, key_id: int):
    with database.write() as session:
        keys.revoke(session, person, keys.get(session, key_id))
    return RedirectResponse(f"{SECTION}?saved=1", status_code=303)
