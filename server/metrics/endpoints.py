"""The figures' JSON API (GET /api/v1/metrics...): a thin door onto server/metrics/service.py.
Supervisors and admins see all; a department lead their department's rows; everyone else 403."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, Query

from server.api.deps import DatabaseDep, PersonDep
from server.catalog import snapshot
from server.errors import Forbidden, InvalidInput
from server.metrics import filters as metric_filters
from server.metrics import service as metrics
from server.metrics.schemas import (
    DepartmentRowOut,
    DepartmentsOut,
    MetricsOut,
    PeriodFigures,
    RatesOut,
    RedBlackOut,
    RedBlackRowOut,
    StaffOut,
    StaffRowOut,
)
from server.models import Person, utcnow

router = APIRouter(prefix="/metrics", tags=["metrics"])

ERRORS = {
    401: {"description": "Not signed in"},
    403: {"description": "Only supervisors, administrators and department leads (their own department)"},
    422: {"description": "Invalid dates or unknown codes, with a message per field"},
}
Code = Annotated[str | None, Query(max_length=60)]
From = Annotated[str | None, Query(alias="from", max_length=10, description="YYYY-MM-DD, inclusive (default: 29 days before to)")]
To = Annotated[str | None, Query(max_length=10, description="YYYY-MM-DD, inclusive (default: today)")]


def _filters(session, person: Person, now, **given) -> metrics.Filters:
    scope = metrics.scope_for(person)
    if scope.kind == metrics.ScopeKind.forbidden:
        raise Forbidden("Only supervisors, administrators and department leads see the figures.")
    return metric_filters.within_scope(scope, metric_filters.parse_filters(session, now, **given))


def _code(session, department_id: int | None) -> str | None:
    if department_id is None:
        return None
    department = snapshot.load(session).departments.get(department_id)
    return department.code if department else str(department_id)


@router.get("", response_model=MetricsOut, summary="The figures of a period and of the one before", responses=ERRORS)
def get_metrics(
    database: DatabaseDep,
    person: PersonDep,
    from_: From = None,
    to: To = None,
    department: Code = None,
    category: Code = None,
    service: Code = None,
    building: Code = None,
    enterprise: Annotated[str | None, Query(max_length=12, description="An enterprise id")] = None,
) -> MetricsOut:
    now = utcnow()
    with database.read() as session:
        f = _filters(session, person, now, start=from_, end=to, department=department, category=category,
                     service=service, building=building, enterprise=enterprise)
        before = f.previous()
        current = PeriodFigures.of(f.start, f.end, metrics.figures(session, f, now=now))
        previous = PeriodFigures.of(before.start, before.end, metrics.figures(session, before, now=now))
        return MetricsOut(**current.model_dump(), department=_code(session, f.department_id), previous=previous)


@router.get("/departments", response_model=DepartmentsOut, summary="One row per department", responses=ERRORS)
def get_department_metrics(
    database: DatabaseDep,
    person: PersonDep,
    from_: From = None,
    to: To = None,
    category: Code = None,
    service: Code = None,
    building: Code = None,
    enterprise: Annotated[str | None, Query(max_length=12)] = None,
) -> DepartmentsOut:
    now = utcnow()
    with database.read() as session:
        scope = metrics.scope_for(person)
        f = _filters(session, person, now, start=from_, end=to, category=category, service=service,
                     building=building, enterprise=enterprise)
        rows = [r for r in metrics.departments(session, f, now=now) if scope.allows(r.department_id)]
        return DepartmentsOut(
            from_=f.start, to=f.end,
            departments=[
                DepartmentRowOut(department=_code(session, r.department_id), load=r.load, submitted=r.submitted,
                                 completed=r.completed, returns=r.returns, reworks=r.reworks, overdue=r.overdue,
                                 rates=RatesOut(**asdict(r.rates)), average_rating=r.average_rating, composite=r.composite)
                for r in rows
            ],
        )


@router.get("/staff", response_model=StaffOut, summary="Per staff member of a department", responses=ERRORS)
def get_staff_metrics(
    database: DatabaseDep,
    person: PersonDep,
    department: Code = None,
    from_: From = None,
    to: To = None,
) -> StaffOut:
    now = utcnow()
    with database.read() as session:
        f = _filters(session, person, now, start=from_, end=to, department=department)
        if f.department_id is None:
            raise InvalidInput("Please choose a department.", {"department": "Required."})
        rows = metrics.staff(session, f, f.department_id, now=now)
        people = {p.id: p for p in session.query(Person).filter(Person.id.in_([r.person_id for r in rows]))}
        return StaffOut(
            from_=f.start, to=f.end, department=_code(session, f.department_id),
            staff=[
                StaffRowOut(username=people[r.person_id].username, name=people[r.person_id].display_name, load=r.load,
                            completed=r.completed, rates=RatesOut(**asdict(r.rates)),
                            average_rating=r.average_rating, composite=r.composite)
                for r in rows
            ],
        )


@router.get("/redblack", response_model=RedBlackOut, summary="The month's red and black list of departments",
            responses=ERRORS)
def get_red_black_list(
    database: DatabaseDep,
    person: PersonDep,
    month: Annotated[str | None, Query(max_length=7, description="YYYY-MM (default: this month)")] = None,
) -> RedBlackOut:
    now = utcnow()
    scope = metrics.scope_for(person)
    if scope.kind == metrics.ScopeKind.forbidden:
        raise Forbidden("Only supervisors, administrators and department leads see the figures.")
    first = metric_filters.parse_month(month, now)
    with database.read() as session:
        result = metrics.red_black(session, first, now=now)

        def rows(items):
            return [
                RedBlackRowOut(department=r.code, volume=r.volume, composite=r.composite, overdue=r.overdue,
                               satisfaction=r.satisfaction, response=r.response, return_rate=r.return_rate,
                               rework_rate=r.rework_rate, on_time=r.on_time)
                for r in items if scope.allows(r.department_id)
            ]

        return RedBlackOut(month=first.strftime("%Y-%m"), red=rows(result.red), black=rows(result.black))
