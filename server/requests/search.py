"""Text search of the request finder: which requests a search text ``q`` finds.

A request is found by its tracking number, its requester's name or phone, its enterprise's name,
or its own text (description, contact phone, the values of its answers: ``request_search``,
kept by triggers). Each of these is one condition of its own, with its own index, so the
finder's pager runs them apart and merges the pages (``server.paging``'s alternatives): an OR
across tables would make the database read every match before it could return the first 50.

How the request's own text is searched:
- three characters or more: the trigram index — SQLite FTS5 ``request_fts`` (tokenizer
  ``trigram``), PostgreSQL pg_trgm's GIN index on ``request_search.body`` (``ILIKE``);
- one or two characters (common in Chinese: 维修, 停车) have no trigram, so no index can help.
  They are a plain substring test (``LIKE``) over ``request_search`` joined to the candidate
  requests, read newest first and stopping at the page's end: a short term is common, so a page
  of matches is found after a few thousand rows; the bounded set is the rows the other filters
  and the person's visibility leave, read in index order. A rare short term with no other filter
  reads more rows (bench/search.py measures it), never a wrong answer.
People and enterprises are small tables: their names are matched with LIKE, then their requests
through the (requester_id / enterprise_id, status, id) indexes.
"""

from __future__ import annotations

import re

from sqlalchemy import ColumnElement, exists, or_, select, text
from sqlalchemy.orm import Session

from server.catalog import snapshot
from server.models import Person, RequestSearch, ServiceRequest

MAX_QUERY = 100  # characters of a search text
# What a tracking number looks like (LX-20261126-0042), and the start of one.
NUMBER = re.compile(r"^[A-Z]{1,4}-\d{8}-\d{1,8}$")
NUMBER_START = re.compile(r"^[A-Z]{1,4}-\d[\d-]*$")
TRIGRAM = 3
# At most this many people or enterprises whose name matches widen a search by requester or
# enterprise (a one-character name search must not turn into an IN list of thousands).
MAX_NAME_MATCHES = 500


def normalise(q: str | None) -> str:
    """The search text as searched: surrounding and repeated whitespace dropped."""
    return " ".join((q or "").split())


def as_number(q: str) -> str | None:
    """``q`` as a tracking number, if it is one (any letter case)."""
    candidate = q.strip().upper()
    return candidate if NUMBER.match(candidate) else None


def alternatives(session: Session, q: str) -> list[ColumnElement[bool]]:
    """Conditions on ServiceRequest, any of which makes a request match ``q`` (non-empty)."""
    found: list[ColumnElement[bool]] = []
    number = q.upper()
    if NUMBER_START.match(number):
        # The unique index on number, as a range: every number that starts with q.
        found.append(ServiceRequest.number.between(number, number + "\uffff"))
    found.append(_own_text(session, q))
    people = _matching_people(session, q)
    if people:
        found.append(ServiceRequest.requester_id.in_(people))
    enterprises = _matching_enterprises(session, q)
    if enterprises:
        found.append(ServiceRequest.enterprise_id.in_(enterprises))
    return found


def _own_text(session: Session, q: str) -> ColumnElement[bool]:
    dialect = session.get_bind().dialect.name
    if len(q) >= TRIGRAM and dialect == "sqlite":
        # An FTS5 phrase: double quotes inside are doubled; the trigram tokenizer matches the
        # phrase as a substring (case-insensitively).
        phrase = '"' + q.replace('"', '""') + '"'
        return ServiceRequest.id.in_(text("SELECT rowid FROM request_fts WHERE request_fts MATCH :phrase").bindparams(phrase=phrase))
    # PostgreSQL (its GIN index serves ILIKE for three characters or more) and short terms on
    # both: a correlated EXISTS, so a newest-first page stops at its 50th match.
    body = RequestSearch.body.icontains(q, autoescape=True) if dialect == "postgresql" else RequestSearch.body.contains(q, autoescape=True)
    return exists().where(RequestSearch.request_id == ServiceRequest.id, body)


def _matching_people(session: Session, q: str) -> list[int]:
    condition = or_(Person.display_name.contains(q, autoescape=True), Person.phone.contains(q, autoescape=True))
    return list(session.scalars(select(Person.id).where(condition).order_by(Person.id).limit(MAX_NAME_MATCHES)))


def _matching_enterprises(session: Session, q: str) -> list[int]:
    # Enterprises are in the catalogue snapshot: no query.
    folded = q.casefold()
    matches = sorted(e.id for e in snapshot.load(session).enterprises.values() if folded in e.name.casefold())
    return matches[:MAX_NAME_MATCHES]
