"""What the department desk and the dispatch board share: a request shown as a row of a work
list, and one action taken from a row with its outcome shown in that row.

A row carries the actions this person may take on the request now (from the workflow table,
via the presenters), so a template shows a button only to someone the service would let
through; the service still decides.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urlencode

from markupsafe import Markup
from sqlalchemy.orm import Session

from server.accounts import people_repository
from server.catalog import snapshot
from server.db import Database
from server.enums import Action
from server.errors import InvalidInput, LianxinError, Msg, NotFound
from server.i18n_text import N_, localized
from server.models import Person, ServiceRequest, utcnow
from server.requests import presenters, refusals, repository, worklists
from server.requests import service as request_service
from server.requests.pages import row_cache
from server.requests.schemas import RequestSummary
from server.web.formdata import whole_number

NUMBER = re.compile(r"^[A-Z]{1,4}-\d{8}-\d{1,8}$")
BAD_VERSION = N_("This form is out of date or damaged; reload the page and try again.")


@dataclass
class Row:
    summary: RequestSummary
    actions: frozenset[str]
    return_count: int = 0
    last_return: worklists.Return | None = None
    returned_by: str | None = None  # the name of who sent it back
    reply: worklists.Reply | None = None  # the requester's latest message, on a handled request
    # Where the row's HTML is to be kept once rendered (row_cache): (cache, key), or None.
    slot: tuple[row_cache.RowCache, tuple] | None = None
    html = None  # a row rendered before is a KeptRow; this one is rendered (see _parts.html)

    @property
    def number(self) -> str:
        return self.summary.number

    def kept(self, html: Markup) -> Markup:
        """The row's HTML as the list rendered it, kept for the next page under the row's key."""
        if self.slot is not None:
            cache, key = self.slot
            cache.put(key, html)
        return html


@dataclass(frozen=True)
class KeptRow:
    """A row rendered before under the same key (row_cache): its HTML is all a list needs."""

    html: Markup


@dataclass(frozen=True)
class More:
    """The link to a section's next rows: a page without script, just the rows with htmx."""

    href: str
    fragment: str


@dataclass
class Section:
    """One list of a page: its rows and the cursor of the next page (None on the last)."""

    rows: list[Row | KeptRow] = field(default_factory=list)
    next_cursor: str | None = None
    after: str | None = None  # the cursor these rows were asked after (None: the first rows)
    more: More | None = None  # set by the page (worklist_page), which knows its address
    # When the page keeps what it renders (row_cache): the rows' keys, and the whole list's
    # HTML rendered before under the same key (``html``), or where to keep it (``slot``).
    row_keys: tuple = ()
    html: Markup | None = None
    slot: tuple[row_cache.RowCache, tuple] | None = None

    def kept(self, html: Markup) -> Markup:
        """The list's HTML as the page rendered it, kept for the next page under its key."""
        if self.slot is not None:
            cache, key = self.slot
            cache.put(key, html)
        return html


def rows_for(session: Session, person: Person, requests: list[ServiceRequest], locale: str,
             *, with_returns: bool = False, now: datetime | None = None) -> list[Row]:
    """Rows for any number of requests in a fixed number of queries (names in one query,
    return reasons in one more when asked); ``now`` decides their flags."""
    summaries = presenters.summaries(session, requests, locale, now=now)
    returns = worklists.last_returns(session, [r.id for r in requests if r.return_count]) if with_returns else {}
    actors = repository.people_by_id(session, {r.actor_id for r in returns.values()}) if returns else {}
    replies = worklists.requester_replies(session, requests)
    rows = []
    for summary, request in zip(summaries, requests, strict=True):
        last_return = returns.get(request.id)
        actor = actors.get(last_return.actor_id) if last_return else None
        rows.append(Row(
            summary=summary,
            actions=frozenset(a.value for a in presenters.available_actions(person, request)),
            return_count=request.return_count,
            last_return=last_return,
            returned_by=actor.display_name if actor else None,
            reply=replies.get(request.id),
        ))
    return rows


def sections(session: Session, person: Person, pages: Mapping[str, worklists.Page], locale: str,
             *, with_returns: bool = False, view: tuple | None = None) -> list[Section]:
    """Rows for several pages (by section) at once: one round of look-ups for the whole screen.
    With ``view`` (row_cache.view_key), a row rendered before under its key comes as a KeptRow
    and only the others are loaded; each of those is kept once rendered."""
    requests = [r for page in pages.values() for r in page.rows]
    now = utcnow()
    cache = row_cache.for_session(session) if view is not None else None
    if cache is None:
        rows: list[Row | KeptRow] = list(rows_for(session, person, requests, locale, with_returns=with_returns, now=now))
    else:
        keys = [row_cache.row_key(view, name, r, now) for name, page in pages.items() for r in page.rows]
        kept = [cache.get(key) for key in keys]
        fresh = iter(rows_for(session, person, [r for r, html in zip(requests, kept, strict=True) if html is None],
                              locale, with_returns=with_returns, now=now))
        rows = []
        for key, html in zip(keys, kept, strict=True):
            if html is None:
                row = next(fresh)
                row.slot = (cache, key)
                rows.append(row)
            else:
                rows.append(KeptRow(html))
    out, start = [], 0
    for page in pages.values():
        end = start + len(page.rows)
        out.append(Section(rows[start:end], page.next_cursor, row_keys=tuple(keys[start:end]) if cache is not None else ()))
        start = end
    return out


