"""One work-list page: the department desk, the dispatch board, and any list of requests to act
on that comes next (the supervisors' overdue list).

Such a page is named sections of rows. With htmx, ``?part=<section>`` fetches one section and
``?part=<section>_rows`` just its rows (the "more" link asks for the rows after
``?<section>_after=<cursor>``), and a section fetching itself again says with ``?shown=<n>``
how many rows the person has on screen (after "more"), so that it is rendered through them
rather than collapsing to its first page (see :func:`window`); without script the same
addresses are the whole page. Each row's form posts one action to
``<path>/requests/{number}/{action}``: with htmx the page answers in the row; without script it
redirects back with what succeeded, or shows the whole page with the refusal on top. This
module is that common frame; the page modules say which sections, queries, actions and row
templates they have.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import Annotated
from urllib.parse import urlencode

from fastapi import Query
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from server.enums import Action
from server.models import Person
from server.requests import worklists
from server.requests.pages import freshness, row_cache, worklist
from server.requests.pages.panels import parse_action
from server.web.render import is_htmx, render

# One section's query: given the cursor it was asked after (None for the first rows) and how
# many rows (``limit``, None for a page of worklists.PAGE_SIZE); with state=True its rows'
# state only (worklists.STATE), for the block's ETag.
SectionQuery = Callable[..., worklists.Page]

# The most rows a section fetching itself again renders for a person who pressed "more" many
# times: past it, the refresh shows this many and the "more" link again.
MAX_SHOWN = 200


# The query parameter itself, as the pages declare it.
Shown = Annotated[str | None, Query(max_length=10)]


def window(block: str | None, shown: str | None) -> int | None:
    """How many rows the ``block`` (:meth:`WorkListPage.block`) renders, from ``?shown=`` (the
    rows the person has on screen, counted by poll.js): None (one page) for the whole page
    (``block`` None: its first answer shows first pages), when that is one page or less, or
    when the value is not a count; else whole pages up to MAX_SHOWN. Whole pages, so that the
    few windows there are share their statements (paging's first pages)."""
    if block is None or not shown or not shown.isascii() or not shown.isdigit():
        return None
    size = worklists.PAGE_SIZE  # read here: tests shorten it
    rows = min(int(shown), MAX_SHOWN)
    return -(-rows // size) * size if rows > size else None


@dataclass(frozen=True)
class WorkListPage:
    path: str  # "/desk"
    template: str  # the page template, with a block per section and per section's rows
    sections: tuple[str, ...]  # in the page's order
    actions: frozenset[Action]  # what a row takes in place; the others live on the request page
    done: Mapping[Action, str]  # msgid of the confirmation shown after a form's redirect
    with_returns: bool = False  # rows carry the last return's reason and who sent it back
    # Rendered rows are kept (row_cache) when everything a row shows is in its key: not yet
    # for rows with a return's reason (who sent it back is a name of no row's version).
    keeps_rows: bool = False

    @property
    def parts(self) -> frozenset[str]:
        """The blocks an htmx request may ask for: a whole section, or its rows."""
        return frozenset(self.sections) | {f"{s}_rows" for s in self.sections}

    def block(self, request: Request, part: str | None) -> str | None:
        """The one block to render for this request; None for the whole page."""
        return part if is_htmx(request) and part in self.parts else None

    def wanted(self, block: str | None, everything: Collection[str] | None = None) -> set[str]:
        """The sections to load: the block's, or all the page shows this person."""
        if block:
            return {block.removesuffix("_rows")}
        return set(self.sections if everything is None else everything)

    def action(self, value: str) -> Action:
        """The action a row's form names; one the page does not take from a row is a 404."""
        return parse_action(value, self.actions)

    def section(self, value: str, default: str) -> str:
        return value if value in self.sections else default

    def load(self, session: Session, person: Person, queries: Mapping[str, SectionQuery], wanted: Collection[str],
             cursors: Mapping[str, str | None], locale: str, *, keep: Mapping[str, str] | None = None,
             shown: tuple = (), limit: int | None = None) -> dict[str, worklist.Section]:
        """The wanted sections, in the page's order, with their "more" links: one round of
        look-ups for the whole screen, so the query count does not grow with the rows.
        ``keep`` is what the page's links carry along (the desk's sort order); ``shown`` is
        whatever else of the page its rows show (a lead's assign choices), for their key;
        ``limit`` how many rows of each (:func:`window`)."""
        names = [name for name in self.sections if name in wanted]
        pages = {name: queries[name](cursors.get(name), limit=limit) for name in names}  # the rows themselves
        view = None
        # A window past the first page (window()) is rendered afresh: kept, each of its
        # changes would hold up to MAX_SHOWN rendered rows, and push other desks' rows out.
        if self.keeps_rows and limit is None:
            view = row_cache.view_key(session, person, self.path, locale, (tuple(sorted((keep or {}).items())), shown))
        loaded = worklist.sections(session, person, pages, locale, with_returns=self.with_returns, view=view)
        lists = row_cache.for_session(session, row_cache.LISTS) if view is not None else None
        for name, section in zip(names, loaded, strict=True):
            section.after = cursors.get(name)
            if section.next_cursor:
                section.more = self.more(name, section.next_cursor, keep or {})
            if lists is not None:
                # A whole list is its rows' keys and where it starts and ends.
                key = (view, name, section.after, section.next_cursor, section.row_keys)
                section.html = lists.get(key)
                section.slot = (lists, key) if section.html is None else None
        return dict(zip(names, loaded, strict=True))

    def more(self, section: str, cursor: str, keep: Mapping[str, str]) -> worklist.More:
        """The link to a section's rows after ``cursor``."""
        page = {**keep, f"{section}_after": cursor}
        return worklist.More(
            href=f"{self.path}?{urlencode(page)}",
            fragment=f"{self.path}?{urlencode({**page, 'part': f'{section}_rows'})}",
        )

    def state_tag(self, request: Request, session: Session, person: Person, queries: Mapping[str, SectionQuery],
                  wanted: Collection[str], cursors: Mapping[str, str | None], *, extra: tuple = (),
                  limit: int | None = None) -> str:
        """The ETag of the block showing the ``wanted`` sections, from their rows' state: a
        few small queries, no rows loaded (server.requests.pages.freshness). The same
        ``limit`` as the block's rows: a change in any row it shows changes the tag."""
        pages = {name: queries[name](cursors.get(name), state=True, limit=limit) for name in self.sections if name in wanted}
        return freshness.etag(request, person, session, pages, extra=extra)

    def show(self, request: Request, context: dict, *, block: str | None, done: str | None, n: str | None,
             tag: str | None = None) -> Response:
        """The page or its asked-for block, with the confirmation a redirect asked for; a
        block with its ETag ``tag`` (the next poll asks If-None-Match)."""
        context["done"] = worklist.confirmation(self.done, done, n)
        headers = freshness.headers(tag) if tag else None
        return render(request, self.template, self._slotted(context), block=block, headers=headers)

    def _slotted(self, context: dict) -> dict:
        """Kept rows are rendered with the CSRF slot for the reader's token (render() fills it)."""
        return {**context, "csrf_token": row_cache.CSRF_SLOT} if self.keeps_rows else context

    def answer_without_script(self, request: Request, action: Action, outcome: worklist.Outcome,
                              reload: Callable[[], dict], **keep: str) -> Response:
        """A plain form's answer: back to the page saying what succeeded, or the whole page
        again (``reload()`` its context) with the refusal on top."""
        if outcome.error is None:
            query = worklist.confirmation_query(action, outcome.number, **keep)
            return RedirectResponse(f"{self.path}?{query}", status_code=303)
        context = reload()
        context["failure"] = outcome
        return render(request, self.template, self._slotted(context), status_code=outcome.status_code)
