"""The supervision figures, for the API, the pages and the exports (issue 8's service contract).

Every figure is DESIGN.md "Exact definitions" (``server.metrics.definitions``) applied to the
requests of a period; :mod:`server.metrics.queries` reads them fast, from the rollup kept by
the transitions in the same transaction (``server.metrics.rollup``) plus live counts of the
small time-dependent sets (open and overdue now; never claimed and past its claim due time).

A period is by submission time in the installation's time zone, both ends inclusive. The
department filter is the department holding the request now. Read-only: nothing here writes.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.catalog import snapshot
from server.enums import Rating, RequestStatus, Role
from server.errors import InvalidInput, Msg
from server.metrics import definitions as d
from server.metrics import queries as q
from server.metrics.definitions import previous_period
from server.models import Person, PersonRole

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


# --- from tallies to figures -------------------------------------------------------------------


def _rates(t: q.Tally) -> Rates:
    sat = d.satisfaction_of(t["rated_satisfied"], t["rated_basically"], _rated(t), t["closed"], t["closed_unrated"])
    return Rates(
        response=d.response_rate_of(t["claimed_on_time"], t["claimed"] + t.unclaimed_past_due),
        resolution=d.resolution_rate_of(t["resolved"], t["resolvable"]),
        satisfaction=sat.rate,
        satisfaction_share=sat.share,
        unrated_share=sat.unrated_share,
        on_time=d.on_time_rate_of(t["completed_on_time"], t["completed"]),
    )


def _rated(t: q.Tally) -> int:
    return t["rated_satisfied"] + t["rated_basically"] + t["rated_unsatisfied"]


def _composite(rates: Rates) -> float | None:
    return d.composite(rates.response, rates.resolution, rates.satisfaction)


def _average_rating(t: q.Tally) -> float | None:
    rated = _rated(t)
    points = (
        RATING_POINTS[Rating.satisfied] * t["rated_satisfied"]
        + RATING_POINTS[Rating.basically_satisfied] * t["rated_basically"]
        + RATING_POINTS[Rating.unsatisfied] * t["rated_unsatisfied"]
    )
    return points / rated if rated else None


def _counts(t: q.Tally) -> Counts:
    return Counts(
        submitted=t["submitted"],
        dispatched=t["dispatched"],
        claimed=t["claimed"],
        completed=t["completed"],
        closed=t["closed"],
        cancelled=t["cancelled"],
        rejected=t["rejected"],
        overdue=t["late"] + t.overdue_now,
        returns=t["returned"],
        reworks=t["reworked"],
        rated={
            Rating.satisfied.value: t["rated_satisfied"],
            Rating.basically_satisfied.value: t["rated_basically"],
            Rating.unsatisfied.value: t["rated_unsatisfied"],
        },
    )


def _hours(value: float | None) -> float | None:
    return None if value is None else round(value / 10, 2)


def _durations(histograms: dict) -> Durations:
    def p(kind: str, fraction: float) -> float | None:
        return _hours(q.histogram_percentile(histograms[kind], fraction))

    return Durations(
        dispatch_p50=p("dispatch", 0.5), dispatch_p90=p("dispatch", 0.9),
        claim_p50=p("claim", 0.5), claim_p90=p("claim", 0.9),
        complete_p50=p("complete", 0.5), complete_p90=p("complete", 0.9),
    )


def _figures(t: q.Tally) -> Figures:
    rates = _rates(t)
    return Figures(_counts(t), rates, _composite(rates), _durations(t.durations), _average_rating(t))


def _merge(tallies) -> q.Tally:
    total = q.Tally()
    for t in tallies:
        total.add(t.counters)
        total.unclaimed_past_due += t.unclaimed_past_due
        total.overdue_now += t.overdue_now
        for kind, counts in t.durations.items():
            total.durations[kind].update(counts)
    return total


# --- reading -------------------------------------------------------------------------------------


def _scope(session: Session, filters: Filters) -> q.Scope:
    service_ids: tuple[int, ...] | None = None
    if filters.category_id is not None:
        catalog = snapshot.load(session)
        service_ids = tuple(sorted(s.id for s in catalog.services.values() if s.category_id == filters.category_id))
    if filters.service_id is not None:
        service_ids = (filters.service_id,) if service_ids is None or filters.service_id in service_ids else ()
    return q.Scope(filters.department_id, service_ids, filters.building_id, filters.enterprise_id)


def _grouped(session: Session, scope: q.Scope, start: date, end: date, now: datetime, group: str) -> dict:
    """Tallies of the period per ``group`` ("day", "department_id", or "assignee_id", which the
    rollup does not keep: summed from the requests by the database), durations left out."""
    if group == "assignee_id":
        tallies = {}
        for key, values in q.counters_by(session, scope, start, end, group).items():
            tallies.setdefault(key, q.Tally()).add(values)
        _add_live(tallies, q.live_summary(session, scope, [start, end + timedelta(days=1)], now, by=group), by_day=False)
        return tallies
    if scope.needs_requests:
        rows = q.request_rows(session, scope, start, end)
        key = (lambda r: q.local_day(r.submitted_at)) if group == "day" else (lambda r: r.department_id or 0)
        return q.tally_rows(rows, now, by=key)
    tallies: dict = {}
    for key, values in q.rollup_by(session, scope, start, end, group).items():
        tallies.setdefault(_day(key) if group == "day" else key, q.Tally()).add(values)
    _add_live(tallies, q.live_summary(session, scope, [start, end + timedelta(days=1)], now), by_day=group == "day")
    return tallies


def _add_live(tallies: dict, live, *, by_day: bool) -> None:
    """Add live_summary()'s clock-dependent counts to the tallies of their key (or day)."""
    for key, first, claim, overdue in live:
        t = tallies.setdefault(first if by_day else key, q.Tally())
        t.unclaimed_past_due += claim
        t.overdue_now += overdue


