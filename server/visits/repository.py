"""Every SELECT of the visits domain: the plan's lines, the visit log (visible to the person
asking), a visit's staff, photos and the requests filed from it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import ColumnElement, Select, exists, false, func, or_, select, true
from sqlalchemy.orm import Session, aliased

from server import paging, policy
from server.enums import RequestStatus, Role
from server.models import (
    Enterprise,
    Person,
    PersonRole,
    ServiceRequest,
    Visit,
    VisitNeed,
    VisitPhoto,
    VisitPlan,
    VisitStaff,
)

PAGE_SIZE = 30
LIST_NAME = "visits"


@dataclass(frozen=True, slots=True)
class PlanRow:
    enterprise: Enterprise
    plan: VisitPlan | None
    last_visit_on: date | None
    visits: int


def plan_rows(session: Session, *, department_id: int | None = None,
              enterprise_ids: Iterable[int] | None = None) -> list[PlanRow]:
    """Every active enterprise with its plan (if any), last visit and number of visits: one
    query. ``department_id`` keeps the enterprises that department is responsible for."""
    last = (
        select(Visit.enterprise_id, func.max(Visit.visited_on).label("last_on"), func.count(Visit.id).label("visits"))
        .group_by(Visit.enterprise_id).subquery()
    )
    stmt = (
        select(Enterprise, VisitPlan, last.c.last_on, last.c.visits)
        .outerjoin(VisitPlan, VisitPlan.enterprise_id == Enterprise.id)
        .outerjoin(last, last.c.enterprise_id == Enterprise.id)
        .where(Enterprise.active.is_(True))
        .order_by(Enterprise.name, Enterprise.id)
    )
    if department_id is not None:
        stmt = stmt.where(VisitPlan.responsible_department_id == department_id)
    if enterprise_ids is not None:
        stmt = stmt.where(Enterprise.id.in_(list(enterprise_ids)))
    return [PlanRow(e, p, last_on, visits or 0) for e, p, last_on, visits in session.execute(stmt).all()]


def plan_for(session: Session, enterprise_id: int) -> VisitPlan | None:
    return session.scalar(select(VisitPlan).where(VisitPlan.enterprise_id == enterprise_id))


def plans_by_enterprise(session: Session, enterprise_ids: Iterable[int]) -> dict[int, VisitPlan]:
    ids = list(set(enterprise_ids))
    if not ids:
        return {}
    return {p.enterprise_id: p for p in session.scalars(select(VisitPlan).where(VisitPlan.enterprise_id.in_(ids)))}


def newest_accepted_visit_requests(session: Session, service_id: int, since: datetime,
                                   enterprise_ids: Iterable[int]) -> list[ServiceRequest]:
    """Per enterprise of ``enterprise_ids``, its newest request for a visit (the menu's
    "enterprise visit") that the centre accepted: claimed since ``since``, not cancelled or
    rejected. One correlated lookup per enterprise, the first entry of a backward range of
    ix_service_request_service_enterprise, so the cost grows with the enterprises, not with the
    visit requests (ranking the year's 11k of them at a million requests read as many table
    pages: 0.15 s of the supervision page on PostgreSQL)."""
    ids = sorted(set(enterprise_ids))
    if not ids:
        return []
    r = aliased(ServiceRequest)
    newest = (
        select(r.id)
        .where(r.service_id == service_id, r.enterprise_id == Enterprise.id, r.first_claimed_at >= since,
               r.status.not_in((RequestStatus.cancelled, RequestStatus.rejected)))
        .order_by(r.first_claimed_at.desc(), r.id.desc())
        .limit(1)
        .correlate(Enterprise)
        .scalar_subquery()
    )
    chosen = select(newest).where(Enterprise.id.in_(ids))
    stmt = (select(ServiceRequest).where(ServiceRequest.id.in_(chosen))
            .order_by(ServiceRequest.first_claimed_at.desc(), ServiceRequest.id.desc()))
    return list(session.scalars(stmt))


def enterprise_contact(session: Session, enterprise_id: int) -> Person | None:
    """The enterprise's first active contact person (the requester of needs found on visits)."""
    return session.scalar(
        select(Person)
        .join(PersonRole, PersonRole.person_id == Person.id)
        .where(Person.enterprise_id == enterprise_id, Person.active.is_(True), PersonRole.role == Role.contact)
        .order_by(Person.id).limit(1)
    )


def centre_people(session: Session) -> list[Person]:
    """People who may go on a visit: active staff, leads and overseers."""
    roles = [r.value for r in policy.VISIT_WORKERS]
    return list(session.scalars(
        select(Person).where(Person.active.is_(True),
                             exists().where(PersonRole.person_id == Person.id, PersonRole.role.in_(roles)))
        .order_by(Person.department_id.is_(None), Person.department_id, Person.display_name, Person.id)
    ))


