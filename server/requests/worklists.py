"""Queries for the work lists: the department desk (queue, my tasks, the team's tasks) and the
dispatch board. Each list is one indexed query with keyset pagination, whatever its length;
``server.requests.pages.desk`` and ``server.requests.pages.board`` show them.

Paging is ``server.paging``'s: a cursor of another list or order is refused (422).

Every list is scoped by the person asking: staff and leads only ever get their own
department's rows (a person without a department gets empty lists), the board's lists need
the dispatcher role, the team list the lead role.
"""

from __future__ import annotations

from collections import namedtuple
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache

from sqlalchemy import ColumnElement, Select, and_, bindparam, case, func, literal, select
from sqlalchemy.orm import Session, aliased

from server import paging, policy
from server.enums import Action, RequestStatus, Role
from server.models import Person, RequestEvent, ServiceRequest, utcnow
from server.models.base import UTCDateTime
from server.requests import due, messages

# A list's window: the desk and the board show this many rows of each list, and "Show more" the
# next as many (cursor paging). A desk of 2 × 50 rows cost ~35 ms of server CPU to render (before
# the desk kept its rendered rows, server.requests.pages.row_cache); the first screenful is what a
# person acts on, and each further window is one click (or, with htmx, appended in place).
PAGE_SIZE = 25
# Orders of the department queue; the first is the default.
QUEUE_SORTS = ("due", "oldest", "overdue")
IN_PROGRESS = (RequestStatus.claimed, RequestStatus.suspended)
# Stands in for a missing due time so that sorting and the keyset never meet a NULL.
_NEVER = datetime(9999, 12, 31, tzinfo=UTC)


Page = paging.Page
EMPTY = Page([], None)


_REQUESTER, _ASSIGNEE = aliased(Person), aliased(Person)
# A list's state (``state=True``): per row, what decides how it looks. Everything a row shows
# comes with a new version of the request, except its flag (a rule over these times and the
# clock) and the people's names; the catalogue's names have their own revision. The pages'
# ETags are built from this (server.requests.pages.freshness), so a poll of an unchanged
# list is answered without loading or rendering a single row.
# The requester's latest message (沟通留言) shows on a handled row without a new version of the
# request (a message is no transition): its id is part of the state, one index probe per row.
_LATEST_REPLY = (
    select(func.max(RequestEvent.id))
    .where(RequestEvent.request_id == ServiceRequest.id, RequestEvent.action == Action.message,
           RequestEvent.public.is_(True), messages.from_requester_side())
    .correlate(ServiceRequest)
    .scalar_subquery()
)
STATE = (
    ServiceRequest.id, ServiceRequest.version, ServiceRequest.status, ServiceRequest.submitted_at,
    ServiceRequest.claim_due_at, ServiceRequest.complete_due_at, _REQUESTER.display_name, _ASSIGNEE.display_name,
    _LATEST_REPLY,
)


# What a listed row is read with: what its summary shows (server.requests.presenters), its flag
# and the actions it offers need (server.policy.parties_of), its return count. Rows come as
# ``Listed`` named tuples of these columns (and the id of the requester's latest message, see
# requester_replies), not ORM objects: a desk of 50 rows spent a fifth of
# its time building, tracking and reading instances it never changes. A listed row has no other
# attribute (touching one is an AttributeError, not a query per row).
# The requester's and the assignee's names come joined (two primary-key probes a row), not from
# a query of the page's people: the summaries need no further query, and a row's name is part
# of the key its rendered HTML is kept under (server.requests.pages.row_cache).
LISTED = (
    ServiceRequest.id, ServiceRequest.number, ServiceRequest.status, ServiceRequest.version,
    ServiceRequest.service_id, ServiceRequest.department_id, ServiceRequest.assignee_id,
    ServiceRequest.requester_id, ServiceRequest.building_id, ServiceRequest.floor, ServiceRequest.room,
    ServiceRequest.submitted_at, ServiceRequest.claim_due_at, ServiceRequest.complete_due_at,
    ServiceRequest.urge_count, ServiceRequest.last_urged_at, ServiceRequest.return_count,
    _LATEST_REPLY.label("reply_id"),  # one index probe a row, instead of a grouped query a page
    _REQUESTER.username.label("requester_username"), _REQUESTER.display_name.label("requester_name"),
    _ASSIGNEE.username.label("assignee_username"), _ASSIGNEE.display_name.label("assignee_name"),
)
Listed = namedtuple("Listed", [column.key for column in LISTED])  # type: ignore[misc]


