"""The department desk 部门工作台 (staff and leads): the department's queue with one-click
claim, my tasks, and for a lead the team's tasks with assignment.

Live parts: ``GET /desk?part=<block>`` with HX-Request renders one block of the page (the
queue polls itself this way); without JavaScript the same URL is the whole page, and every
action is a plain form that posts and redirects back.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Path, Query, Request
from sqlalchemy.orm import Session
from starlette.responses import Response

from server.db import Database
from server.enums import Action, RequestStatus, Role
from server.errors import Msg
from server.http.session import page_person_in, resolved_in_its_unit_of_work
from server.i18n_text import N_
from server.metrics.pages import strip as figures_strip
from server.models import Person, utcnow
from server.requests import service as request_service
from server.requests import worklists
from server.requests.pages import freshness, worklist
from server.requests.pages.worklist_page import SectionQuery, Shown, WorkListPage, window
from server.web.deps import DatabaseDep, require_roles, with_roles
from server.web.i18n import locale_for
from server.web.render import is_htmx, render

router = APIRouter()

DESK_ROLES = (Role.staff, Role.lead)
DeskPerson = Annotated[Person, Depends(require_roles(*DESK_ROLES))]

SORT_LABELS = {
    "due": N_("Claim due soonest"),
    "oldest": N_("Oldest first"),
    "overdue": N_("Overdue first"),
}
PAGE = WorkListPage(
    path="/desk",
    template="desk/desk.html",
    sections=("queue", "tasks", "team"),
    # The actions a row of the desk takes in place; the others (complete, return, suspend, ...)
    # need notes or files and live on the request page.
    actions=frozenset({Action.claim, Action.assign, Action.release, Action.resume}),
    done={
        Action.claim: N_("You claimed {number}: it is under My tasks."),
        Action.assign: N_("{number} is assigned."),
        Action.release: N_("Released {number}: it is back in the department queue, waiting to be claimed."),
        Action.resume: N_("{number} is resumed."),
        Action.return_: N_("{number} is returned to the dispatchers."),
    },
    keeps_rows=True,  # a desk is fetched again and again: its rendered rows are kept (row_cache)
)
# What a row says after an action taken in it with htmx. The row shows its number already,
# so none of these repeats it.
IN_ROW = {
    Action.claim: N_("Claimed: it is now under My tasks."),
    Action.assign: N_("Assigned to {name}."),
    Action.release: N_("Released: the request is back in the {department} queue, waiting to be claimed."),
    Action.resume: N_("Resumed."),
}
HELD = frozenset({RequestStatus.claimed, RequestStatus.suspended})


def belongs(section: str, row: worklist.Row, person: Person) -> bool:
    """Does the request, as it is now, still belong in ``section`` of this person's desk?
    A row that left its list (claimed or assigned out of the queue, released from my tasks)
    is replaced by what happened, not left standing in a list it is no longer in."""
    summary = row.summary
    if section == "queue":
        return summary.status == RequestStatus.dispatched
    held = summary.status in HELD
    if section == "tasks":
        return held and summary.assignee is not None and summary.assignee.username == person.username
    return held


def in_row_message(action: Action, row: worklist.Row | None) -> Msg:
    summary = row.summary if row is not None else None
    return Msg(
        IN_ROW[action],
        name=summary.assignee.name if summary and summary.assignee else "",
        department=summary.department.name if summary and summary.department else "",
    )


def _queries(session: Session, person: Person, sort: str) -> dict[str, SectionQuery]:
    return {
        "queue": lambda after, state=False, limit=None: worklists.department_queue(
            session, person, sort=sort, cursor=after, state=state, limit=limit),
        "tasks": lambda after, state=False, limit=None: worklists.my_tasks(
            session, person, cursor=after, state=state, limit=limit),
        "team": lambda after, state=False, limit=None: worklists.department_tasks(
            session, person, cursor=after, state=state, limit=limit),
    }


def _needs_staff(person: Person, sections: set[str]) -> bool:
    # Only a lead assigns, and only on queue and team rows.
    return person.has_role(Role.lead) and bool(sections & {"queue", "team"})


def _state_tag(request: Request, session: Session, person: Person, *, sections: set[str], sort: str,
               cursors: dict[str, str | None], limit: int | None = None) -> str:
    """The ETag of the asked-for block: its rows' state and, for a lead, the assign choices
    (each colleague's load shows in them)."""
    staff = _staff_choices(session, person) if _needs_staff(person, sections) else []
    return PAGE.state_tag(request, session, person, _queries(session, person, sort), sections, cursors,
                          extra=tuple((s.username, s.name, s.load) for s in staff), limit=limit)


def _load(database: Database, person: Person, locale: str, *, sections: set[str], sort: str,
          cursors: dict[str, str | None]) -> dict:
    """Everything the asked-for sections show, in one read and a fixed number of queries."""
    with database.read() as session:
        return _load_in(session, person, locale, sections=sections, sort=sort, cursors=cursors)


def _load_in(session: Session, person: Person, locale: str, *, sections: set[str], sort: str,
             cursors: dict[str, str | None], limit: int | None = None) -> dict:
    is_lead = person.has_role(Role.lead)
    queries = _queries(session, person, sort)
    staff = _staff_choices(session, person) if _needs_staff(person, sections) else []
    # A lead's rows show the assign choices (each colleague's load): part of their key.
    loaded = PAGE.load(session, person, queries, sections, cursors, locale, keep={"sort": sort},
                       shown=tuple((s.username, s.name, s.load) for s in staff), limit=limit)
    department = worklist.department_name(session, person, locale)
    return {
        "sort": sort,
        "sort_links": [(f"/desk?{urlencode({'sort': key})}", label, key == sort) for key, label in SORT_LABELS.items()],
        "is_lead": is_lead,
        "department": department,
        "staff": staff,
        **loaded,
    }


def _staff_choices(session, person: Person) -> list[worklist.StaffChoice]:
    return worklist.staff_choices(session, person.department_id)


def _sort(value: str | None) -> str:
    return value if value in worklists.QUEUE_SORTS else worklists.QUEUE_SORTS[0]


def _all_sections(person: Person) -> set[str]:
    # The team's list is a lead's; asking for it without the role is refused by the query.
    return set(PAGE.sections) if person.has_role(Role.lead) else {"queue", "tasks"}


Cursor = Annotated[str | None, Query(max_length=200)]


@router.get("/desk")
# The desk and its 15-second poll check who asks in their own read, with the rows: a read
# transaction and a thread hop fewer per page (server.http.session).
@resolved_in_its_unit_of_work("GET", "/desk")
def desk(
    request: Request,
    database: DatabaseDep,
    sort: Annotated[str | None, Query(max_length=10)] = None,
    part: Annotated[str | None, Query(max_length=20)] = None,
    queue_after: Cursor = None,
    tasks_after: Cursor = None,
    team_after: Cursor = None,
    shown: Shown = None,
    done: Annotated[str | None, Query(max_length=30)] = None,
    n: Annotated[str | None, Query(max_length=24)] = None,
) -> Response:
    sort = _sort(sort)
    cursors = {"queue": queue_after, "tasks": tasks_after, "team": team_after}
    block = PAGE.block(request, part)
    limit = window(block, shown)
    tag = None
    with database.read() as session:
        person = with_roles(page_person_in(request, session), *DESK_ROLES)
        sections = PAGE.wanted(block, _all_sections(person))
        if block is not None:
            # The live parts (the queue's 15-second poll): unchanged since the copy the browser
            # holds, they cost a few small queries and no rendering. The tag is read in the same
            # snapshot as the rows, so what is sent is what its tag says.
            tag = _state_tag(request, session, person, sections=sections, sort=sort, cursors=cursors, limit=limit)
            if freshness.matches(request, tag):
                return freshness.not_modified(tag)
        context = _load_in(session, person, locale_for(request), sections=sections, sort=sort, cursors=cursors,
                           limit=limit)
    if block is None:  # a lead's department figures head the whole page (not its live parts)
        context["figures_strip"] = figures_strip.for_person(database, person, locale_for(request), utcnow())
    return PAGE.show(request, context, block=block, done=done, n=n, tag=tag)


@router.post("/desk/requests/{number}/{action}")
def desk_action(
    request: Request,
    number: Annotated[str, Path(max_length=24)],
    action: Annotated[str, Path(max_length=30)],
    person: DeskPerson,
    database: DatabaseDep,
    version: Annotated[str, Form(max_length=12)] = "",
    assignee: Annotated[str, Form(max_length=64)] = "",
    section: Annotated[str, Form(max_length=10)] = "queue",
    sort: Annotated[str, Form(max_length=10)] = "",
    note: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    chosen = PAGE.action(action)
    section = PAGE.section(section, default="queue")
    sort = _sort(sort)
    locale = locale_for(request)
    data = request_service.ActionInput(assignee=assignee.strip() or None, note=note)
    outcome = worklist.take(database, person, number, chosen, data, version=worklist.parse_version(version), locale=locale)
    if not is_htmx(request):
        return PAGE.answer_without_script(
            request, chosen, outcome,
            lambda: _load(database, person, locale, sections=_all_sections(person), sort=sort, cursors={}),
            sort=sort,
        )
    if outcome.error is None and outcome.row is not None and not belongs(section, outcome.row, person):
        # It left this list: say what happened in its place, and let every other list
        # (where it may now be) fetch itself again.
        headers = {"HX-Trigger": ", ".join(f"refresh-{s}" for s in PAGE.sections if s != section)}
        context = {"number": number, "message": in_row_message(chosen, outcome.row)}
        return render(request, "worklist/done.html", context, headers=headers)
    staff = []
    if person.has_role(Role.lead) and outcome.row is not None and "assign" in outcome.row.actions:
        with database.read() as session:
            staff = _staff_choices(session, person)
    context = {
        "section": section,
        "outcome": outcome,
        "message": in_row_message(chosen, outcome.row) if outcome.error is None else None,
        "sort": sort,
        "staff": staff,
        "values": {"note": note} if outcome.error is not None else {},
        "failed": chosen.value if outcome.error is not None else None,
    }
    headers = {}
    if outcome.error is None:
        # The row stays where it is, showing its new state; the other lists catch up.
        headers["HX-Trigger"] = ", ".join(f"refresh-{s}" for s in PAGE.sections if s != section)
    return render(request, "desk/row.html", context, status_code=outcome.status_code, headers=headers)
