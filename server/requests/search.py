"""Text search of the request finder: which requests a search text ``q`` finds.

A request is found by its tracking number, its requester's name or phone, its enterprise's name,
or its own text (description, contact phone, the values of its answers: ``request_search``,
kept by triggers). Each of these is one condition of its own, with its own index, so the
finder's pager runs them apart and merges the pages (``server.paging``'s alternatives): an OR
across tables would make the database read every match before it could return the first 50.

How the request's own text is searched:
- three characters or more: the trigram index — SQLite FTS5 ``request_fts`` (tokenizer
  ``trigram``), PostgreSQL pg_trgm's GIN index on ``request_search.body`` (``ILIKE``);
- one or two characters (common in Chinese: 维修, 停车) are no trigram of their own.
  On SQLite every trigram that *starts* with the term stands for it (the indexed text ends in
  two spaces, so every character starts a trigram): the index's vocabulary lists them with
  their document counts, and an OR of them finds exactly the requests with the term
  (:func:`_sqlite_own_text`, which also picks a scan for very common terms). On PostgreSQL
  pg_trgm cannot help, so a short term is a plain substring test (``ILIKE``) over
  ``request_search``, probed per candidate request newest first and stopping at the page's end:
  a short term is common, so a page of matches comes after a few thousand rows; the candidates
  are the rows the other filters and the person's visibility leave, read in index order. A rare
  short term with no other filter reads more rows (bench/search.py measures it), never a wrong
  answer.
People and enterprises are small tables: their names are matched with LIKE, then their requests
through the (requester_id / enterprise_id, status, id) indexes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import ColumnElement, exists, false, or_, select, text
from sqlalchemy.orm import Session

from server.catalog import snapshot
from server.models import Person, RequestSearch, ServiceRequest

MAX_QUERY = 100  # characters of a search text
# What a tracking number looks like (LX-20261126-0042), and the start of one.
NUMBER = re.compile(r"^[A-Z]{1,4}-\d{8}-\d{1,8}$")
NUMBER_START = re.compile(r"^[A-Z]{1,4}-\d[\d-]*$")
TRIGRAM = 3
# Above this many matching documents a term is "common": scanning newest first finds a page of
# it sooner than reading all its matches from the index. At most this many trigrams stand for a
# short term in one FTS5 query.
COMMON = 20_000
MAX_TERMS = 200
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


@dataclass(frozen=True)
class Alternative:
    """One way a request matches: its condition, and whether that condition finds a bounded
    set of rows through an index of its own (``driving``), so that the person's visibility is
    best checked on those rows; otherwise it is a test made while reading the visible rows in
    order (a scan)."""

    condition: ColumnElement[bool]
    driving: bool = True


def alternatives(session: Session, q: str) -> list[Alternative]:
    """Conditions on ServiceRequest, any of which makes a request match ``q`` (non-empty)."""
    found: list[Alternative] = []
    number = q.upper()
    if NUMBER_START.match(number):
        # The unique index on number, as a range: every number that starts with q, looked up
        # first (a newest-first page with the range in it may be read as a scan of the table).
        ids = list(session.scalars(
            select(ServiceRequest.id).where(ServiceRequest.number.between(number, number + "\uffff"))
            .order_by(ServiceRequest.number).limit(MAX_NAME_MATCHES)
        ))
        if ids:
            found.append(Alternative(ServiceRequest.id.in_(ids)))
    else:
        # A text that looks like a tracking number searches numbers only: its digits would
        # otherwise read the date trigrams of every request's answers.
        found.append(_own_text(session, q))
    people = _matching_people(session, q)
    if people:
        found.append(Alternative(ServiceRequest.requester_id.in_(people)))
    enterprises = _matching_enterprises(session, q)
    if enterprises:
        found.append(Alternative(ServiceRequest.enterprise_id.in_(enterprises)))
    return found


def _own_text(session: Session, q: str) -> Alternative:
    if session.get_bind().dialect.name == "sqlite":
        return _sqlite_own_text(session, q)
    # PostgreSQL: pg_trgm's GIN index serves ILIKE for three characters or more; a shorter term
    # is the scan (see the module's docstring). A correlated EXISTS, so that a newest-first
    # page of a common term stops at its 50th match.
    body = RequestSearch.body.icontains(q, autoescape=True)
    if len(q) >= TRIGRAM:
        return Alternative(ServiceRequest.id.in_(select(RequestSearch.request_id).where(body)))
    return _scan(body)


def _scan(body: ColumnElement[bool]) -> Alternative:
    return Alternative(exists().where(RequestSearch.request_id == ServiceRequest.id, body), driving=False)


def _fts(query: str) -> Alternative:
    return Alternative(
        ServiceRequest.id.in_(text("SELECT rowid FROM request_fts WHERE request_fts MATCH :query").bindparams(query=query))
    )


def _phrase(term: str) -> str:
    # An FTS5 string: double quotes inside are doubled.
    return '"' + term.replace('"', '""') + '"'


def _matches_at_least(session: Session, query: str, bound: int) -> bool:
    """Whether the FTS5 query matches more than ``bound`` requests (reads at most bound + 1)."""
    counted = session.execute(
        text("SELECT count(*) FROM (SELECT rowid FROM request_fts WHERE request_fts MATCH :query LIMIT :bound)")
        .bindparams(query=query, bound=bound + 1)
    ).scalar()
    return (counted or 0) > bound


def _sqlite_own_text(session: Session, q: str) -> Alternative:
    """FTS5's trigram index, chosen by what its vocabulary says the term costs:

    - the trigrams of the term (all of them for 3+ characters; for 1 or 2 characters, every
      trigram that starts with it — the body ends in two spaces, so each character of the text
      starts one) with their document counts, from ``request_fts_vocab`` (one index range);
    - none: no request has the term, found without reading a request;
    - few documents: the index's matches (an FTS5 phrase, or an OR of the trigrams);
    - very many: the term is common, so a newest-first scan that stops at the page's end
      finds its rows sooner than reading every match from the index would."""
    folded = q.lower()  # the trigram tokenizer folds case
    if len(folded) >= TRIGRAM:
        grams = sorted({folded[i:i + TRIGRAM] for i in range(len(folded) - TRIGRAM + 1)})
        # One equality per trigram: fts5vocab seeks a term by = (an IN list would read the
        # whole vocabulary).
        counts = dict(session.execute(
            text(" UNION ALL ".join(f"SELECT term, doc FROM request_fts_vocab WHERE term = :t{i}" for i in range(len(grams))))
            .bindparams(**{f"t{i}": g for i, g in enumerate(grams)})
        ).all())
        if len(counts) < len(grams):
            return Alternative(false())
        if min(counts.values()) > COMMON and _matches_at_least(session, _phrase(q), COMMON):
            # Every trigram is common and so is the phrase (digits of a phone number are each
            # common but together rare: counted, up to the bound, by the index).
            return _scan(RequestSearch.body.contains(q, autoescape=True))
        return _fts(_phrase(q))
    rows = session.execute(
        text("SELECT term, doc FROM request_fts_vocab WHERE term >= :low AND term < :high LIMIT :most")
        .bindparams(low=folded, high=folded + "\U0010ffff", most=MAX_TERMS + 1)
    ).all()
    if not rows:
        return Alternative(false())
    if len(rows) > MAX_TERMS or sum(doc for _, doc in rows) > COMMON:
        return _scan(RequestSearch.body.contains(q, autoescape=True))
    return _fts(" OR ".join(_phrase(term) for term, _ in rows))


def _matching_people(session: Session, q: str) -> list[int]:
    condition = or_(Person.display_name.contains(q, autoescape=True), Person.phone.contains(q, autoescape=True))
    return list(session.scalars(select(Person.id).where(condition).order_by(Person.id).limit(MAX_NAME_MATCHES)))


def _matching_enterprises(session: Session, q: str) -> list[int]:
    # Enterprises are in the catalogue snapshot: no query.
    folded = q.casefold()
    matches = sorted(e.id for e in snapshot.load(session).enterprises.values() if folded in e.name.casefold())
    return matches[:MAX_NAME_MATCHES]