def _rows(state: bool = False) -> Select:
    """A list's LISTED columns, or with ``state`` the columns of STATE."""
    return (
        select(*(STATE if state else LISTED))
        .outerjoin(_REQUESTER, _REQUESTER.id == ServiceRequest.requester_id)
        .outerjoin(_ASSIGNEE, _ASSIGNEE.id == ServiceRequest.assignee_id)
    )


def _due(column) -> ColumnElement:
    return func.coalesce(column, literal(_NEVER, UTCDateTime()))


def _page(session: Session, stmt: Select, keys: list[paging.Key], name: str, cursor: str | None, limit: int | None,
          state: bool = False, params: dict | None = None) -> Page:
    page = paging.page(session, stmt, keys, name, cursor, limit or PAGE_SIZE,  # PAGE_SIZE read here: tests shorten it
                       width=len(STATE) if state else len(LISTED), params=params)
    return page if state else Page([Listed._make(row) for row in page.rows], page.next_cursor)


# The desk's lists are built once (per list, order and kind of row) with bind parameters for the
# person, the department and the time; a request gives only their values (paging.page's
# ``params``): building a list's statement and its cache key again at every request was a
# fifth of the desk's loading.
_PERSON, _DEPARTMENT, _NOW = bindparam("person_id"), bindparam("department_id"), bindparam("now")


@cache
def _desk_list(name: str, state: bool) -> tuple[Select, list[paging.Key]]:
    ident = paging.Key(ServiceRequest.id, "int")
    if name.startswith("queue:"):
        stmt = _rows(state).where(
            ServiceRequest.department_id == _DEPARTMENT, ServiceRequest.status == RequestStatus.dispatched,
        )
        claim_due = paging.Key(_due(ServiceRequest.claim_due_at), "dt")
        if name == "queue:oldest":
            return stmt, [ident]
        if name == "queue:due":
            return stmt, [claim_due, ident]
        late_first = case((due.overdue_clause(_NOW), 0), else_=1)
        return stmt, [paging.Key(late_first, "int"), claim_due, ident]
    held_by = ServiceRequest.assignee_id == _PERSON if name == "mine" else ServiceRequest.department_id == _DEPARTMENT
    stmt = _rows(state).where(held_by, ServiceRequest.status.in_(IN_PROGRESS))
    return stmt, [paging.Key(_due(ServiceRequest.complete_due_at), "dt"), ident]


def _desk_page(session: Session, person: Person, name: str, cursor: str | None, limit: int | None, state: bool,
               now: datetime | None = None) -> Page:
    stmt, keys = _desk_list(name, state)
    params = {"person_id": person.id, "department_id": person.department_id, "now": now or utcnow()}
    return _page(session, stmt, keys, name, cursor, limit, state, params)


# --- the department desk ---------------------------------------------------------------------


def department_queue(
    session: Session,
    person: Person,
    *,
    sort: str = "due",
    cursor: str | None = None,
    limit: int | None = None,
    now: datetime | None = None,
    state: bool = False,
) -> Page:
    """Tasks dispatched to the person's department and not yet claimed (抢单 queue).

    ``due``: claim due time first; ``oldest``: in order of submission; ``overdue``: the
    overdue ones first, then by claim due time. The (department_id, status, id) index finds
    the rows; ``oldest`` reads them in index order."""
    if not _works_in_department(person):
        return EMPTY
    if sort not in QUEUE_SORTS:
        sort = QUEUE_SORTS[0]
    return _desk_page(session, person, f"queue:{sort}", cursor, limit, state, now)


def my_tasks(session: Session, person: Person, *, cursor: str | None = None, limit: int | None = None,
             state: bool = False) -> Page:
    """Claimed and suspended requests assigned to this person, due soonest first
    (the (assignee_id, status) index)."""
    return _desk_page(session, person, "mine", cursor, limit, state)


def department_tasks(session: Session, person: Person, *, cursor: str | None = None, limit: int | None = None,
                     state: bool = False) -> Page:
    """For a lead: every claimed or suspended request of the department, whoever holds it,
    due soonest first."""
    policy.require_role(person, Role.lead)
    if not _works_in_department(person):
        return EMPTY
    return _desk_page(session, person, "team", cursor, limit, state)


def _works_in_department(person: Person) -> bool:
    return person.department_id is not None and policy.may_work_in(person, person.department_id)


@dataclass(frozen=True)
class Load:
    """How much a person holds now: open tasks (claimed or suspended) and how many of them
    are overdue to complete (``server.requests.due``)."""

    open: int = 0
    overdue: int = 0


