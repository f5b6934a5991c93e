"""The visit figures on the supervision page 走访指标, one definition each.

Over a period (inclusive dates in the installation's zone, by the visit's date), optionally for
the enterprises one department is responsible for:
- visit coverage = active enterprises visited at least once in the period / active enterprises
  (no active enterprise: no figure);
- visits = visits logged in the period (to any enterprise, active or not);
- overdue visits = active enterprises whose next visit is overdue today (``rules.standing``),
  whatever the period: it is the plan's state now;
- needs found = requests filed from the period's visits;
- of those, resolved and rated as the supervision figures count requests
  (``server/metrics/definitions.py``): resolved = not cancelled or rejected and ever completed,
  over the resolvable ones (the resolution rate); "rated satisfied" = satisfied or basically
  satisfied by the latest rating, with the satisfaction rate (satisfied + 0.9 × basically
  satisfied) / rated beside it.

:func:`summarise` is the arithmetic, pure; :func:`figures` reads what it needs (a fixed
number of queries)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.enums import Rating
from server.metrics import definitions as d
from server.metrics.contribution import facts_of
from server.models import ServiceRequest, Visit, VisitNeed
from server.visits import rules
from server.visits import service as visit_service


@dataclass(frozen=True, slots=True)
class VisitFigures:
    active_enterprises: int
    visited_enterprises: int  # active ones visited in the period
    coverage: float | None
    visits: int
    overdue: int
    needs: int
    resolvable: int
    resolved: int
    resolution_rate: float | None
    rated: int
    rated_satisfied: int  # satisfied or basically satisfied
    satisfaction_rate: float | None


def summarise(*, active: set[int], visited: Iterable[int], visits: int, overdue: int,
              needs: list[d.RequestFacts]) -> VisitFigures:
    """The figures from their parts (pure)."""
    visited_active = len(active & set(visited))
    resolvable = sum(d.resolvable(r) for r in needs)
    resolved = sum(d.resolved(r) for r in needs)
    rated = [r for r in needs if r.rating is not None]
    pleased = sum(r.rating in (Rating.satisfied, Rating.basically_satisfied) for r in rated)
    return VisitFigures(
        active_enterprises=len(active), visited_enterprises=visited_active,
        coverage=rules.coverage(visited_active, len(active)), visits=visits, overdue=overdue, needs=len(needs),
        resolvable=resolvable, resolved=resolved, resolution_rate=d.resolution_rate_of(resolved, resolvable),
        rated=len(rated), rated_satisfied=pleased, satisfaction_rate=d.satisfaction(needs).rate,
    )


def figures(session: Session, start: date, end: date, *, department_id: int | None = None,
            on: date | None = None) -> VisitFigures:
    """The period's visit figures: the plan's queries and one more — the period's visits, each
    with the requests filed from it (a visit without any on a row of its own)."""
    lines = visit_service.compute_plan(session, department_id=department_id, on=on)
    active = {line.enterprise.id for line in lines}
    overdue = sum(line.standing == rules.Standing.overdue for line in lines)
    rows = session.execute(
        select(Visit.id, Visit.enterprise_id, ServiceRequest)
        .outerjoin(VisitNeed, VisitNeed.visit_id == Visit.id)
        .outerjoin(ServiceRequest, ServiceRequest.id == VisitNeed.request_id)
        .where(Visit.visited_on >= start, Visit.visited_on <= end)
    ).all()
    if department_id is not None:
        rows = [row for row in rows if row.enterprise_id in active]
    visits = {row.id: row.enterprise_id for row in rows}
    needs = [facts_of(row.ServiceRequest) for row in rows if row.ServiceRequest is not None]
    return summarise(active=active, visited=visits.values(), visits=len(visits), overdue=overdue, needs=needs)
