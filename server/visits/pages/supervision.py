"""The visits section of the supervision dashboard (/supervision): the period's visit figures
(``server/visits/figures.py``) as text, each linking to the visit log or the plan. The
dashboard makes one call, :func:`section`, and includes ``visits/_supervision.html``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from urllib.parse import urlencode

from sqlalchemy.orm import Session

from server.i18n_text import N_
from server.metrics.pages.formats import Formats
from server.visits import figures


@dataclass(frozen=True)
class Figure:
    label: str
    text: str
    href: str


def section(fmt: Formats, session: Session, start: date, end: date, department_id: int | None) -> list[Figure]:
    f = figures.figures(session, start, end, department_id=department_id)
    log = "/visits/log?" + urlencode({k: v for k, v in (("from", start.isoformat()), ("to", end.isoformat()),
                                                          ("department", department_id)) if v is not None})
    plan = "/visits" + (f"?department={department_id}" if department_id is not None else "")
    return [
        Figure(fmt._(N_("Visit coverage")), f"{fmt.rate(f.coverage)} ({fmt.count(f.visited_enterprises)}/{fmt.count(f.active_enterprises)})", log),
        Figure(fmt._(N_("Visits")), fmt.count(f.visits), log),
        Figure(fmt._(N_("Overdue visits")), fmt.count(f.overdue), plan),
        Figure(fmt._(N_("Needs found")), fmt.count(f.needs), log),
        Figure(fmt._(N_("Needs resolved")), f"{fmt.count(f.resolved)} · {fmt.rate(f.resolution_rate)}", log),
        Figure(fmt._(N_("Rated satisfied")), f"{fmt.count(f.rated_satisfied)}/{fmt.count(f.rated)} · {fmt.rate(f.satisfaction_rate)}", log),
    ]
