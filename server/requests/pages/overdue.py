"""The overdue list 超期督办 (``/supervision/overdue``): requests overdue to claim and overdue to
complete, the longest overdue first, with their holder and urges; a supervisor ticks some,
writes one note and urges them all (催办) in one post.

Supervisors and admins see every department's, a lead their own (``supervision.overdue_list``);
only supervisors may urge (the workflow table), so only they get the checkboxes. The urge form
carries a one-time key minted per rendering (an idempotency key, ``submission.claim_key``): a
double click or a reload of the answer sends the same key again and urges nothing twice. The
answer is the list itself, with what happened above it.
"""

from __future__ import annotations

import uuid
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from starlette.responses import Response

from server.enums import Role
from server.errors import Conflict, Forbidden, InvalidInput, LianxinError, Msg
from server.i18n_text import N_
from server.models import Person
from server.requests import refusals, supervision
from server.web.deps import DatabaseDep, require_roles
from server.web.formdata import FormDep, text
from server.web.i18n import locale_for
from server.web.links import finder_export_url, finder_url
from server.web.render import render

router = APIRouter()

OverduePerson = Annotated[Person, Depends(require_roles(Role.supervisor, Role.admin, Role.lead))]

TABS = {"claim": N_("Overdue to claim"), "complete": N_("Overdue to complete")}
MAX_NUMBERS = supervision.MAX_URGE


def _kind(value: str | None) -> str:
    return value if value in supervision.OVERDUE_KINDS else "claim"


def _context(database, person: Person, locale: str, kind: str, cursor: str | None) -> dict:
    with database.read() as session:
        page = supervision.overdue_list(session, person, kind, cursor=cursor)
        items = supervision.overdue_items(session, page.rows, kind, locale)
        counts = supervision.overdue_counts(session, person)
    more = "/supervision/overdue?" + urlencode({"kind": kind, "cursor": page.next_cursor}) if page.next_cursor else None
    return {
        "kind": kind,
        # The same requests in the finder (its visibility rules: a lead's department), and exported.
        "finder_href": finder_url(overdue=kind),
        "exports": [("CSV", finder_export_url("csv", overdue=kind)), ("Excel", finder_export_url("xlsx", overdue=kind))],
        "tabs": [(key, label, counts[key], key == kind) for key, label in TABS.items()],
        "items": items,
        "more_url": more,
        "after": cursor,
        "may_urge": person.has_role(Role.supervisor),
        "form_key": uuid.uuid4().hex,  # a fresh one-time key for each rendered form
        "note": "",
        "chosen": set(),
        "errors": {},
        "result": None,
        "failures": [],
        "problem": None,
    }


def _failure(number: str, exc: LianxinError) -> tuple[str, str | None, Msg]:
    """(number, the state it is in now when that is why, the reason otherwise)."""
    if isinstance(exc, Conflict) and exc.extra.get("current_status"):
        return number, exc.extra["current_status"], Msg(exc.message, **exc.params)
    if isinstance(exc, Forbidden):
        return number, None, Msg(refusals.NOT_ALLOWED)
    return number, None, Msg(exc.message, **exc.params)


@router.get("/supervision/overdue")
def overdue_page(
    request: Request,
    person: OverduePerson,
    database: DatabaseDep,
    kind: Annotated[str | None, Query(max_length=10)] = None,
    cursor: Annotated[str | None, Query(max_length=400)] = None,
) -> Response:
    context = _context(database, person, locale_for(request), _kind(kind), cursor)
    return render(request, "supervision/overdue.html", context)


@router.post("/supervision/overdue/urge")
def urge(request: Request, person: OverduePerson, database: DatabaseDep, form: FormDep) -> Response:
    kind = _kind(text(form, "kind", 10))
    numbers = [n[:24] for n in form.getlist("number")[:MAX_NUMBERS + 1] if isinstance(n, str)]
    note = text(form, "note", 5000)
    form_key = text(form, "form_key", 200).strip()
    result = problem = None
    errors: dict = {}
    try:
        result = database.run(lambda session: supervision.urge_many(session, person, numbers, note, form_key=form_key))
    except InvalidInput as exc:
        problem, errors = Msg(exc.message, **exc.params), exc.errors
    context = _context(database, person, locale_for(request), kind, None)
    if problem is not None:
        # Keep what was typed and ticked; the same form key, since nothing was done with it.
        context.update(problem=problem, errors=errors, note=note, chosen=set(numbers), form_key=form_key or context["form_key"])
    else:
        context["result"] = result
        context["failures"] = [_failure(number, exc) for number, exc in result.failed]
    return render(request, "supervision/overdue.html", context, status_code=422 if problem is not None else 200)
