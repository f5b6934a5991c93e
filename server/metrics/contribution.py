"""What one request adds to the figures: its rollup key and counters, its durations, and its
enterprise's demand — a pure function of the request's own columns.

The rollup (server/metrics/rollup.py) adds a request's contribution when it is filed and the
difference between its contribution before and after each transition; the from-scratch
rebuild and the raw fallback for narrow filters sum the same contributions. The counters are
the per-request predicates of server/metrics/definitions.py, so the rollup cannot count
anything the definitions do not.

Time-dependent facts (never claimed and past its claim due time; overdue now) are not here:
they change with the clock, not with a transition, and server/metrics/queries.py counts them
live from small indexed sets.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from typing import Any, Protocol

from server.enums import Rating, RequestStatus
from server.metrics import definitions as d
from server.models import ROLLUP_COUNTERS
from server.models.metric_rollup import HOUR_TENTHS, LEVEL_DAY_HOURS, LEVEL_MONTH, LEVEL_MONTH_HOURS

DURATION_KINDS = ("dispatch", "claim", "complete")
CENTRE = 0  # the scope of the whole centre in the duration histogram; 0 = "none" in keys

RollupKey = tuple[date, int, int]  # day, department (0 none), service
DurationKey = tuple[int, date, str, int]  # scope, day, kind, tenths
EnterpriseKey = tuple[date, int, int]  # day, department (0 none), enterprise
LevelKey = tuple[int, int, str, date, int]  # scope, level, kind, day or month, tenths or hours


class RequestColumns(Protocol):
    """A ServiceRequest, or a row with the same column names."""

    status: Any
    submitted_at: datetime
    department_id: int | None
    service_id: int
    building_id: int | None
    enterprise_id: int | None
    dispatched_at: datetime | None
    claim_due_at: datetime | None
    first_claimed_at: datetime | None
    first_claim_due_at: datetime | None
    first_completed_at: datetime | None
    first_complete_due_at: datetime | None
    rating: Any
    closed_unrated: bool
    return_count: int
    rework_count: int
    tenths_to_dispatch: int | None
    tenths_to_claim: int | None
    tenths_to_complete: int | None


# The columns a contribution reads: queries select exactly these.
COLUMNS = tuple(RequestColumns.__annotations__)


def facts_of(r: RequestColumns) -> d.RequestFacts:
    """The definitions' view of a request. Its claim due time is the one its first claim met,
    or, not claimed yet, the one running now."""
    claimed = r.first_claimed_at is not None
    return d.RequestFacts(
        status=RequestStatus(r.status),
        first_claimed_at=r.first_claimed_at,
        claim_due_at=r.first_claim_due_at if claimed else r.claim_due_at,
        first_completed_at=r.first_completed_at,
        first_complete_due_at=r.first_complete_due_at,
        rating=Rating(r.rating) if r.rating is not None else None,
        closed_unrated=bool(r.closed_unrated),
    )


def late(f: d.RequestFacts) -> bool:
    """Missed a limit by its facts: claimed after its claim due time, or first completed
    after the completion due time that applied."""
    return (d.claimed(f) and not d.claimed_on_time(f)) or (f.ever_completed and not d.completed_on_time(f))


def returned(r: RequestColumns) -> bool:
    return (r.return_count or 0) > 0


def reworked(r: RequestColumns) -> bool:
    return (r.rework_count or 0) > 0


def local_day(at: datetime, tz: tzinfo) -> date:
    return at.astimezone(tz).date()


def counters(r: RequestColumns, f: d.RequestFacts) -> tuple[int, ...]:
    """The request's counters, in ROLLUP_COUNTERS order."""
    values = {
        "submitted": 1,
        "dispatched": r.dispatched_at is not None,
        "claimed": d.claimed(f),
        "claimed_on_time": d.claimed_on_time(f),
        "resolvable": d.resolvable(f),
        "resolved": d.resolved(f),
        "completed": f.ever_completed,
        "completed_on_time": d.completed_on_time(f),
        "closed": f.status == RequestStatus.closed,
        "cancelled": f.status == RequestStatus.cancelled,
        "rejected": f.status == RequestStatus.rejected,
        "rated_satisfied": f.rating == Rating.satisfied,
        "rated_basically": f.rating == Rating.basically_satisfied,
        "rated_unsatisfied": f.rating == Rating.unsatisfied,
        "closed_unrated": d.closed_without_rating(f),
        "returned": returned(r),
        "reworked": reworked(r),
        "late": late(f),
    }
    return tuple(int(values[name]) for name in ROLLUP_COUNTERS)


@dataclass(frozen=True, slots=True)
class Contribution:
    key: RollupKey
    counters: tuple[int, ...]
    durations: tuple[DurationKey, ...]  # one count each
    enterprise: EnterpriseKey | None


def contribution(r: RequestColumns, tz: tzinfo) -> Contribution:
    day = local_day(r.submitted_at, tz)
    department = r.department_id or 0
    scopes = (CENTRE, department) if department else (CENTRE,)
    durations = tuple(
        (scope, day, kind, tenths)
        for kind, tenths in zip(DURATION_KINDS, (r.tenths_to_dispatch, r.tenths_to_claim, r.tenths_to_complete), strict=True)
        if tenths is not None
        for scope in scopes
    )
    return Contribution(
        key=(day, department, r.service_id),
        counters=counters(r, facts_of(r)),
        durations=durations,
        enterprise=(day, department, r.enterprise_id) if r.enterprise_id is not None else None,
    )


def month_of(day: date) -> date:
    return day.replace(day=1)


def levels(key: DurationKey) -> tuple[LevelKey, ...]:
    """Where one duration counts in the histogram's coarser levels (MetricDurationLevel)."""
    scope, day, kind, tenths = key
    month, hours = month_of(day), tenths // HOUR_TENTHS
    return (
        (scope, LEVEL_MONTH, kind, month, tenths),
        (scope, LEVEL_DAY_HOURS, kind, day, hours),
        (scope, LEVEL_MONTH_HOURS, kind, month, hours),
    )