def department_choices(session: Session, locale: str) -> list[tuple[str, str]]:
    """(code, name) of the active departments, in the catalogue's order: what a dispatch,
    transfer or co-handler form offers (a template leaves out the current one)."""
    departments = sorted(snapshot.load(session).departments.values(), key=lambda d: (d.position, d.id))
    return [(d.code, localized(d.name, locale)) for d in departments if d.active]


def department_names(session: Session, locale: str) -> dict[str, str]:
    """Every department's name by code (history names departments by code)."""
    return {d.code: localized(d.name, locale) for d in snapshot.load(session).departments.values()}


def department_name(session: Session, person: Person, locale: str) -> str | None:
    department = snapshot.load(session).departments.get(person.department_id)
    return localized(department.name, locale) if department else None


@dataclass(frozen=True)
class StaffChoice:
    """One person a lead may assign a task to, with what they hold now."""

    username: str
    name: str
    load: worklists.Load


def staff_choices(session: Session, department_id: int | None) -> list[StaffChoice]:
    """The department's active staff with their current load, in two queries whatever their
    number (the people, then one grouped count): the desk's and the request page's assign
    control."""
    people = people_repository.department_staff(session, department_id)
    loads = worklists.staff_load(session, department_id) if people else {}
    return [StaffChoice(p.username, p.display_name, loads.get(p.id, worklists.Load())) for p in people]


# --- taking an action from a row -------------------------------------------------------------


@dataclass
class Outcome:
    number: str
    row: Row | None  # the request as it is now; None when this person may no longer see it
    error: refusals.Refusal | None = None  # why the action was refused

    @property
    def status_code(self) -> int:
        return self.error.status_code if self.error else 200


def take(database: Database, person: Person, number: str, action: Action, data: request_service.ActionInput,
         *, version: int | None, locale: str, with_returns: bool = False) -> Outcome:
    """Take ``action`` on request ``number`` in one unit of work and return the request as it
    is afterwards. A refusal (403, 404, 409, 422) is returned, not raised, with the request as
    it is now, so the page can say what happened inside the row instead of on an error page."""

    def work(session: Session) -> Row:
        request = repository.get_visible(session, person, number)
        request_service.perform(session, person, request, action, data, expected_version=version)
        return rows_for(session, person, [request], locale, with_returns=with_returns)[0]

    try:
        return Outcome(number, database.run(work))
    except LianxinError as exc:
        with database.read() as session:
            try:
                request = repository.get_visible(session, person, number)
            except NotFound:
                row = None
            else:
                row = rows_for(session, person, [request], locale, with_returns=with_returns)[0]
        return Outcome(number, row, _explain(exc, action, person, row))


def _explain(exc: LianxinError, action: Action, person: Person, row: Row | None) -> refusals.Refusal:
    summary = row.summary if row is not None else None
    return refusals.explain(
        exc, action, person.username, visible=row is not None,
        status=summary.status if summary else None,
        holder=refusals.Holder.of(summary.assignee) if summary else None,
    )


def parse_version(value: str) -> int | None:
    """The version a form showed (every page's action forms). Without one the service skips
    the staleness check but still checks the state; a value that is not a version is refused
    (422, as the API refuses it), never taken as "no check"."""
    if not (value or "").strip():
        return None
    version = whole_number(value)
    if version is None:
        raise InvalidInput(BAD_VERSION, {"version": BAD_VERSION})
    return version


def confirmation_query(action: Action, number: str, **extra: str) -> str:
    """The query string that tells a page, after a form's redirect, what just succeeded."""
    return urlencode({**{k: v for k, v in extra.items() if v}, "done": action.value, "n": number})


def confirmation(messages: dict[Action, str], done: str | None, number: str | None) -> Msg | None:
    """The confirmation named by ``confirmation_query``'s parameters, or None for anything else."""
    if not done or not number or not NUMBER.match(number):
        return None
    try:
        msgid = messages.get(Action(done))
    except ValueError:
        return None
    return Msg(msgid, number=number) if msgid else None
