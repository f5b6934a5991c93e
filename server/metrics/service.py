"""The supervision figures, for the API, the pages and the exports (issue 8's service contract).

Every figure is DESIGN.md "Exact definitions" (``server.metrics.definitions``) applied to the
requests of a period; :mod:`server.metrics.queries` reads them fast, from the rollup kept by
the transitions in the same transaction (``server.metrics.rollup``) plus live counts of the
small time-dependent sets (open and overdue now; never claimed and past its claim due time).

A period is by submission time in the installation's time zone, both ends inclusive. The
department filter is the department holding the request now. Read-only: nothing here writes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy.orm import Session

from server.enums import Rating, RequestStatus, Role
from server.metrics.definitions import previous_period
from server.models import Person

# How far back a period may reach in one question (the API's 422 beyond it).
MAX_PERIOD_DAYS = 366
DEFAULT_PERIOD_DAYS = 30
TOP_SIZE = 10
# A request's age in the backlog, in calendar days since submission: (name, up to days).
AGE_BUCKETS: tuple[tuple[str, int | None], ...] = (
    ("under_1_day", 1),
    ("1_to_3_days", 3),
    ("3_to_7_days", 7),
    ("over_7_days", None),
)
# The average rating's scale (say so on the page): satisfied 3, basically satisfied 2, unsatisfied 1.
RATING_POINTS = {Rating.satisfied: 3, Rating.basically_satisfied: 2, Rating.unsatisfied: 1}


@dataclass(frozen=True)
class Filters:
    start: date  # inclusive, installation time zone, by submission time
    end: date  # inclusive
    department_id: int | None = None  # the department holding it now
    category_id: int | None = None
    service_id: int | None = None
    building_id: int | None = None
    enterprise_id: int | None = None

    def previous(self) -> Filters:
        """The same filters over the period of equal length just before."""
        start, end = previous_period(self.start, self.end)
        return Filters(start, end, self.department_id, self.category_id, self.service_id, self.building_id, self.enterprise_id)


@dataclass
class Counts:
    submitted: int = 0
    dispatched: int = 0  # ever dispatched
    claimed: int = 0  # ever claimed
    completed: int = 0  # ever completed
    closed: int = 0  # status now
    cancelled: int = 0
    rejected: int = 0
    overdue: int = 0  # missed a limit (late first claim or completion) or overdue now
    returns: int = 0  # requests ever returned to the dispatchers
    reworks: int = 0  # requests ever sent back for rework
    rated: dict[str, int] = field(default_factory=lambda: {r.value: 0 for r in Rating})  # by Rating value


@dataclass
class Rates:
    response: float | None = None
    resolution: float | None = None
    satisfaction: float | None = None
    satisfaction_share: float | None = None
    unrated_share: float | None = None
    on_time: float | None = None


@dataclass
class Durations:
    """Working hours from submission, percentile_cont like definitions.percentile."""

    dispatch_p50: float | None = None
    dispatch_p90: float | None = None
    claim_p50: float | None = None
    claim_p90: float | None = None
    complete_p50: float | None = None
    complete_p90: float | None = None


@dataclass
class Figures:
    counts: Counts
    rates: Rates
    composite: float | None  # 0–100, one decimal
    durations: Durations
    average_rating: float | None = None  # RATING_POINTS scale


@dataclass
class Week:
    start: date  # the Monday; the first and last weeks may be cut by the period
    submitted: int
    rates: Rates
    composite: float | None = None


@dataclass
class BacklogCell:
    """Open requests now (whatever the period) by state and age; the filters other than the
    dates apply."""

    state: RequestStatus
    age_bucket: str  # a name of AGE_BUCKETS
    count: int


@dataclass
class DepartmentRow:
    department_id: int
    load: int  # open now, whatever the period
    submitted: int
    completed: int
    returns: int
    reworks: int
    overdue: int
    rates: Rates
    average_rating: float | None  # RATING_POINTS scale
    composite: float | None


@dataclass
class StaffRow:
    """A person's work in a department: the requests of the period they hold now."""

    person_id: int
    load: int  # open and held by them now
    completed: int
    rates: Rates
    average_rating: float | None
    composite: float | None


@dataclass
class Overview:
    """Everything /supervision draws, in a fixed, small number of queries."""

    current: Figures
    previous: Figures
    weekly: list[Week]
    backlog: list[BacklogCell]
    top_services: list[tuple[int, int]]  # (service_id, submitted), most first
    top_enterprises: list[tuple[int, int]]  # (enterprise_id, submitted), most first
    departments: list[DepartmentRow]


@dataclass
class RedBlackRow:
    """A department on the red or black list, with the figures that put it there."""

    department_id: int
    code: str
    volume: int
    composite: float | None
    overdue: int
    satisfaction: float | None
    response: float | None
    return_rate: float | None  # returned / dispatched
    rework_rate: float | None  # reworked / completed
    on_time: float | None


@dataclass
class RedBlack:
    month: date  # its first day
    red: list[RedBlackRow]  # best first
    black: list[RedBlackRow]  # worst first


class ScopeKind(StrEnum):
    all = "all"
    department = "department"
    forbidden = "forbidden"


@dataclass(frozen=True)
class Scope:
    kind: ScopeKind
    department_id: int | None = None

    def allows(self, department_id: int | None) -> bool:
        """May this scope see figures for ``department_id`` (None: the whole centre)?"""
        if self.kind == ScopeKind.all:
            return True
        return self.kind == ScopeKind.department and department_id == self.department_id


def scope_for(person: Person | None) -> Scope:
    """Who sees which figures: supervisors and admins all; a department lead their own
    department's; everyone else none."""
    if person is None:
        return Scope(ScopeKind.forbidden)
    if person.has_role(Role.supervisor, Role.admin):
        return Scope(ScopeKind.all)
    if person.has_role(Role.lead) and person.department_id is not None:
        return Scope(ScopeKind.department, person.department_id)
    return Scope(ScopeKind.forbidden)


def figures(session: Session, filters: Filters, *, now: datetime) -> Figures:
    raise NotImplementedError


def overview(session: Session, filters: Filters, *, now: datetime) -> Overview:
    raise NotImplementedError


def departments(session: Session, filters: Filters, *, now: datetime) -> list[DepartmentRow]:
    """One row per active department (and any holding requests of the period), by code."""
    raise NotImplementedError


def staff(session: Session, filters: Filters, department_id: int, *, now: datetime) -> list[StaffRow]:
    raise NotImplementedError


def red_black(session: Session, month: date, *, now: datetime) -> RedBlack:
    """The red and black list of the calendar month holding ``month``."""
    raise NotImplementedError
