"""What the home page (``/``) shows each role, gathered from the lists other pages already
use, so the home can never show a request the person's own lists would not:

- a requester (member, contact): their open requests, and those waiting for their rating
  (请评价), from the finder (``server.requests.finder``, ``mine``: what they filed);
- staff and leads: their tasks due soon or overdue, from the desk's "my tasks"
  (``server.requests.worklists.my_tasks``, due soonest first), with a link to the desk;
- a dispatcher: how many requests wait on the board, unplaced and returned (the board's two
  lists, counted);
- a supervisor: the headline figures of /supervision over the last 30 days.

Someone with several roles sees the section of each. A supervisor or an administrator with
nothing else to do here goes straight to their area (``landing``), as before.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from server.db import Database
from server.enums import OPEN_STATUSES, RequestStatus, Role
from server.metrics.pages import strip as figures_strip
from server.models import Person, utcnow
from server.requests import finder, presenters, worklists
from server.requests.flags import Flag
from server.requests.schemas import RequestSummary
from server.web.links import finder_url
from server.web.nav import Area, areas_for

# Rows each list shows on the home page; the rest are a link away.
ROWS = 5
# The desk's tasks read to find the urgent ones: due soonest first, so the overdue and the
# due-soon come first and a short page holds them.
TASKS_READ = 20
REQUESTER_ROLES = frozenset({Role.member, Role.contact})
WORKER_ROLES = frozenset({Role.staff, Role.lead})
# Roles with a section of their own besides the supervisor's figures.
SECTION_ROLES = REQUESTER_ROLES | WORKER_ROLES | {Role.dispatcher}
OPEN = tuple(s for s in RequestStatus if s in OPEN_STATUSES)
URGENT = (Flag.red.value, Flag.blue.value)


@dataclass
class RowList:
    rows: list[RequestSummary]
    more: bool  # longer than shown
    href: str  # the whole list


@dataclass
class Requester:
    open: RowList
    to_rate: RowList


@dataclass
class Worker:
    overdue: list[RequestSummary]
    due_soon: list[RequestSummary]
    desk_href: str = "/desk"


@dataclass
class Dispatch:
    new: int
    returned: int
    new_href: str = "/dispatch#board-new"
    returned_href: str = "/dispatch#board-returned"


@dataclass
class Home:
    areas: list[Area]
    requester: Requester | None = None
    worker: Worker | None = None
    dispatch: Dispatch | None = None
    figures: figures_strip.Strip | None = None
    empty: bool = field(default=False)  # no role at all


def landing(person: Person) -> str | None:
    """Where ``/`` sends this person straight away, or None to show the home page: a
    supervisor lands on /supervision, an administrator on /admin (their one area, and no
    section of their own here)."""
    areas = areas_for(person)
    if len(areas) == 1 and not person.roles & SECTION_ROLES:
        return areas[0].path
    return None


def gather(database: Database, person: Person, locale: str, now: datetime | None = None) -> Home:
    """Every section this person's roles give them, with a fixed number of queries."""
    now = now or utcnow()
    roles = person.roles
    home = Home(areas=areas_for(person), empty=not roles)
    with database.read() as session:
        lists: list[list] = []
        if roles & REQUESTER_ROLES:
            open_page = finder.find(session, person, finder.Filters(statuses=OPEN, mine=True), limit=ROWS, now=now)
            rate_page = finder.find(session, person, finder.Filters(statuses=(RequestStatus.completed,), mine=True),
                                    limit=ROWS, now=now)
            lists += [open_page.rows, rate_page.rows]
        tasks = []
        if roles & WORKER_ROLES:
            tasks = worklists.my_tasks(session, person, limit=TASKS_READ).rows
            lists.append(tasks)
        if Role.dispatcher in roles:
            counts = worklists.awaiting_dispatch_counts(session, person)
            home.dispatch = Dispatch(new=counts.new, returned=counts.returned)
        rows = [r for rows in lists for r in rows]
        shown = {s.id: s for s in presenters.summaries(session, rows, locale)} if rows else {}
    if roles & REQUESTER_ROLES:
        home.requester = Requester(
            open=_row_list(open_page, shown, person, OPEN),
            to_rate=_row_list(rate_page, shown, person, (RequestStatus.completed,)),
        )
    if roles & WORKER_ROLES:
        flagged = [shown[t.id] for t in tasks if shown[t.id].flag in URGENT]
        home.worker = Worker(
            overdue=[s for s in flagged if s.flag == Flag.red.value][:ROWS],
            due_soon=[s for s in flagged if s.flag == Flag.blue.value][:ROWS],
        )
    if Role.supervisor in roles:
        home.figures = figures_strip.for_overseer(database, person, locale, now)
    return home


def _row_list(page, shown: dict[int, RequestSummary], person: Person, statuses) -> RowList:
    # Someone who only orders services has /requests as "my requests"; anyone else needs
    # the finder's "filed by me".
    mine = None if finder.requester_only(person) else "1"
    return RowList(
        rows=[shown[r.id] for r in page.rows],
        more=page.next_cursor is not None,
        href=finder_url(status=[s.value for s in statuses], mine=mine),
    )
