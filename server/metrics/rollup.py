"""Keeping the rollup (server/models/metric_rollup.py) equal to the requests, in the same
transaction as every change to them.

- :func:`record` adds the difference between a request's contribution before and after a
  change to the transaction's pending difference: the submission path calls it with
  ``before=None``, ``actions.perform()`` with the contribution taken before its effects. A
  transition that leads to another in the same transaction (a dispatch to a department that
  assigns at once: dispatch, then the system's assign) or a transaction over many requests (the
  sweep) records several times; the differences add up, so nothing counts twice.
- The pending difference is written once, when the transaction commits (a ``before_commit``
  hook, still inside the transaction), rows upserted table by table in key order. So every
  transaction takes its rollup row locks last and in one global order, and concurrent writers
  on PostgreSQL cannot deadlock on them (two upsert passes, as each nested transition used to
  do, could: A holds an enterprise row and waits for a duration row that B, transferring a
  request of the same day, holds while waiting for A's enterprise row). Inside a savepoint a
  difference is written at once instead, so that rolling the savepoint back takes it back.
- Each duration also counts in the histogram's coarser levels (metric_duration_level: month ×
  tenths, day × hours, month × hours), in the same write.
- :func:`rebuild` recomputes all of it from the requests (``lianxin metrics rebuild``; the
  bulk demo-data loader, which writes requests with Core, calls it afterwards) by the
  database, in a few INSERT … SELECT … GROUP BY: counter_columns() is the SQL twin of
  contribution.counters(), and the property test (rollup == rebuild == definitions) holds
  them to the same rows.

The sweep's columns (flag, overdue_*) are not part of any contribution, so the sweep's Core
UPDATEs need no hook here.
"""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from collections.abc import Iterable
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import (
    ColumnElement,
    Date,
    String,
    and_,
    case,
    cast,
    delete,
    event,
    func,
    literal,
    or_,
    select,
    text,
    union_all,
)
from sqlalchemy.orm import Session, SessionTransaction

from server.config import get_settings
from server.db import Database, per_dialect
from server.enums import Rating, RequestStatus
from server.metrics.contribution import (
    CENTRE,
    DURATION_KINDS,
    Contribution,
    RequestColumns,
    contribution,
    levels,
    local_day,
)
from server.models import (
    ROLLUP_COUNTERS,
    MetricDuration,
    MetricDurationLevel,
    MetricEnterpriseDay,
    MetricRollup,
    ServiceRequest,
)
from server.models.metric_rollup import HOUR_TENTHS, LEVEL_DAY_HOURS, LEVEL_MONTH, LEVEL_MONTH_HOURS

ROLLUP = MetricRollup.__table__
DURATION = MetricDuration.__table__
ENTERPRISE = MetricEnterpriseDay.__table__
LEVEL = MetricDurationLevel.__table__
_LEVEL_KEY = ("scope", "level", "kind", "start", "value")
_ROLLUP_KEY = ("day", "department_id", "service_id")
_DURATION_KEY = ("scope", "day", "kind", "tenths")
_ENTERPRISE_KEY = ("day", "department_id", "enterprise_id")


def timezone() -> ZoneInfo:
    return ZoneInfo(get_settings().timezone)


def contribution_of(request: RequestColumns) -> Contribution:
    return contribution(request, timezone())


def _adding(table, key: tuple[str, ...], counters: tuple[str, ...]):
    def build(insert):
        stmt = insert(table)
        return stmt.on_conflict_do_update(
            index_elements=list(key), set_={c: table.c[c] + stmt.excluded[c] for c in counters}
        )

    return per_dialect(build)


# Rows per key on PostgreSQL: each transaction adds to one of shards 1..SHARDS, picked at
# random, so writers of the same key (a busy service's day) run side by side instead of queueing
# on one row lock held to their commit. Shard 0 is the rebuild's and the fold's (:func:`fold`,
# run by the sweep), which moves the writers' rows into it so that readers sum over about one
# row per key, not SHARDS. SQLite runs one writer at a time: one row per key, shard 0.
SHARDS = 16
_ADD_ROLLUP = _adding(ROLLUP, (*_ROLLUP_KEY, "shard"), ROLLUP_COUNTERS)
_ADD_DURATION = _adding(DURATION, (*_DURATION_KEY, "shard"), ("count",))
_ADD_ENTERPRISE = _adding(ENTERPRISE, (*_ENTERPRISE_KEY, "shard"), ("submitted",))
_ADD_LEVEL = _adding(LEVEL, (*_LEVEL_KEY, "shard"), ("count",))


