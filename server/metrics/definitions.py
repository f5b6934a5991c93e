"""DESIGN.md "Exact definitions", one pure function each: no database, no web.

The queries that feed them reduce each request of a period to :class:`RequestFacts`; every
rate here takes those facts and returns a fraction from 0 to 1, or ``None`` when its
denominator is empty ("no figure": null in JSON, "—" on pages; never 0, never an error).

Choices where DESIGN.md is silent, stated once here:
- A request claimed that never had a claim due time (its department had no claim limit) came
  "at or before" it: it counts as responded in time.
- A request completed that never had a completion due time counts as on time.
- The composite score needs all three of its rates; without one of them it is no figure.
- Departments with no composite score (say, nothing rated yet) are not ranked in the red and
  black list: the list ranks figures, and they have none.
- Percentiles interpolate between neighbours (PostgreSQL's ``percentile_cont``), so SQL and
  Python give the same p50 and p90.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from server.enums import Rating, RequestStatus

# Beijing district hotline reports weigh "basically satisfied" at 0.9 of "satisfied".
BASICALLY_SATISFIED_WEIGHT = 0.9
COMPOSITE_WEIGHTS = {"response": 0.1, "resolution": 0.5, "satisfaction": 0.4}
RED_BLACK_MIN_VOLUME = 5
RED_BLACK_SIZE = 5

_NOT_RESOLVABLE = frozenset({RequestStatus.cancelled, RequestStatus.rejected})


@dataclass(frozen=True, slots=True)
class RequestFacts:
    """What the definitions need to know of one request of the period."""

    status: RequestStatus
    first_claimed_at: datetime | None = None
    claim_due_at: datetime | None = None  # the due time of that first claim
    first_completed_at: datetime | None = None  # None: never completed
    # The completion due time that applied to the first completion (as extended, with the time
    # suspended added back), not a later rework's fresh one.
    first_complete_due_at: datetime | None = None
    rating: Rating | None = None  # the latest rating
    closed_unrated: bool = False  # closed by the rating window running out

    @property
    def ever_completed(self) -> bool:
        return self.first_completed_at is not None


def _fraction(numerator: int, denominator: int) -> float | None:
    return numerator / denominator if denominator else None


# --- per request: what each rate counts (the rollup in server/metrics counts these too) -----


def claimed(r: RequestFacts) -> bool:
    return r.first_claimed_at is not None


def claimed_on_time(r: RequestFacts) -> bool:
    """First claim at or before its claim due time (no due time: on time)."""
    return r.first_claimed_at is not None and (r.claim_due_at is None or r.first_claimed_at <= r.claim_due_at)


def unclaimed_past_due(r: RequestFacts, now: datetime) -> bool:
    """Never claimed, and its claim due time has passed: decided, and not on time."""
    return r.first_claimed_at is None and r.claim_due_at is not None and r.claim_due_at < now


def response_decided(r: RequestFacts, now: datetime) -> bool:
    """Counted in the response rate's denominator: claimed, or never claimed and past due."""
    return claimed(r) or unclaimed_past_due(r, now)


def resolvable(r: RequestFacts) -> bool:
    return r.status not in _NOT_RESOLVABLE


def resolved(r: RequestFacts) -> bool:
    """In the resolution rate's numerator: resolvable and ever completed."""
    return resolvable(r) and r.ever_completed


def completed_on_time(r: RequestFacts) -> bool:
    """First completion at or before the due time that applied to it (none: on time)."""
    return r.first_completed_at is not None and (
        r.first_complete_due_at is None or r.first_completed_at <= r.first_complete_due_at
    )


def closed_without_rating(r: RequestFacts) -> bool:
    return r.status == RequestStatus.closed and r.closed_unrated


# --- rates from counts ------------------------------------------------------------------------


def response_rate_of(on_time: int, decided: int) -> float | None:
    return _fraction(on_time, decided)


def resolution_rate_of(completed: int, resolvable: int) -> float | None:
    return _fraction(completed, resolvable)


def on_time_rate_of(on_time: int, completed: int) -> float | None:
    return _fraction(on_time, completed)


def return_rate_of(returned: int, dispatched: int) -> float | None:
    """Requests returned to the dispatchers / requests dispatched (the red and black list)."""
    return _fraction(returned, dispatched)


def rework_rate_of(reworked: int, completed: int) -> float | None:
    """Requests sent back for rework / requests ever completed (the red and black list)."""
    return _fraction(reworked, completed)


