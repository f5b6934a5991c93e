"""The dispatch board 派单台 (dispatchers): requests no routing rule placed and those sent back
by a department, to dispatch or reject; and dispatched requests nobody has claimed yet, to
transfer. Each row's forms post and redirect without script; with htmx a row that succeeded
is swapped for a one-line confirmation, one that failed shows why in place.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Path, Query, Request
from starlette.responses import RedirectResponse, Response

from server.db import Database
from server.enums import Action, Role
from server.errors import Msg, NotFound
from server.i18n_text import N_
from server.models import Person
from server.requests import service as request_service
from server.requests import worklists
from server.requests.pages import worklist
from server.web.deps import DatabaseDep, require_roles
from server.web.i18n import locale_for
from server.web.render import is_htmx, render

router = APIRouter()

DispatcherPerson = Annotated[Person, Depends(require_roles(Role.dispatcher))]

BOARD_ACTIONS = frozenset({Action.dispatch, Action.reject, Action.transfer})
SECTIONS = ("returned", "new", "dispatched")
PARTS = frozenset(SECTIONS) | {f"{s}_rows" for s in SECTIONS}
DONE = {
    Action.dispatch: N_("{number} is dispatched."),
    Action.reject: N_("{number} is rejected."),
    Action.transfer: N_("{number} is transferred."),
}
Cursor = Annotated[str | None, Query(max_length=200)]


def _load(database: Database, person: Person, locale: str, *, sections: set[str], cursors: dict[str, str | None]) -> dict:
    """The asked-for sections, the department choices and names: one read, fixed queries."""
    with database.read() as session:
        pages = {
            "returned": lambda: worklists.awaiting_dispatch(session, person, returned=True, cursor=cursors["returned"]),
            "new": lambda: worklists.awaiting_dispatch(session, person, returned=False, cursor=cursors["new"]),
            "dispatched": lambda: worklists.dispatched_unclaimed(session, person, cursor=cursors["dispatched"]),
        }
        wanted = [name for name in SECTIONS if name in sections]
        loaded = worklist.sections(session, person, [pages[name]() for name in wanted], locale, with_returns=True)
        choices = worklist.department_choices(session, locale)
        names = worklist.department_names(session, locale)
    return {
        **dict(zip(wanted, loaded, strict=True)),
        "departments": choices,
        "department_names": names,
        "cursors": cursors,
    }


@router.get("/dispatch")
def board(
    request: Request,
    person: DispatcherPerson,
    database: DatabaseDep,
    part: Annotated[str | None, Query(max_length=20)] = None,
    returned_after: Cursor = None,
    new_after: Cursor = None,
    dispatched_after: Cursor = None,
    done: Annotated[str | None, Query(max_length=30)] = None,
    n: Annotated[str | None, Query(max_length=24)] = None,
) -> Response:
    cursors = {"returned": returned_after, "new": new_after, "dispatched": dispatched_after}
    block = part if is_htmx(request) and part in PARTS else None
    sections = {block.removesuffix("_rows")} if block else set(SECTIONS)
    context = _load(database, person, locale_for(request), sections=sections, cursors=cursors)
    context["done"] = worklist.confirmation(DONE, done, n)
    return render(request, "dispatch/board.html", context, block=block)


@router.post("/dispatch/requests/{number}/{action}")
def board_action(
    request: Request,
    number: Annotated[str, Path(max_length=24)],
    action: Annotated[str, Path(max_length=30)],
    person: DispatcherPerson,
    database: DatabaseDep,
    version: Annotated[str, Form(max_length=12)] = "",
    department: Annotated[str, Form(max_length=40)] = "",
    note: Annotated[str, Form(max_length=2000)] = "",
    section: Annotated[str, Form(max_length=12)] = "new",
) -> Response:
    chosen = _board_action(action)
    section = section if section in SECTIONS else "new"
    locale = locale_for(request)
    data = request_service.ActionInput(note=note, department_code=department.strip() or None)
    outcome = worklist.take(database, person, number, chosen, data, version=worklist.parse_version(version),
                            locale=locale, with_returns=True)
    if not is_htmx(request):
        if outcome.error is None:
            return RedirectResponse(f"/dispatch?{worklist.confirmation_query(chosen, number)}", status_code=303)
        context = _load(database, person, locale, sections=set(SECTIONS), cursors=dict.fromkeys(SECTIONS))
        context["failure"] = outcome
        return render(request, "dispatch/board.html", context, status_code=outcome.status_code)
    if outcome.error is None:
        headers = {"HX-Trigger": "refresh-dispatched"} if chosen == Action.dispatch else {}
        context = {"number": number, "message": Msg(DONE[chosen], number=number)}
        return render(request, "dispatch/done.html", context, headers=headers)
    with database.read() as session:
        departments = worklist.department_choices(session, locale)
        names = worklist.department_names(session, locale)
    context = {
        "section": section,
        "outcome": outcome,
        "failed": chosen.value,
        "values": {"department": department, "note": note},
        "departments": departments,
        "department_names": names,
    }
    return render(request, "dispatch/row.html", context, status_code=outcome.status_code)


def _board_action(value: str) -> Action:
    try:
        action = Action(value)
    except ValueError:
        action = None
    if action not in BOARD_ACTIONS:
        raise NotFound("There is no action called {action}.", {"action": value})
    return action
