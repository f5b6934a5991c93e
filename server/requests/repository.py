"""Queries on requests. Every list goes through the policy's visibility filter."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, defer, lazyload

from server import paging, policy
from server.enums import RequestStatus, Role
from server.errors import InvalidInput, NotFound
from server.models import (
    Building,
    Department,
    Person,
    RequestEvent,
    Service,
    ServiceRequest,
    utcnow,
)
from server.requests import due

MAX_PAGE = 100


@dataclass
class RequestFilters:
    status: list[RequestStatus] | None = None
    service_code: str | None = None
    department_code: str | None = None
    building_code: str | None = None
    mine: bool = False  # filed by me, or (for staff) assigned to me
    assigned_to_me: bool = False
    overdue: bool = False
    sort: str = "newest"  # newest | oldest | due
    # "My requests": only what the person filed (and, for a contact, their enterprise's),
    # even when their other roles let them see more.
    requester_view: bool = False


SORTS = ("newest", "oldest", "due")


def get_visible(session: Session, person: Person, number: str) -> ServiceRequest:
    """The request, if this person may see it; otherwise 404 (never reveal that it exists)."""
    request = session.scalar(select(ServiceRequest).where(ServiceRequest.number == number))
    if request is None or not policy.can_see(person, request):
        raise NotFound("No request {number} that you may see.", {"number": number})
    return request


def list_requests(
    session: Session,
    person: Person,
    filters: RequestFilters,
    *,
    cursor: str | None = None,
    limit: int = 50,
    now: datetime | None = None,
) -> tuple[list[ServiceRequest], str | None]:
    """One page of the requests this person may see, with the cursor of the next page.

    Keyset pagination (``server.paging``) keeps deep pages as fast as the first; a bad cursor
    is a 422. A person who sees requests for several reasons (their own, their department's,
    their enterprise's) gets one indexed query per reason, merged by the pager: an OR across
    different columns would make the database sort every match before it could return the
    first 50."""
    if filters.sort not in SORTS:
        raise InvalidInput("Unknown sort order.", {"sort": "One of newest, oldest, due."})
    limit = max(1, min(limit, MAX_PAGE))
    # Lists show summaries: leave out the long columns (decoding every row's answers JSON
    # was a sixth of a queue page's time), and fail loudly should a list template use them.
    base = select(ServiceRequest).options(
        defer(ServiceRequest.answers, raiseload=True), defer(ServiceRequest.description, raiseload=True)
    )
    if filters.status:
        base = base.where(ServiceRequest.status.in_(filters.status))
    if filters.service_code:
        base = base.where(ServiceRequest.service_id == select(Service.id).where(Service.code == filters.service_code).scalar_subquery())
    if filters.department_code:
        base = base.where(
            ServiceRequest.department_id == select(Department.id).where(Department.code == filters.department_code).scalar_subquery()
        )
    if filters.building_code:
        base = base.where(
            ServiceRequest.building_id == select(Building.id).where(Building.code == filters.building_code).scalar_subquery()
        )
    if filters.mine:
        base = base.where(ServiceRequest.requester_id == person.id)
    if filters.assigned_to_me:
        base = base.where(ServiceRequest.assignee_id == person.id)
    if filters.overdue:
        base = base.where(due.overdue_clause(now or utcnow()))

    ident = ServiceRequest.id
    if filters.sort == "newest":
        keys = [paging.Key(ident, "int", descending=True)]
    elif filters.sort == "oldest":
        keys = [paging.Key(ident, "int")]
    else:
        base = base.where(ServiceRequest.complete_due_at.is_not(None))
        keys = [paging.Key(ServiceRequest.complete_due_at, "dt"), paging.Key(ident, "int")]
    clauses = _requester_clauses(person) if filters.requester_view else policy.visibility_clauses(person)
    found = paging.page(session, base, keys, f"requests:{filters.sort}", cursor, limit, alternatives=clauses)
    return found.rows, found.next_cursor


def _requester_clauses(person: Person) -> list:
    # A subset of what the policy lets them see, one indexed condition each.
    clauses = [ServiceRequest.requester_id == person.id]
    if Role.contact in person.roles and person.enterprise_id is not None:
        clauses.append(ServiceRequest.enterprise_id == person.enterprise_id)
    return clauses


def list_events(session: Session, request: ServiceRequest, *, include_internal: bool) -> list[RequestEvent]:
    stmt = select(RequestEvent).where(RequestEvent.request_id == request.id).order_by(RequestEvent.id)
    if not include_internal:
        stmt = stmt.where(RequestEvent.public)
    return list(session.scalars(stmt))


def people_by_id(session: Session, ids: set[int | None]) -> dict[int, Person]:
    """People by id, for showing names, in one query: their roles are not loaded (and would
    load on access inside the session), so never use these for permission checks."""
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    stmt = select(Person).where(Person.id.in_(wanted)).options(lazyload(Person.role_rows))
    return {p.id: p for p in session.scalars(stmt)}