@dataclass(frozen=True, slots=True)
class Satisfaction:
    rate: float | None  # (satisfied + 0.9 × basically satisfied) / rated
    share: float | None  # (satisfied + basically satisfied) / rated
    unrated_share: float | None  # closed without a rating / closed


def satisfaction_of(satisfied: int, basically: int, rated: int, closed: int, unrated: int) -> Satisfaction:
    weighted = satisfied + BASICALLY_SATISFIED_WEIGHT * basically
    return Satisfaction(
        rate=weighted / rated if rated else None,
        share=_fraction(satisfied + basically, rated),
        unrated_share=_fraction(unrated, closed),
    )


# --- rates over requests ----------------------------------------------------------------------


def response_rate(requests: Iterable[RequestFacts], now: datetime) -> float | None:
    """First claim at or before its claim due time / (claimed + never claimed and past due).
    Not claimed and not yet due (or with no due time yet): undecided, left out."""
    on_time = decided = 0
    for r in requests:
        on_time += claimed_on_time(r)
        decided += response_decided(r, now)
    return response_rate_of(on_time, decided)


def resolution_rate(requests: Iterable[RequestFacts]) -> float | None:
    """Ever completed / neither cancelled nor rejected."""
    completed = considered = 0
    for r in requests:
        considered += resolvable(r)
        completed += resolved(r)
    return resolution_rate_of(completed, considered)


def satisfaction(requests: Iterable[RequestFacts]) -> Satisfaction:
    satisfied = basically = rated = closed = unrated = 0
    for r in requests:
        if r.rating is not None:
            rated += 1
            satisfied += r.rating == Rating.satisfied
            basically += r.rating == Rating.basically_satisfied
        closed += r.status == RequestStatus.closed
        unrated += closed_without_rating(r)
    return satisfaction_of(satisfied, basically, rated, closed, unrated)


def on_time_rate(requests: Iterable[RequestFacts]) -> float | None:
    """First completion at or before the due time that applied to it / ever completed."""
    on_time = completed = 0
    for r in requests:
        completed += r.ever_completed
        on_time += completed_on_time(r)
    return on_time_rate_of(on_time, completed)


def composite(response: float | None, resolution: float | None, satisfaction_rate: float | None) -> float | None:
    """100 × (0.1 × response + 0.5 × resolution + 0.4 × satisfaction), one decimal."""
    if response is None or resolution is None or satisfaction_rate is None:
        return None
    w = COMPOSITE_WEIGHTS
    score = 100 * (w["response"] * response + w["resolution"] * resolution + w["satisfaction"] * satisfaction_rate)
    # Half up, as a person rounding by hand would: round() rounds half to even, and float
    # arithmetic can leave 72.25 a hair below itself, so first cut the float noise at 6 places.
    return float(Decimal(str(round(score, 6))).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def percentile(values: Sequence[float], fraction: float) -> float | None:
    """The ``fraction`` (0–1) percentile, interpolated like ``percentile_cont``; None if empty."""
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * fraction
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def previous_period(start: date, end: date) -> tuple[date, date]:
    """The period of equal length just before [start, end] (both inclusive)."""
    days = (end - start).days + 1
    return start - timedelta(days=days), start - timedelta(days=1)


@dataclass(frozen=True, slots=True)
class DepartmentMonth:
    """A department's figures for one month, as the red and black list ranks them."""

    code: str
    volume: int
    composite: float | None
    overdue: int


@dataclass(frozen=True, slots=True)
class RedBlackList:
    red: list[DepartmentMonth]  # best first
    black: list[DepartmentMonth]  # worst first


def red_black_list(departments: Iterable[DepartmentMonth]) -> RedBlackList:
    """Departments with at least 5 requests in the month, ranked by composite score (ties:
    fewer overdue, then more volume); the top five are red, the bottom five black, and one
    that would be on both (fewer than ten ranked) is on neither."""
    ranked = sorted(
        (d for d in departments if d.volume >= RED_BLACK_MIN_VOLUME and d.composite is not None),
        key=lambda d: (-d.composite, d.overdue, -d.volume, d.code),
    )
    top = ranked[:RED_BLACK_SIZE]
    bottom = ranked[-RED_BLACK_SIZE:][::-1]
    both = {d.code for d in top} & {d.code for d in bottom}
    return RedBlackList(
        red=[d for d in top if d.code not in both],
        black=[d for d in bottom if d.code not in both],
    )