def staff_load(session: Session, department_id: int | None, *, now: datetime | None = None) -> dict[int, Load]:
    """Each holder's load in a department, by person id, in one grouped query (what a lead
    weighs when assigning). People holding nothing are absent: their load is ``Load()``."""
    if department_id is None:
        return {}
    late = func.sum(case((due.overdue_to_complete_clause(now or utcnow()), 1), else_=0))
    rows = session.execute(
        select(ServiceRequest.assignee_id, func.count(), late)
        .where(
            ServiceRequest.department_id == department_id,
            ServiceRequest.status.in_(IN_PROGRESS),
            ServiceRequest.assignee_id.is_not(None),
        )
        .group_by(ServiceRequest.assignee_id)
    ).all()
    return {person_id: Load(int(count), int(overdue or 0)) for person_id, count, overdue in rows}


# --- the dispatch board ----------------------------------------------------------------------


def awaiting_dispatch(
    session: Session, person: Person, *, returned: bool, cursor: str | None = None, limit: int | None = None,
    state: bool = False,
) -> Page:
    """Submitted requests, oldest first: those no routing rule placed (``returned=False``), or
    those a department sent back (``returned=True``). The (status, id) index."""
    policy.require_role(person, Role.dispatcher)
    stmt = _rows(state).where(*_awaiting(returned=returned))
    return _page(session, stmt, [paging.Key(ServiceRequest.id, "int")], f"waiting:{int(returned)}", cursor, limit, state)


def _awaiting(*, returned: bool) -> tuple[ColumnElement[bool], ...]:
    condition = ServiceRequest.return_count > 0 if returned else ServiceRequest.return_count == 0
    return ServiceRequest.status == RequestStatus.submitted, condition


@dataclass(frozen=True)
class AwaitingCounts:
    new: int  # no routing rule placed them
    returned: int  # a department sent them back


def awaiting_dispatch_counts(session: Session, person: Person) -> AwaitingCounts:
    """How long the board's two waiting lists are (the same conditions as
    :func:`awaiting_dispatch`), in one query over the (status, id) index."""
    policy.require_role(person, Role.dispatcher)
    row = session.execute(
        select(
            func.count().filter(and_(*_awaiting(returned=False))),
            func.count().filter(and_(*_awaiting(returned=True))),
        ).where(ServiceRequest.status == RequestStatus.submitted)
    ).one()
    return AwaitingCounts(new=row[0], returned=row[1])


def dispatched_unclaimed(session: Session, person: Person, *, cursor: str | None = None, limit: int | None = None,
                         state: bool = False) -> Page:
    """Dispatched requests nobody has claimed yet (the ones a dispatcher may still transfer),
    oldest first."""
    policy.require_role(person, Role.dispatcher)
    stmt = _rows(state).where(ServiceRequest.status == RequestStatus.dispatched)
    return _page(session, stmt, [paging.Key(ServiceRequest.id, "int")], "dispatched", cursor, limit, state)


@dataclass(frozen=True)
class Return:
    """The last time a request was sent back to the dispatcher."""

    note: str
    at: datetime
    from_department: str | None  # a department code
    actor_id: int | None


def last_returns(session: Session, request_ids: list[int]) -> dict[int, Return]:
    """Each request's latest return event, for a whole page in one query."""
    if not request_ids:
        return {}
    latest = (
        select(func.max(RequestEvent.id))
        .where(RequestEvent.request_id.in_(request_ids), RequestEvent.action == Action.return_)
        .group_by(RequestEvent.request_id)
    )
    events = session.scalars(select(RequestEvent).where(RequestEvent.id.in_(latest)))
    return {
        e.request_id: Return(note=e.note, at=e.at, from_department=(e.data or {}).get("from_department"), actor_id=e.actor_id)
        for e in events
    }


@dataclass(frozen=True)
class Reply:
    """The requester's latest message on the conversation 沟通留言, for the handler's row: a
    suspended request waits on it, and only the handler resumes it."""

    note: str
    at: datetime


# The rows that show the requester's reply: the ones someone is handling.
REPLY_STATUSES = frozenset({RequestStatus.claimed, RequestStatus.suspended})


def requester_replies(session: Session, requests: list) -> dict[int, Reply]:
    """Each handled request's latest public message from its requester (``_LATEST_REPLY``), for
    a whole page in at most two queries: listed rows (``Listed``) carry the message's id, so
    only the messages themselves are read, and none when no handled row has one."""
    handled = [r for r in requests if r.status in REPLY_STATUSES]
    if not handled:
        return {}
    if all(isinstance(r, Listed) for r in handled):
        latest = [r.reply_id for r in handled]
    else:
        latest = list(session.scalars(select(_LATEST_REPLY).where(ServiceRequest.id.in_([r.id for r in handled]))))
    ids = [i for i in latest if i is not None]
    if not ids:
        return {}
    events = session.scalars(select(RequestEvent).where(RequestEvent.id.in_(ids)))
    return {e.request_id: Reply(note=e.note, at=e.at) for e in events}