def _day(value) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)


def _period_durations(session: Session, scope: q.Scope, start: date, end: date, split: date) -> dict[bool, dict]:
    """Durations of [start, split) (False) and [split, end] (True)."""
    if scope.histogram_covers:
        return q.histogram(session, scope, start, end, split)
    return q.raw_durations(session, scope, start, end, split)


def _check(filters: Filters) -> None:
    if filters.start > filters.end:
        raise InvalidInput("The period ends before it starts.", {"to": "Must not be before the start."})
    if (filters.end - filters.start).days + 1 > MAX_PERIOD_DAYS:
        raise InvalidInput("The period is too long.", {"to": Msg("At most {days} days.", days=MAX_PERIOD_DAYS)})


def figures(session: Session, filters: Filters, *, now: datetime, durations: bool = True) -> Figures:
    """The figures of the period (three queries over the rollup and the live sets).
    ``durations=False`` leaves the durations out (all None): the histograms are most of the
    cost, and a view showing only counts and rates (the desk's strip) has no use for them."""
    _check(filters)
    scope = _scope(session, filters)
    if scope.needs_requests:
        return _figures(_merge(q.tally_rows(q.request_rows(session, scope, filters.start, filters.end), now).values()))
    total = _merge(_grouped(session, scope, filters.start, filters.end, now, "day").values())
    if durations:
        total.durations = _period_durations(session, scope, filters.start, filters.end, filters.start)[True]
    return _figures(total)


def overview(session: Session, filters: Filters, *, now: datetime) -> Overview:
    """Everything /supervision draws: this period, the one before, weeks, backlog, demand and
    the department table, in a fixed number of queries (tests/metrics fix it)."""
    _check(filters)
    scope = _scope(session, filters)
    before = filters.previous()
    if scope.needs_requests:
        rows = q.request_rows(session, scope, before.start, filters.end)
        by_day = q.tally_rows(rows, now, by=lambda r: q.local_day(r.submitted_at))
        current_rows = [r for r in rows if q.local_day(r.submitted_at) >= filters.start]
        by_department = q.tally_rows(current_rows, now, by=lambda r: r.department_id or 0)
        services = Counter(r.service_id for r in current_rows)
        top_services = sorted(services.items(), key=lambda kv: (-kv[1], kv[0]))[:TOP_SIZE]
        durations = {flag: _merge(t for day, t in by_day.items() if (day >= filters.start) == flag).durations for flag in (False, True)}
    else:
        by_day = {}
        for key, values in q.rollup_by(session, scope, before.start, filters.end, "day").items():
            by_day.setdefault(_day(key), q.Tally()).add(values)
        durations = _period_durations(session, scope, before.start, filters.end, filters.start)
        by_department = {}
        current_by = q.rollup_by_each(session, scope, filters.start, filters.end, "department_id", "service_id")
        for key, values in current_by["department_id"].items():
            by_department.setdefault(key, q.Tally()).add(values)
        # The clock-dependent counts, per department and per period: the previous one, then
        # each week of this one (so the weekly rates need no more).
        mondays = [day for day in _days(filters.start + timedelta(days=1), filters.end) if day.weekday() == 0]
        boundaries = [before.start, filters.start, *mondays, filters.end + timedelta(days=1)]
        for department, first, claim, overdue in q.live_summary(session, scope, boundaries, now):
            targets = [by_day.setdefault(first, q.Tally())]
            if first >= filters.start:
                targets.append(by_department.setdefault(department, q.Tally()))
            for t in targets:
                t.unclaimed_past_due += claim
                t.overdue_now += overdue
        services = current_by["service_id"]
        top_services = sorted(((s, v[0]) for s, v in services.items() if v[0]), key=lambda kv: (-kv[1], kv[0]))[:TOP_SIZE]
    current = _merge(t for day, t in by_day.items() if day >= filters.start)
    current.durations = durations[True]
    previous = _merge(t for day, t in by_day.items() if day < filters.start)
    previous.durations = durations[False]
    open_now = q.open_summary(session, scope, now, AGE_BUCKETS)
    return Overview(
        current=_figures(current),
        previous=_figures(previous),
        weekly=_weeks(by_day, filters.start, filters.end),
        backlog=_backlog(open_now),
        top_services=top_services,
        top_enterprises=q.top_enterprises(session, scope, filters.start, filters.end, TOP_SIZE),
        departments=_department_rows(session, by_department, open_now),
    )


