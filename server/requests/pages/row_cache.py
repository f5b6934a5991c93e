"""Rendered work-list rows, kept per process and per database: the desk's hundred rows are most
of its page, and a desk is fetched again and again with nothing changed in most of its rows.

A row is kept under a key made of everything its HTML depends on, so a kept row can never be
stale, whichever worker changed the request:

- the request's state as the list read it (``worklists.STATE``'s rule): its id and version
  (every transition and edit of a request is a new version: the ORM's optimistic lock), the
  requester's and the assignee's names and usernames (a person renamed is no new version of
  the request), the id of the requester's latest message, and its flag *now* (flags change
  with the clock, not with the row);
- who looks and how (:func:`view_key`): the page and list, the person, their roles and
  department (the actions a row offers), the language, the centre's time zone, the
  catalogue's revision (service, building and department names) and whatever else the page's
  rows show (the desk's order, a lead's assign choices).

A whole list (a section of the page) is kept too, under its rows' keys and where it starts and
ends (the cursors): an unchanged list is one look-up, without rendering its frame again.

The viewer's CSRF token is not in the key: rows are rendered with :data:`CSRF_SLOT` in its
place and the page puts its own token there once (``server.web.render``). Rows shown after an
action (with what happened in them) are never kept. Each database's cache is a bounded LRU.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable, Iterable
from datetime import datetime

from markupsafe import Markup
from sqlalchemy.orm import Session

from server.catalog import snapshot
from server.config import get_settings
from server.db import CACHE_INFO_KEY
from server.enums import RequestStatus
from server.models import Person
from server.requests.flags import flag_for
from server.web.render import CSRF_SLOT

__all__ = ["CSRF_SLOT", "LISTS", "ROWS", "RowCache", "for_session", "row_key", "view_key"]

# Rows kept per database and process: ~1.5 KB each (a lead's rows with the assign choice
# ~4 KB), so a few MB at most; a busy centre's desks (tens of people × 100 rows) fit.
MAX_ROWS = 4096
# Whole lists (a section of a page with its rows, up to worklists.PAGE_SIZE of them): its key is
# its rows' keys, so an unchanged list is one look-up; ~40 KB each, so fewer.
MAX_LISTS = 256
ROWS, LISTS = "work_rows", "work_lists"
_lock = threading.Lock()


class RowCache:
    """A bounded, thread-safe LRU of rendered rows (worker threads serve the pages)."""

    def __init__(self, max_rows: int):
        self.max_rows = max_rows
        self._rows: OrderedDict[Hashable, Markup] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> Markup | None:
        with self._lock:
            html = self._rows.get(key)
            if html is not None:
                self._rows.move_to_end(key)
            return html

    def put(self, key: Hashable, html: Markup) -> None:
        with self._lock:
            self._rows[key] = html
            self._rows.move_to_end(key)
            while len(self._rows) > self.max_rows:
                self._rows.popitem(last=False)

    def __len__(self) -> int:
        return len(self._rows)

    def __bool__(self) -> bool:
        return True  # a cache, even an empty one (``if cache`` must not mean "has rows")

    def clear(self) -> None:
        with self._lock:
            self._rows.clear()


def for_session(session: Session, kind: str = ROWS) -> RowCache | None:
    """The cache of rows (``ROWS``) or of whole lists (``LISTS``) of the session's database
    (``Database.cache``); None for a session of no Database (nothing is kept then)."""
    cache: dict | None = session.info.get(CACHE_INFO_KEY)
    if cache is None:
        return None
    found = cache.get(kind)
    if found is None:
        with _lock:
            found = cache.setdefault(kind, RowCache(MAX_ROWS if kind == ROWS else MAX_LISTS))
    return found


def view_key(session: Session, person: Person, page: str, locale: str, extra: Iterable[Hashable] = ()) -> tuple:
    """What every row of one page shows the same for this viewer (see the module's notes)."""
    return (page, person.id, frozenset(person.roles), person.department_id, locale, get_settings().timezone,
            snapshot.load(session).revision, *extra)


def row_key(view: tuple, section: str, row, now: datetime) -> tuple:
    """A listed row's key (``row``: a ``worklists.Listed``) in ``section`` of a page."""
    flag = flag_for(RequestStatus(row.status), now, submitted_at=row.submitted_at,
                    claim_due_at=row.claim_due_at, complete_due_at=row.complete_due_at)
    return (view, section, row.id, row.version, flag, row.reply_id, row.requester_username, row.requester_name,
            row.assignee_username, row.assignee_name)
