"""The reads behind the supervision figures: sums over the rollup, the duration histogram,
and the live, time-dependent sets (never claimed and past its claim due time; overdue now;
open now), each one query. Filters the rollup keys do not cover (an enterprise; durations
under a service or category; a building) read the requests themselves, narrowed by an index.

Everything returns plain numbers for server/metrics/service.py to turn into rates.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, literal, or_, select, union_all
from sqlalchemy.orm import Session

from server.enums import OPEN_STATUSES
from server.metrics import definitions as d
from server.metrics.contribution import (
    COLUMNS,
    DURATION_KINDS,
    contribution,
    facts_of,
    late,
    month_of,
)
from server.metrics.rollup import counter_columns, timezone
from server.models import (
    ROLLUP_COUNTERS,
    MetricDuration,
    MetricDurationLevel,
    MetricEnterpriseDay,
    MetricRollup,
    ServiceRequest,
)
from server.models.metric_rollup import HOUR_TENTHS, LEVEL_DAY_HOURS, LEVEL_MONTH, LEVEL_MONTH_HOURS
from server.requests import due

R = ServiceRequest
_COUNTERS = [func.coalesce(func.sum(MetricRollup.__table__.c[name]), 0) for name in ROLLUP_COUNTERS]


@dataclass
class Tally:
    """What a set of requests adds up to: the rollup's counters, the live counts, and the
    durations (kind → tenths → how many)."""

    counters: list[int] = field(default_factory=lambda: [0] * len(ROLLUP_COUNTERS))
    unclaimed_past_due: int = 0  # never claimed, claim due time passed
    overdue_now: int = 0  # overdue now and not already late by its facts
    durations: dict[str, Counter] = field(default_factory=lambda: {k: Counter() for k in DURATION_KINDS})

    def add(self, values: Iterable[int]) -> None:
        for i, v in enumerate(values):
            self.counters[i] += int(v or 0)

    def __getitem__(self, name: str) -> int:
        return self.counters[ROLLUP_COUNTERS.index(name)]


@dataclass(frozen=True)
class Scope:
    """The request filters, resolved to ids (a category to its services)."""

    department_id: int | None = None
    service_ids: tuple[int, ...] | None = None  # None: any
    building_id: int | None = None
    enterprise_id: int | None = None

    @property
    def needs_requests(self) -> bool:
        """Filters the rollup keys cannot answer."""
        return self.enterprise_id is not None or self.building_id is not None

    @property
    def histogram_covers(self) -> bool:
        """The duration histogram is kept for the centre and per department only."""
        return self.service_ids is None and self.building_id is None and self.enterprise_id is None


def utc_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """[start 00:00, end + 1 day 00:00) in the installation's time zone."""
    tz = timezone()
    return datetime.combine(start, time(), tz), datetime.combine(end + timedelta(days=1), time(), tz)


def local_day(at: datetime) -> date:
    return at.astimezone(timezone()).date()


# --- the rollup -------------------------------------------------------------------------------


def _rollup_where(scope: Scope, start: date, end: date) -> list[ColumnElement[bool]]:
    t = MetricRollup
    where = [t.day >= start, t.day <= end]
    if scope.department_id is not None:
        where.append(t.department_id == scope.department_id)
    if scope.service_ids is not None:
        where.append(t.service_id.in_(scope.service_ids))
    return where


def rollup_by(session: Session, scope: Scope, start: date, end: date, column: str) -> dict[Any, list[int]]:
    """The counters summed per value of ``column`` (day, department_id, service_id)."""
    key = MetricRollup.__table__.c[column]
    rows = session.execute(select(key, *_COUNTERS).where(*_rollup_where(scope, start, end)).group_by(key))
    return {row[0]: list(row[1:]) for row in rows}


def rollup_by_each(session: Session, scope: Scope, start: date, end: date, *columns: str) -> dict[str, dict[Any, list[int]]]:
    """rollup_by() for several columns in one query (one round trip): column → value → counters."""
    where = _rollup_where(scope, start, end)
    parts = [
        select(literal(i).label("part"), MetricRollup.__table__.c[column].label("key"), *_COUNTERS)
        .where(*where).group_by(MetricRollup.__table__.c[column])
        for i, column in enumerate(columns)
    ]
    out: dict[str, dict[Any, list[int]]] = {column: {} for column in columns}
    for row in session.execute(union_all(*parts) if len(parts) > 1 else parts[0]):
        out[columns[row[0]]][row[1]] = list(row[2:])
    return out


# The percentiles the figures show: the histogram reads are exact for these.
PERCENTILES = (0.5, 0.9)