# --- visibility --------------------------------------------------------------------------------
def visibility(person: Person) -> ColumnElement[bool]:
    """The visits this person may see, as one SQL condition (its Python twin: :func:`can_see`).
    Overseers: all. Staff and leads: the visits to the enterprises their department is
    responsible for, and those they went on or logged. A contact: their enterprise's."""
    if policy.sees_all_visits(person):
        return true()
    clauses: list[ColumnElement[bool]] = []
    if person.roles & {Role.staff, Role.lead}:
        clauses.append(Visit.created_by_id == person.id)
        clauses.append(exists().where(VisitStaff.visit_id == Visit.id, VisitStaff.person_id == person.id))
        if person.department_id is not None:
            clauses.append(exists().where(VisitPlan.enterprise_id == Visit.enterprise_id,
                                          VisitPlan.responsible_department_id == person.department_id))
    if Role.contact in person.roles and person.enterprise_id is not None:
        clauses.append(Visit.enterprise_id == person.enterprise_id)
    return or_(*clauses) if clauses else false()


def can_see(person: Person, visit: Visit, plan: VisitPlan | None, staff_ids: set[int]) -> bool:
    """:func:`visibility` for one visit, in Python (a test checks that they agree)."""
    if policy.sees_all_visits(person):
        return True
    if person.roles & {Role.staff, Role.lead}:
        if visit.created_by_id == person.id or person.id in staff_ids:
            return True
        if person.department_id is not None and plan is not None and plan.responsible_department_id == person.department_id:
            return True
    return Role.contact in person.roles and person.enterprise_id is not None and visit.enterprise_id == person.enterprise_id


# --- the visit log -----------------------------------------------------------------------------
def _log_keys() -> tuple[paging.Key, ...]:
    return (paging.Key(Visit.id, "int", descending=True),)


def visits_query(person: Person, *, enterprise_id: int | None = None, department_id: int | None = None,
                 start: date | None = None, end: date | None = None) -> Select:
    """The visits this person may see, narrowed by enterprise, responsible department and date."""
    stmt = select(Visit).where(visibility(person))
    if enterprise_id is not None:
        stmt = stmt.where(Visit.enterprise_id == enterprise_id)
    if department_id is not None:
        stmt = stmt.where(exists().where(VisitPlan.enterprise_id == Visit.enterprise_id,
                                         VisitPlan.responsible_department_id == department_id))
    if start is not None:
        stmt = stmt.where(Visit.visited_on >= start)
    if end is not None:
        stmt = stmt.where(Visit.visited_on <= end)
    return stmt


def visits_page(session: Session, person: Person, *, cursor: str | None = None, limit: int = PAGE_SIZE,
                **filters) -> paging.Page:
    """Newest first (by id: visits are logged soon after they happen), keyset-paged."""
    return paging.page(session, visits_query(person, **filters), _log_keys(), LIST_NAME, cursor, limit)


def visits_for_export(session: Session, person: Person, **filters) -> list[Visit]:
    return list(session.scalars(visits_query(person, **filters).order_by(Visit.visited_on.desc(), Visit.id.desc())))


def staff_of(session: Session, visit_ids: Iterable[int]) -> dict[int, list[Person]]:
    ids = list(set(visit_ids))
    if not ids:
        return {}
    found: dict[int, list[Person]] = {i: [] for i in ids}
    rows = session.execute(
        select(VisitStaff.visit_id, Person).join(Person, Person.id == VisitStaff.person_id)
        .where(VisitStaff.visit_id.in_(ids)).order_by(Person.display_name, Person.id)
    ).all()
    for visit_id, p in rows:
        found[visit_id].append(p)
    return found


def photos_of(session: Session, visit_id: int) -> list[VisitPhoto]:
    return list(session.scalars(select(VisitPhoto).where(VisitPhoto.visit_id == visit_id).order_by(VisitPhoto.id)))


def photo(session: Session, photo_id: int) -> VisitPhoto | None:
    return session.get(VisitPhoto, photo_id)


def needs_of(session: Session, visit_ids: Iterable[int]) -> dict[int, list[ServiceRequest]]:
    """The requests filed from each visit, in the order they were filed."""
    ids = list(set(visit_ids))
    if not ids:
        return {}
    found: dict[int, list[ServiceRequest]] = {i: [] for i in ids}
    rows = session.execute(
        select(VisitNeed.visit_id, ServiceRequest).join(ServiceRequest, ServiceRequest.id == VisitNeed.request_id)
        .where(VisitNeed.visit_id.in_(ids)).order_by(VisitNeed.id)
    ).all()
    for visit_id, request in rows:
        found[visit_id].append(request)
    return found


def enterprises_by_id(session: Session, ids: Iterable[int]) -> dict[int, Enterprise]:
    ids = list(set(ids))
    if not ids:
        return {}
    return {e.id: e for e in session.scalars(select(Enterprise).where(Enterprise.id.in_(ids)))}