def level_counts(durations: Counter) -> Counter:
    """The coarser histogram levels of duration counts (MetricDurationLevel's rows)."""
    out: Counter = Counter()
    for key, n in durations.items():
        if n:
            for level in levels(key):
                out[level] += n
    return out


_PENDING = "metric_rollup_pending"


class _Difference:
    """Counts to add to the rollup tables, summed over the contributions recorded."""

    def __init__(self) -> None:
        self.rollup: dict[tuple, list[int]] = defaultdict(lambda: [0] * len(ROLLUP_COUNTERS))
        self.durations: Counter = Counter()
        self.enterprises: Counter = Counter()

    def add(self, before: Contribution | None, after: Contribution | None) -> None:
        for sign, c in ((-1, before), (1, after)):
            if c is None:
                continue
            row = self.rollup[c.key]
            for i, value in enumerate(c.counters):
                row[i] += sign * value
            for key in c.durations:
                self.durations[key] += sign
            if c.enterprise is not None:
                self.enterprises[c.enterprise] += sign

    def write(self, session: Session) -> None:
        """Upsert the non-zero rows, table by table, each in key order."""
        connection = session.connection()
        dialect = connection.dialect.name
        # One shard for the whole transaction: its rows stay in one global order (no deadlock).
        shard = random.randint(1, SHARDS) if dialect == "postgresql" else 0
        rows = [dict(zip(_ROLLUP_KEY, k, strict=True)) | dict(zip(ROLLUP_COUNTERS, v, strict=True)) | {"shard": shard}
                for k, v in sorted(self.rollup.items()) if any(v)]
        if rows:
            connection.execute(_ADD_ROLLUP[dialect], rows)
        rows = [dict(zip(_DURATION_KEY, k, strict=True), count=n, shard=shard)
                for k, n in sorted(self.durations.items()) if n]
        if rows:
            connection.execute(_ADD_DURATION[dialect], rows)
        rows = [dict(zip(_ENTERPRISE_KEY, k, strict=True), submitted=n, shard=shard)
                for k, n in sorted(self.enterprises.items()) if n]
        if rows:
            connection.execute(_ADD_ENTERPRISE[dialect], rows)
        rows = [dict(zip(_LEVEL_KEY, k, strict=True), count=n, shard=shard)
                for k, n in sorted(level_counts(self.durations).items()) if n]
        if rows:
            connection.execute(_ADD_LEVEL[dialect], rows)


_TABLE_KEYS = ((ROLLUP, _ROLLUP_KEY, ROLLUP_COUNTERS), (DURATION, _DURATION_KEY, ("count",)),
               (ENTERPRISE, _ENTERPRISE_KEY, ("submitted",)), (LEVEL, _LEVEL_KEY, ("count",)))
FOLD_BATCH = 20_000


def _fold_statement(table, key: tuple[str, ...], counters: tuple[str, ...]):
    """Move up to :data:`FOLD_BATCH` writers' rows (shard > 0) of ``table`` into shard 0, in one
    statement; its answer is (rows taken, rows moved). Rows a writer holds right now are
    skipped (SKIP LOCKED: the next fold takes them), so the fold never waits on a writer's row;
    the sums are added to shard 0 in key order, the order in which every writer takes its rows
    (_Difference.write), so neither a second fold (a `lianxin sweep` from cron beside the
    server's) nor a writer of shard 0 (the code before the fold, in a rolling upgrade) can
    close a circle of waits with it."""
    name = f'"{table.name}"'
    keys = ", ".join(f'"{c}"' for c in key)
    # Text keys ordered as Python orders the writers' (by code point: the "C" collation).
    ordered = ", ".join(f'"{c}" COLLATE "C"' if isinstance(table.c[c].type, String) else f'"{c}"' for c in key)
    values = ", ".join(f'"{c}"' for c in counters)
    sums = ", ".join(f'sum("{c}")' for c in counters)
    adds = ", ".join(f'"{c}" = {name}."{c}" + excluded."{c}"' for c in counters)
    return text(
        f"WITH batch AS (SELECT ctid FROM {name} WHERE shard > 0 LIMIT :limit FOR UPDATE SKIP LOCKED), "
        f"moved AS (DELETE FROM {name} WHERE ctid IN (SELECT ctid FROM batch) RETURNING {keys}, {values}), "
        f"folded AS (INSERT INTO {name} ({keys}, shard, {values}) SELECT {keys}, 0, {sums} FROM moved "
        f"GROUP BY {keys} ORDER BY {ordered} ON CONFLICT ({keys}, shard) DO UPDATE SET {adds}) "
        # A WITH's writes run whether or not they are read.
        "SELECT (SELECT count(*) FROM batch), (SELECT count(*) FROM moved)"
    )