def _weeks(by_day: dict[date, q.Tally], start: date, end: date) -> list[Week]:
    weeks: dict[date, list[q.Tally]] = {}
    day = start
    while day <= end:
        weeks.setdefault(day - timedelta(days=day.weekday()), [])
        day += timedelta(days=1)
    for day, t in by_day.items():
        if start <= day <= end:
            weeks[day - timedelta(days=day.weekday())].append(t)
    out = []
    for monday in sorted(weeks):
        t = _merge(weeks[monday])
        rates = _rates(t)
        out.append(Week(monday, t["submitted"], rates, _composite(rates)))
    return out


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


_BACKLOG_STATES = (RequestStatus.submitted, RequestStatus.dispatched, RequestStatus.claimed, RequestStatus.suspended)


def _backlog(open_now) -> list[BacklogCell]:
    cells: Counter = Counter()
    for status, age, _department, count in open_now:
        cells[(RequestStatus(status), age)] += count
    return [BacklogCell(state, name, cells[(state, name)]) for state in _BACKLOG_STATES for name, _ in AGE_BUCKETS]


def _department_rows(session: Session, tallies: dict[int, q.Tally], open_now) -> list[DepartmentRow]:
    catalog = snapshot.load(session)
    load: Counter = Counter()
    for _status, _age, department, count in open_now:
        if department:
            load[department] += count
    ids = {i for i, dep in catalog.departments.items() if dep.active} | {i for i in tallies if i} | set(load)
    rows = []
    for department_id in sorted(ids, key=lambda i: (catalog.departments[i].code if i in catalog.departments else "", i)):
        t = tallies.get(department_id) or q.Tally()
        rates = _rates(t)
        rows.append(
            DepartmentRow(
                department_id=department_id,
                load=load[department_id],
                submitted=t["submitted"],
                completed=t["completed"],
                returns=t["returned"],
                reworks=t["reworked"],
                overdue=t["late"] + t.overdue_now,
                rates=rates,
                average_rating=_average_rating(t),
                composite=_composite(rates),
            )
        )
    return rows


def departments(session: Session, filters: Filters, *, now: datetime) -> list[DepartmentRow]:
    """One row per active department (and any holding requests of the period), by code."""
    _check(filters)
    scope = _scope(session, filters)
    tallies = _grouped(session, scope, filters.start, filters.end, now, "department_id")
    return _department_rows(session, tallies, q.open_summary(session, scope, now, AGE_BUCKETS))


def staff(session: Session, filters: Filters, department_id: int, *, now: datetime) -> list[StaffRow]:
    """Per person of the department: the requests of the period they hold now, and their load."""
    _check(filters)
    scope = _scope(session, replace(filters, department_id=department_id))
    # Grouped by the database (a few hundred thousand requests at 1M over 90 days: tallied row
    # by row in Python it took seconds); key 0 is "held by no one".
    tallies = _grouped(session, scope, filters.start, filters.end, now, "assignee_id")
    load: Counter = Counter()
    for _status, _age, person_id, count in q.open_summary(session, scope, now, AGE_BUCKETS, by="assignee_id"):
        load[person_id] += count
    people = set(
        session.scalars(
            select(Person.id).where(
                Person.department_id == department_id,
                Person.active,
                Person.id.in_(select(PersonRole.person_id).where(PersonRole.role.in_((Role.staff, Role.lead)))),
            )
        )
    )
    rows = []
    for person_id in sorted((people | set(tallies) | set(load)) - {0}):
        t = tallies.get(person_id) or q.Tally()
        rates = _rates(t)
        rows.append(StaffRow(person_id, load[person_id], t["completed"], rates, _average_rating(t), _composite(rates)))
    return rows


def month_bounds(month: date) -> tuple[date, date]:
    first = month.replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return first, following - timedelta(days=1)


def red_black(session: Session, month: date, *, now: datetime) -> RedBlack:
    """The red and black list of the calendar month holding ``month``."""
    start, end = month_bounds(month)
    rows = departments(session, Filters(start, end), now=now)
    catalog = snapshot.load(session)
    code = {i: (catalog.departments[i].code if i in catalog.departments else str(i)) for i in (r.department_id for r in rows)}
    by_code = {code[r.department_id]: r for r in rows}
    ranked = d.red_black_list(d.DepartmentMonth(code[r.department_id], r.submitted, r.composite, r.overdue) for r in rows)
    tallies = _grouped(session, _scope(session, Filters(start, end)), start, end, now, "department_id")

    def row(m: d.DepartmentMonth) -> RedBlackRow:
        r = by_code[m.code]
        t = tallies.get(r.department_id) or q.Tally()
        return RedBlackRow(
            department_id=r.department_id, code=m.code, volume=m.volume, composite=m.composite, overdue=m.overdue,
            satisfaction=r.rates.satisfaction, response=r.rates.response,
            return_rate=d.return_rate_of(t["returned"], t["dispatched"]),
            rework_rate=d.rework_rate_of(t["reworked"], t["completed"]),
            on_time=r.rates.on_time,
        )

    return RedBlack(start, [row(m) for m in ranked.red], [row(m) for m in ranked.black])
