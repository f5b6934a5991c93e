"""The dispatch board 派单台 (dispatchers): requests no routing rule placed and those sent back
by a department, to dispatch or reject; and dispatched requests nobody has claimed yet, to
transfer. Each row's forms post and redirect without script; with htmx a row that succeeded
is swapped for a one-line confirmation, one that failed shows why in place.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Path, Query, Request
from sqlalchemy.orm import Session
from starlette.responses import Response

from server.db import Database
from server.enums import Action, Role
from server.errors import Msg
from server.i18n_text import N_
from server.models import Person
from server.requests import service as request_service
from server.requests import worklists
from server.requests.pages import freshness, worklist
from server.requests.pages.worklist_page import SectionQuery, Shown, WorkListPage, window
from server.web.deps import DatabaseDep, require_roles
from server.web.i18n import locale_for
from server.web.render import is_htmx, render

router = APIRouter()

DispatcherPerson = Annotated[Person, Depends(require_roles(Role.dispatcher))]

PAGE = WorkListPage(
    path="/dispatch",
    template="dispatch/board.html",
    sections=("returned", "new", "dispatched"),
    actions=frozenset({Action.dispatch, Action.reject, Action.transfer}),
    done={
        Action.dispatch: N_("{number} is dispatched."),
        Action.reject: N_("Rejected {number}: the requester will see the reason."),
        Action.transfer: N_("{number} is transferred."),
    },
    with_returns=True,
)
# In place of a row that left the board (the row's number is shown beside it, so not again).
IN_ROW = {
    Action.dispatch: N_("Dispatched to {department}."),
    Action.reject: N_("Rejected: the requester will see the reason."),
    Action.transfer: N_("Transferred to {department}."),
}
Cursor = Annotated[str | None, Query(max_length=200)]


def _load(database: Database, person: Person, locale: str, *, sections: set[str], cursors: dict[str, str | None],
          limit: int | None = None) -> dict:
    """The asked-for sections, the department choices and names: one read, fixed queries."""
    with database.read() as session:
        queries = _queries(session, person)
        return {**PAGE.load(session, person, queries, sections, cursors, locale, limit=limit),
                **_departments(session, locale)}


def _queries(session: Session, person: Person) -> dict[str, SectionQuery]:
    return {
        "returned": lambda after, state=False, limit=None: worklists.awaiting_dispatch(
            session, person, returned=True, cursor=after, state=state, limit=limit),
        "new": lambda after, state=False, limit=None: worklists.awaiting_dispatch(
            session, person, returned=False, cursor=after, state=state, limit=limit),
        "dispatched": lambda after, state=False, limit=None: worklists.dispatched_unclaimed(
            session, person, cursor=after, state=state, limit=limit),
    }


def _departments(session: Session, locale: str) -> dict:
    """What the rows' forms offer and the return notes name."""
    return {
        "departments": worklist.department_choices(session, locale),
        "department_names": worklist.department_names(session, locale),
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
    shown: Shown = None,
    done: Annotated[str | None, Query(max_length=30)] = None,
    n: Annotated[str | None, Query(max_length=24)] = None,
) -> Response:
    cursors = {"returned": returned_after, "new": new_after, "dispatched": dispatched_after}
    block = PAGE.block(request, part)
    limit = window(block, shown)
    sections = PAGE.wanted(block)
    tag = None
    if block is not None:  # a list fetching itself again: 304 while unchanged (as the desk's)
        with database.read() as session:
            tag = PAGE.state_tag(request, session, person, _queries(session, person), sections, cursors, limit=limit)
        if freshness.matches(request, tag):
            return freshness.not_modified(tag)
    context = _load(database, person, locale_for(request), sections=sections, cursors=cursors, limit=limit)
    return PAGE.show(request, context, block=block, done=done, n=n, tag=tag)


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
    chosen = PAGE.action(action)
    section = PAGE.section(section, default="new")
    locale = locale_for(request)
    data = request_service.ActionInput(note=note, department_code=department.strip() or None)
    outcome = worklist.take(database, person, number, chosen, data, version=worklist.parse_version(version),
                            locale=locale, with_returns=PAGE.with_returns)
    if not is_htmx(request):
        return PAGE.answer_without_script(
            request, chosen, outcome, lambda: _load(database, person, locale, sections=set(PAGE.sections), cursors={}),
        )
    if outcome.error is None:
        headers = {"HX-Trigger": "refresh-dispatched"} if chosen == Action.dispatch else {}
        summary = outcome.row.summary if outcome.row is not None else None
        department = summary.department.name if summary and summary.department else ""
        context = {"number": number, "message": Msg(IN_ROW[chosen], department=department)}
        return render(request, "worklist/done.html", context, headers=headers)
    with database.read() as session:
        departments = _departments(session, locale)
    context = {
        "section": section,
        "outcome": outcome,
        "failed": chosen.value,
        "values": {"department": department, "note": note},
        **departments,
    }
    return render(request, "dispatch/row.html", context, status_code=outcome.status_code)

