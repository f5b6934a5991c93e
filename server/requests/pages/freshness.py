"""ETags for the live parts of the work lists (the desk's queue polls itself every 15 s): a
poll of a list that has not changed is answered ``304 Not Modified`` after a few small
queries, without loading or rendering a single row.

The tag is a digest of everything the block shows, computed without building it:

- who is looking: the person, roles and department, the language, the session's CSRF token
  (every row's forms carry it) and the address asked for (section, order, cursor, rows shown);
- per section, each row's state (``worklists.STATE``: id, version, status, due times, the
  people's names) and its flag now (flags change with the clock, not with the row), and
  the cursor of the next rows;
- the catalogue's revision (service, department and building names) and whatever else the
  page adds (a lead's assign choices with each colleague's load).

Another viewer, another language or any change a viewer would see gives another tag, so a
304 never confirms a copy made for someone else or before the change.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from datetime import datetime

from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import Response

from server.catalog import snapshot
from server.enums import RequestStatus
from server.http import csrf
from server.models import Person, utcnow
from server.requests import worklists
from server.requests.flags import flag_for
from server.web.i18n import locale_for

# Kept by the browser, but asked again each time (the poll then carries If-None-Match); only
# the reader's own browser may keep it, and a different cookie (another person) never matches.
CACHE_CONTROL = "private, no-cache"
VARY = "HX-Request, Cookie"


def etag(request: Request, person: Person, session: Session, sections: Mapping[str, worklists.Page],
         *, extra: Iterable[object] = (), now: datetime | None = None) -> str:
    """The weak ETag of a block showing ``sections`` (pages read with ``state=True``)."""
    now = now or utcnow()
    digest = hashlib.blake2b(digest_size=16)

    def feed(*values: object) -> None:
        digest.update(repr(values).encode())
        digest.update(b"\x1f")

    feed(person.id, sorted(person.roles), person.department_id, person.display_name,
         locale_for(request), csrf.token_for(request), request.url.path, request.url.query,
         snapshot.current_revision(session))
    for name, page in sections.items():
        feed(name, page.next_cursor)
        for row in page.rows:
            status, submitted_at, claim_due_at, complete_due_at = row[2], row[3], row[4], row[5]
            flag = flag_for(RequestStatus(status), now, submitted_at=submitted_at,
                            claim_due_at=claim_due_at, complete_due_at=complete_due_at)
            feed(*row, flag)
    for value in extra:
        feed(value)
    return f'W/"{digest.hexdigest()}"'


def matches(request: Request, tag: str) -> bool:
    """Does the request's If-None-Match name ``tag`` (weak comparison, RFC 9110 13.1.2)?"""
    header = request.headers.get("if-none-match")
    if not header:
        return False
    if header.strip() == "*":
        return True
    wanted = tag.removeprefix("W/")
    return any(part.strip().removeprefix("W/") == wanted for part in header.split(","))


def not_modified(tag: str) -> Response:
    return Response(status_code=304, headers={"ETag": tag, "Cache-Control": CACHE_CONTROL, "Vary": VARY})


def headers(tag: str) -> dict[str, str]:
    """What a block answered in full carries, so that the next poll can ask If-None-Match."""
    return {"ETag": tag, "Cache-Control": CACHE_CONTROL}
