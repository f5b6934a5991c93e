"""The public board 晒单: the month's figures by department for everyone signed in, with no
names of people or enterprises, and the month's red list. Read-only; every figure is
``server.metrics.service``'s."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime

from sqlalchemy.orm import Session

from server.metrics import service as metrics


@dataclass
class BoardRow:
    department_id: int
    volume: int  # requests submitted this month
    response: float | None
    resolution: float | None
    satisfaction: float | None
    complete_p50: float | None  # the median time to complete, working hours


@dataclass
class Board:
    start: date
    end: date
    rows: list[BoardRow]
    red: list[metrics.RedBlackRow]


def board(session: Session, month: date, today: date, *, now: datetime) -> Board:
    """The month holding ``month``, up to ``today`` if it is this one. Departments with no
    request this month show no figures (the median needs requests of their own)."""
    start, end = metrics.month_bounds(month)
    end = min(end, today) if today >= start else end
    filters = metrics.Filters(start, end)
    rows = []
    for row in metrics.departments(session, filters, now=now):
        p50 = None
        if row.submitted:
            p50 = metrics.figures(session, replace(filters, department_id=row.department_id), now=now).durations.complete_p50
        rows.append(BoardRow(row.department_id, row.submitted, row.rates.response, row.rates.resolution,
                             row.rates.satisfaction, p50))
    return Board(start, end, rows, metrics.red_black(session, start, now=now).red)