def decompose(first: date, last: date) -> tuple[list[date], list[date], list[date]]:
    """The days [first, last] as (whole months, days to add, days to take away): a month the
    period covers is one month row; one it covers in part, its days in the period or, when
    fewer, the whole month less its other days."""
    months: list[date] = []
    plus: list[date] = []
    minus: list[date] = []
    month = month_of(first)
    while month <= last:
        following = (month + timedelta(days=32)).replace(day=1)
        month_days = [month + timedelta(days=i) for i in range((following - month).days)]
        inside = [day for day in month_days if first <= day <= last]
        if len(inside) == len(month_days):
            months.append(month)
        elif len(inside) <= len(month_days) - len(inside):
            plus += inside
        else:
            months.append(month)
            minus += [day for day in month_days if not first <= day <= last]
        month = following
    return months, plus, minus


# Core columns: the histogram builds a few dozen small selects per call, and Core expressions
# cost less to build than ORM attribute ones.
_LEVEL = MetricDurationLevel.__table__.c
_DAILY = MetricDuration.__table__.c


def _hour_counts(scope_id: int, flag: bool, months: list[date], plus: list[date], minus: list[date]):
    L = _LEVEL
    parts = []
    if months:
        parts.append(and_(L.level == LEVEL_MONTH_HOURS, L.start.in_(months)))
    if plus or minus:
        parts.append(and_(L.level == LEVEL_DAY_HOURS, L.start.in_(plus + minus)))
    signed = case((and_(L.level == LEVEL_DAY_HOURS, L.start.in_(minus)), -L.count), else_=L.count) if minus else L.count
    return (
        select(literal(int(flag)).label("flag"), L.kind, L.value, func.sum(signed))
        .where(L.scope == scope_id, L.kind.in_(DURATION_KINDS), or_(*parts))
        .group_by(L.kind, L.value)
    )


def _exact_counts(scope_id: int, flag: bool, kind: str, hour: int, months: list[date], plus: list[date], minus: list[date]):
    """The exact tenths of one whole hour of one kind over the period (month rows + days)."""
    low, high = hour * HOUR_TENTHS, hour * HOUR_TENTHS + HOUR_TENTHS - 1
    L, D = _LEVEL, _DAILY
    out = []
    if months:
        out.append(
            select(literal(int(flag)).label("flag"), L.kind, L.value, func.sum(L.count))
            .where(L.scope == scope_id, L.level == LEVEL_MONTH, L.kind == kind, L.start.in_(months), L.value.between(low, high))
            .group_by(L.kind, L.value)
        )
    if plus or minus:
        signed = case((D.day.in_(minus), -D.count), else_=D.count) if minus else D.count
        out.append(
            select(literal(int(flag)).label("flag"), D.kind, D.tenths, func.sum(signed))
            .where(D.scope == scope_id, D.kind == kind, D.tenths.between(low, high), D.day.in_(plus + minus))
            .group_by(D.kind, D.tenths)
        )
    return out


def _ranks(total: int, fractions: Iterable[float]) -> set[int]:
    ranks = set()
    for fraction in fractions:
        position = (total - 1) * fraction
        ranks |= {int(position), min(int(position) + 1, total - 1)}
    return ranks


def histogram(session: Session, scope: Scope, start: date, end: date, split: date,
              fractions: tuple[float, ...] = PERCENTILES) -> dict[bool, dict[str, Counter]]:
    """Durations from the histogram, for [start, split) (False) and [split, end] (True).

    Two reads: the whole-hour counts of each period (month rows, and the days at its edges),
    then the exact tenths of only the hours that hold a percentile's neighbours. The counters
    returned hold those hours value by value and every other hour as one lump at its first
    tenth: the same ranks fall on the same exact values, so histogram_percentile() of them at
    ``fractions`` is exact; they are not the whole distribution."""
    scope_id = scope.department_id or 0
    periods = {flag: decompose(a, b) for flag, (a, b) in
               ((False, (start, split - timedelta(days=1))), (True, (split, end))) if a <= b}
    out: dict[bool, dict[str, Counter]] = {flag: {k: Counter() for k in DURATION_KINDS} for flag in (False, True)}
    if not periods:
        return out
    hours: dict[tuple[bool, str], dict[int, int]] = {}
    coarse = [_hour_counts(scope_id, flag, *parts) for flag, parts in periods.items()]
    for flag, kind, hour, count in session.execute(union_all(*coarse) if len(coarse) > 1 else coarse[0]):
        if count:
            hours.setdefault((bool(flag), kind), {})[hour] = int(count)
    needed: dict[tuple[bool, str], set[int]] = {}
    for key, counts in hours.items():
        ranks = _ranks(sum(counts.values()), fractions)
        seen = 0
        for hour in sorted(counts):
            if any(seen <= r < seen + counts[hour] for r in ranks):
                needed.setdefault(key, set()).add(hour)
            seen += counts[hour]
    exact = [stmt for (flag, kind), wanted in sorted(needed.items()) for hour in sorted(wanted)
             for stmt in _exact_counts(scope_id, flag, kind, hour, *periods[flag])]
    if exact:
        for flag, kind, tenths, count in session.execute(union_all(*exact) if len(exact) > 1 else exact[0]):
            if count:
                out[bool(flag)][kind][int(tenths)] += int(count)
    for (flag, kind), counts in hours.items():
        wanted = needed.get((flag, kind), set())
        for hour, count in counts.items():
            if hour not in wanted:
                out[flag][kind][hour * HOUR_TENTHS] += count
    return out