_FOLDS = [_fold_statement(table, key, counters) for table, key, counters in _TABLE_KEYS]


def fold(database: Database) -> int:
    """Fold the writers' shards into shard 0 (PostgreSQL; the sweep runs it): the figures stay
    the same, the rows readers sum shrink to about one per key. One short transaction per batch
    of each table; returns the rows moved. SQLite has nothing to fold.

    Each batch reads the table through (no index leads with the shard): a few thousand rows
    per day of history, every sweep (LIANXIN_SWEEP_INTERVAL_SECONDS)."""
    if database.is_sqlite:
        return 0
    moved = 0
    for statement in _FOLDS:
        while True:
            taken, done = database.run(lambda session, s=statement: session.execute(s, {"limit": FOLD_BATCH}).one())
            moved += done
            if taken < FOLD_BATCH:
                break
    return moved


def record(session: Session, before: Contribution | None, after: Contribution | None) -> None:
    """Add ``after`` and take away ``before`` (either may be None), in this transaction: written
    when it commits (see the module docstring)."""
    if before == after:
        return
    if session.in_nested_transaction():
        difference = _Difference()
        difference.add(before, after)
        difference.write(session)
        return
    pending = session.info.get(_PENDING)
    if pending is None:
        pending = session.info[_PENDING] = _Difference()
    pending.add(before, after)


def write_pending(session: Session) -> None:
    """Write what this transaction recorded so far (the commit does it; call it to read the
    rollup back inside the same transaction)."""
    pending = session.info.pop(_PENDING, None)
    if pending is not None:
        pending.write(session)


@event.listens_for(Session, "before_commit")
def _before_commit(session: Session) -> None:
    write_pending(session)


