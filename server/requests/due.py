"""When a request is overdue (DESIGN.md "A request's life"): each rule once, in two forms side
by side — a Python predicate for a request in hand (its flag) and its SQL twin for lists (the
API's ``overdue`` filter, the desk's overdue-first order, supervision's overdue lists).
``tests/requests/test_due.py`` checks on the database that the twins agree on every kind of
request.

- overdue to claim: unclaimed (submitted or dispatched) and past its claim due time;
- overdue to complete: its clock running (open, not suspended) and past its due time.
A suspended request's clock is stopped; a finished one is never overdue. "Past" is strict:
due at exactly ``now`` is not overdue yet. A missing due time never makes a request overdue.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, and_, or_

from server.enums import CLOCK_RUNNING_STATUSES, UNCLAIMED_STATUSES, RequestStatus
from server.models import ServiceRequest

R = ServiceRequest


def overdue_to_claim(status: RequestStatus | str, now: datetime, *, claim_due_at: datetime | None) -> bool:
    return status in UNCLAIMED_STATUSES and claim_due_at is not None and now > claim_due_at


def overdue_to_claim_clause(now: datetime) -> ColumnElement[bool]:
    return and_(R.status.in_(UNCLAIMED_STATUSES), R.claim_due_at.is_not(None), R.claim_due_at < now)


def overdue_to_complete(status: RequestStatus | str, now: datetime, *, complete_due_at: datetime | None) -> bool:
    return status in CLOCK_RUNNING_STATUSES and complete_due_at is not None and now > complete_due_at


def overdue_to_complete_clause(now: datetime) -> ColumnElement[bool]:
    return and_(R.status.in_(CLOCK_RUNNING_STATUSES), R.complete_due_at.is_not(None), R.complete_due_at < now)


def overdue(
    status: RequestStatus | str, now: datetime, *, claim_due_at: datetime | None, complete_due_at: datetime | None
) -> bool:
    """Overdue either way: the red flag."""
    return overdue_to_claim(status, now, claim_due_at=claim_due_at) or overdue_to_complete(
        status, now, complete_due_at=complete_due_at
    )


def overdue_clause(now: datetime) -> ColumnElement[bool]:
    return or_(overdue_to_claim_clause(now), overdue_to_complete_clause(now))


def is_overdue(request: ServiceRequest, now: datetime) -> bool:
    return overdue(request.status, now, claim_due_at=request.claim_due_at, complete_due_at=request.complete_due_at)