def top_enterprises(session: Session, scope: Scope, start: date, end: date, limit: int) -> list[tuple[int, int]]:
    if scope.service_ids is not None or scope.building_id is not None or scope.enterprise_id is not None:
        total = func.count()
        stmt = select(R.enterprise_id, total).where(*request_where(scope, start, end), R.enterprise_id.is_not(None))
        key = R.enterprise_id
    else:
        t = MetricEnterpriseDay
        total = func.sum(t.submitted)
        where = [t.day >= start, t.day <= end]
        if scope.department_id is not None:
            where.append(t.department_id == scope.department_id)
        stmt = select(t.enterprise_id, total).where(*where)
        key = t.enterprise_id
    rows = session.execute(stmt.group_by(key).having(total > 0).order_by(total.desc(), key).limit(limit))
    return [(e, int(n)) for e, n in rows]


# --- the requests themselves ------------------------------------------------------------------


def request_where(scope: Scope, start: date | None, end: date | None) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = []
    if start is not None and end is not None:
        low, high = utc_bounds(start, end)
        where += [R.submitted_at >= low, R.submitted_at < high]
    if scope.department_id is not None:
        where.append(R.department_id == scope.department_id)
    if scope.service_ids is not None:
        where.append(R.service_id.in_(scope.service_ids))
    if scope.building_id is not None:
        where.append(R.building_id == scope.building_id)
    if scope.enterprise_id is not None:
        where.append(R.enterprise_id == scope.enterprise_id)
    return where


def late_clause() -> ColumnElement[bool]:
    """SQL twin of contribution.late: first claim or first completion after its due time."""
    return or_(
        and_(R.first_claimed_at.is_not(None), R.first_claim_due_at.is_not(None), R.first_claimed_at > R.first_claim_due_at),
        and_(R.first_completed_at.is_not(None), R.first_complete_due_at.is_not(None),
             R.first_completed_at > R.first_complete_due_at),
    )


def _bucket(boundaries: list[date]) -> ColumnElement[int]:
    """Which of the periods [boundaries[i], boundaries[i + 1]) a submission falls in."""
    instants = [utc_bounds(day, day)[0] for day in boundaries]
    if len(instants) == 2:
        return literal(0)
    return case(*[(R.submitted_at < at, i) for i, at in enumerate(instants[1:-1])], else_=len(instants) - 2)


def live_summary(session: Session, scope: Scope, boundaries: list[date], now: datetime,
                 by: str = "department_id") -> list[tuple[int, date, int, int]]:
    """The clock-dependent counts of the requests submitted in [boundaries[0], boundaries[-1]),
    per value of the request column ``by`` (department_id, or assignee_id for the staff table;
    0 none) and period between boundaries: (that value, period start, never claimed and past
    its claim due time, overdue now and not already late). Two small indexed sets
    (ix_service_request_unclaimed_due; the open statuses), counted by the database."""
    low, high = utc_bounds(boundaries[0], boundaries[-1] - timedelta(days=1))
    period = [R.submitted_at >= low, R.submitted_at < high, *request_where(scope, None, None)]
    never_claimed = and_(R.first_claimed_at.is_(None), R.claim_due_at.is_not(None))
    overdue_not_late = and_(due.overdue_clause(now), ~late_clause())
    bucket = _bucket(boundaries).label("bucket")
    department = func.coalesce(R.__table__.c[by], 0).label("department")
    # Never claimed is never completed (completion comes only after a claim), so never late by
    # its facts: overdue now is all the first set needs, read from its covering index.
    unclaimed = (
        select(department, bucket, func.count(), func.sum(case((due.overdue_clause(now), 1), else_=0)))
        .where(*period, never_claimed, R.claim_due_at < now)
        .group_by(department, bucket)
    )
    # The department compared as an expression, not as the bare column: given one, SQLite read
    # all of its period from ix_service_request_department_submitted; one range per open status
    # of ix_service_request_status_submitted (covering, the department in it) reads ~6× fewer.
    open_period = [R.submitted_at >= low, R.submitted_at < high,
                   *request_where(replace(scope, department_id=None), None, None)]
    if scope.department_id is not None:
        open_period.append(func.coalesce(R.department_id, 0) == scope.department_id)
    overdue = (
        select(department, bucket, literal(0), func.count())
        .where(R.status.in_(OPEN_STATUSES), *open_period, overdue_not_late, or_(~never_claimed, R.claim_due_at >= now))
        .group_by(department, bucket)
    )
    return [
        (dep, boundaries[b], int(n_claim or 0), int(n_overdue or 0))
        for dep, b, n_claim, n_overdue in session.execute(union_all(unclaimed, overdue))
    ]