@event.listens_for(Session, "after_transaction_end")
def _after_transaction_end(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:  # the outermost ended (committed or rolled back)
        session.info.pop(_PENDING, None)


def tally(rows: Iterable[RequestColumns]) -> tuple[dict, Counter, Counter]:
    """Sum the contributions of ``rows``: (rollup key → counters, duration key → count,
    enterprise key → submitted), as the rollup tables hold them."""
    rollup: dict[tuple, list[int]] = defaultdict(lambda: [0] * len(ROLLUP_COUNTERS))
    durations: Counter = Counter()
    enterprises: Counter = Counter()
    for r in rows:
        c = contribution_of(r)
        row = rollup[c.key]
        for i, value in enumerate(c.counters):
            row[i] += value
        durations.update(c.durations)
        if c.enterprise is not None:
            enterprises[c.enterprise] += 1
    return dict(rollup), durations, enterprises


def _local_day(dialect: str):
    """SQL for the submission's day in the installation's time zone (contribution.local_day)."""
    r = ServiceRequest.__table__.c
    if dialect == "postgresql":
        return cast(func.timezone(get_settings().timezone, r.submitted_at), Date)
    return func.lx_local_day(cast(r.submitted_at, String))


def _sqlite_local_day(text: str | None, tz: ZoneInfo) -> str | None:
    if text is None:
        return None
    return local_day(datetime.fromisoformat(text).replace(tzinfo=UTC), tz).isoformat()


def _flag(condition) -> ColumnElement[int]:
    return case((condition, 1), else_=0)


def counter_columns() -> list[ColumnElement[int]]:
    """contribution.counters() in SQL, in ROLLUP_COUNTERS order (the property test holds the
    two to the same rows)."""
    r = ServiceRequest.__table__.c
    claimed = r.first_claimed_at.is_not(None)
    claimed_on_time = and_(claimed, or_(r.first_claim_due_at.is_(None), r.first_claimed_at <= r.first_claim_due_at))
    completed = r.first_completed_at.is_not(None)
    completed_on_time = and_(
        completed, or_(r.first_complete_due_at.is_(None), r.first_completed_at <= r.first_complete_due_at)
    )
    resolvable = r.status.not_in((RequestStatus.cancelled, RequestStatus.rejected))
    values = {
        "submitted": literal(1),
        "dispatched": _flag(r.dispatched_at.is_not(None)),
        "claimed": _flag(claimed),
        "claimed_on_time": _flag(claimed_on_time),
        "resolvable": _flag(resolvable),
        "resolved": _flag(and_(resolvable, completed)),
        "completed": _flag(completed),
        "completed_on_time": _flag(completed_on_time),
        "closed": _flag(r.status == RequestStatus.closed),
        "cancelled": _flag(r.status == RequestStatus.cancelled),
        "rejected": _flag(r.status == RequestStatus.rejected),
        "rated_satisfied": _flag(r.rating == Rating.satisfied),
        "rated_basically": _flag(r.rating == Rating.basically_satisfied),
        "rated_unsatisfied": _flag(r.rating == Rating.unsatisfied),
        "closed_unrated": _flag(and_(r.status == RequestStatus.closed, r.closed_unrated)),
        "returned": _flag(r.return_count > 0),
        "reworked": _flag(r.rework_count > 0),
        "late": _flag(or_(and_(claimed, ~claimed_on_time), and_(completed, ~completed_on_time))),
    }
    return [values[name] for name in ROLLUP_COUNTERS]


def rebuild_in(session: Session) -> int:
    """Recompute the rollup from every request, in this transaction, by the database (a few
    INSERT … SELECT … GROUP BY): the SQL twin of summing contribution() over the requests.
    Returns the number of requests counted."""
    session.info.pop(_PENDING, None)  # counted from the requests below anyway
    connection = session.connection()
    dialect = connection.dialect.name
    if dialect == "sqlite":
        tz = timezone()
        connection.connection.driver_connection.create_function(
            "lx_local_day", 1, lambda text: _sqlite_local_day(text, tz), deterministic=True
        )
    for table in (ROLLUP, DURATION, ENTERPRISE, LEVEL):
        connection.execute(delete(table))
    r = ServiceRequest.__table__.c
    day = _local_day(dialect).label("day")
    department = func.coalesce(r.department_id, 0).label("department_id")
    # One pass over the requests into a staging subquery, grouped per key.
    counters = [func.sum(c).label(name) for c, name in zip(counter_columns(), ROLLUP_COUNTERS, strict=True)]
    connection.execute(
        ROLLUP.insert().from_select(
            [*_ROLLUP_KEY, *ROLLUP_COUNTERS],
            select(day, department, r.service_id, *counters).group_by(day, department, r.service_id),
        )
    )
    kinds = []
    for kind in DURATION_KINDS:
        tenths = r[f"tenths_to_{kind}"]
        kinds.append(select(literal(CENTRE).label("scope"), day, literal(kind).label("kind"), tenths.label("tenths"))
                     .where(tenths.is_not(None)))
        kinds.append(select(r.department_id.label("scope"), day, literal(kind).label("kind"), tenths.label("tenths"))
                     .where(tenths.is_not(None), r.department_id.is_not(None), r.department_id != 0))
    each = union_all(*kinds).subquery()
    connection.execute(
        DURATION.insert().from_select(
            [*_DURATION_KEY, "count"],
            select(each.c.scope, each.c.day, each.c.kind, each.c.tenths, func.count())
            .group_by(each.c.scope, each.c.day, each.c.kind, each.c.tenths),
        )
    )
    connection.execute(
        ENTERPRISE.insert().from_select(
            [*_ENTERPRISE_KEY, "submitted"],
            select(day, department, r.enterprise_id, func.count())
            .where(r.enterprise_id.is_not(None)).group_by(day, department, r.enterprise_id),
        )
    )
    write_levels(connection)
    return int(connection.scalar(select(func.coalesce(func.sum(ROLLUP.c.submitted), 0))))


def write_levels(connection) -> None:
    """Fill metric_duration_level from metric_duration (the rebuild; the migration does the same)."""
    d = DURATION.c
    if connection.dialect.name == "sqlite":
        month = func.date(d.day, "start of month")
    else:
        month = cast(func.date_trunc("month", d.day), Date)
    for level, start, value in (
        (LEVEL_MONTH, month, d.tenths),
        (LEVEL_DAY_HOURS, d.day, d.tenths // HOUR_TENTHS),
        (LEVEL_MONTH_HOURS, month, d.tenths // HOUR_TENTHS),
    ):
        connection.execute(
            LEVEL.insert().from_select(
                list(_LEVEL_KEY) + ["count"],
                select(d.scope, literal(level), d.kind, start.label("start"), value.label("value"), func.sum(d.count))
                .group_by(d.scope, d.kind, start, value),
            )
        )


def rebuild(database: Database) -> int:
    """Recompute the rollup from scratch in one unit of work (``lianxin metrics rebuild``)."""
    with database.write() as session:
        return rebuild_in(session)
