"""The three-colour supervision flag (三色督办). No database: a rule over one request's times.

- red: overdue (``server.requests.due``) — not claimed by its claim due time, or not completed
  by its due time;
- yellow: behind — more than half of the time to its due time has gone and nobody has
  claimed it yet;
- blue: due soon — less than a fifth of its time (or under 4 hours) is left.
A suspended request's clock is stopped, so it carries no flag; finished ones carry none.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import ColumnElement

from server.enums import CLOCK_RUNNING_STATUSES, UNCLAIMED_STATUSES, RequestStatus
from server.requests import due

DUE_SOON_FLOOR = timedelta(hours=4)


class Flag(StrEnum):
    blue = "blue"
    yellow = "yellow"
    red = "red"


def flag_for(
    status: RequestStatus,
    now: datetime,
    *,
    submitted_at: datetime,
    claim_due_at: datetime | None,
    complete_due_at: datetime | None,
) -> Flag | None:
    if status not in CLOCK_RUNNING_STATUSES:
        return None
    if due.overdue(status, now, claim_due_at=claim_due_at, complete_due_at=complete_due_at):
        return Flag.red
    unclaimed = status in UNCLAIMED_STATUSES
    if complete_due_at is None:
        return None
    span = complete_due_at - submitted_at
    left = complete_due_at - now
    if unclaimed and left < span / 2:
        return Flag.yellow
    if left < max(span / 5, DUE_SOON_FLOOR):
        return Flag.blue
    return None


def red_clause(now: datetime) -> ColumnElement[bool]:
    """The SQL twin of ``flag_for(...) == Flag.red`` (overdue either way: only requests whose
    clock runs can be), for the sweep's set-based update. tests/requests/test_supervision.py
    checks that the twins agree."""
    return due.overdue_clause(now)