def open_summary(session: Session, scope: Scope, now: datetime, ages: tuple[tuple[str, int | None], ...],
                 by: str = "department_id"):
    """Open requests now, whatever the period, counted per (status, age bucket, value of the
    request column ``by``: department_id, or assignee_id for the staff table; 0 none)."""
    age = case(
        *[(R.submitted_at > now - timedelta(days=limit), name) for name, limit in ages if limit is not None],
        else_=ages[-1][0],
    ).label("age")
    department = func.coalesce(R.__table__.c[by], 0).label("department")
    return session.execute(
        select(R.status, age, department, func.count())
        .where(R.status.in_(OPEN_STATUSES), *request_where(scope, None, None))
        .group_by(R.status, age, department)
    ).all()


def counters_by(session: Session, scope: Scope, start: date, end: date, by: str) -> dict[int, list[int]]:
    """The rollup's counters of the requests of the period, summed by the database per value of
    the request column ``by`` (0 none): for a grouping the rollup does not keep, the staff
    table's assignee. rollup.counter_columns() is the SQL twin of contribution.counters() that
    the rebuild sums too, so both count by the same rules (tests/metrics hold them together)."""
    key = func.coalesce(R.__table__.c[by], 0).label("key")
    sums = [func.coalesce(func.sum(column), 0) for column in counter_columns()]
    rows = session.execute(select(key, *sums).where(*request_where(scope, start, end)).group_by(key))
    return {row[0]: [int(v) for v in row[1:]] for row in rows}


def live_counts(row, now: datetime) -> tuple[int, int]:
    """(never claimed and past due, overdue now and not already late) for one request row."""
    f = facts_of(row)
    overdue_now = due.overdue(row.status, now, claim_due_at=row.claim_due_at, complete_due_at=row.complete_due_at)
    return int(d.unclaimed_past_due(f, now)), int(overdue_now and not late(f))


_ALL_COLUMNS = [R.__table__.c[name] for name in COLUMNS] + [R.complete_due_at, R.assignee_id]


def request_rows(session: Session, scope: Scope, start: date, end: date):
    """Every column a contribution and the live counts need, for the requests of the period
    (the fallback for filters the rollup does not cover: keep it narrow)."""
    return session.execute(select(*_ALL_COLUMNS).where(*request_where(scope, start, end))).all()


def tally_rows(rows, now: datetime, by=None) -> dict[Any, Tally]:
    """Tallies of request rows, grouped by ``by(row)`` (default: all in one, key None)."""
    tallies: dict[Any, Tally] = {}
    tz = timezone()
    for row in rows:
        t = tallies.setdefault(by(row) if by else None, Tally())
        c = contribution(row, tz)
        t.add(c.counters)
        for scope, _day, kind, tenths in c.durations:
            if scope == 0:
                t.durations[kind][tenths] += 1
        claim, overdue = live_counts(row, now)
        t.unclaimed_past_due += claim
        t.overdue_now += overdue
    return tallies


def raw_durations(session: Session, scope: Scope, start: date, end: date, split: date) -> dict[bool, dict[str, Counter]]:
    """Durations read from the requests, for [start, split) (False) and [split, end] (True)."""
    rows = session.execute(
        select(R.submitted_at, R.tenths_to_dispatch, R.tenths_to_claim, R.tenths_to_complete).where(
            *request_where(scope, start, end)
        )
    )
    out: dict[bool, dict[str, Counter]] = {flag: {k: Counter() for k in DURATION_KINDS} for flag in (False, True)}
    for submitted_at, *tenths in rows:
        part = out[local_day(submitted_at) >= split]
        for kind, value in zip(DURATION_KINDS, tenths, strict=True):
            if value is not None:
                part[kind][value] += 1
    return out


def histogram_percentile(counts: Counter, fraction: float) -> float | None:
    """definitions.percentile over a histogram of values (each value, its count times)."""
    n = sum(counts.values())
    if not n:
        return None
    position = (n - 1) * fraction
    low = int(position)
    high = min(low + 1, n - 1)
    at_low = at_high = None
    seen = 0
    for value in sorted(counts):
        seen += counts[value]
        if at_low is None and seen > low:
            at_low = value
        if seen > high:
            at_high = value
            break
    return at_low + (at_high - at_low) * (position - low)
