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
- three characters or more, on both databases: how dense the term is among the newest
  requests' texts (:func:`_dense`, at most RECENT rows of one primary-key range) decides
  between that newest-first scan (dense: a page comes after a few thousand rows) and the
  trigram index's matches (sparse or rare: the index reads all of them, and they are few).
  The vocabulary's document counts would read every trigram's whole document list instead,
  and a phone number's digits are in every request.
People and enterprises are small tables: their names are matched with LIKE, then their requests
through the (requester_id, id) / (enterprise_id, id) indexes, newest first: one alternative per
matching person or enterprise (up to SPLIT of them), so that each is one ordered index range
that stops at the page's end; an IN list of them would make the database read and sort all of
their requests.
"""

from __future__ import annotations

import operator
import re
from dataclasses import dataclass

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    TextualSelect,
    and_,
    any_,
    column,
    exists,
    false,
    func,
    or_,
    select,
    text,
)
from sqlalchemy.dialects.postgresql import array
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
# A phrase with at least DENSE matches among the newest RECENT requests is searched by the scan.
RECENT = 5000
DENSE = 50
# … and a text with a copied reason to see (Alternative.among) at this many: read newest first in
# request_search alone, a row costs a few microseconds, where the index's way fetches and sorts
# every match (at 1M: 8,500 matches of 转接 in a contact's enterprise, 43 of them among the
# newest, 300 ms that way, 31 ms newest first).
DENSE_AMONG = 20
# Up to this many matching people (or enterprises) are each an alternative of their own.
SPLIT = 8
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
    order (a scan).

    A driving alternative also comes in two other forms, for the finder to cross it with one
    reason to see requests (server/requests/finder.py): ``test``, the same rows as a test made
    on each row another index reads (no index of its own), and ``ids``, its request ids as a
    query of their own in id order, to intersect with the ids of what someone sees."""

    condition: ColumnElement[bool]
    driving: bool = True
    test: ColumnElement[bool] | None = None
    ids: Select | TextualSelect | None = None
    # Known to be sparse among the newest requests someone sees (the text's density probe said
    # so): no need to probe it again.
    sparse: bool = False
    # ``ids`` are exactly the rows of ``condition`` (FTS5's are a superset that ``test`` narrows).
    exact_ids: bool = True
    # A text's test on request_search (PostgreSQL), which one index there answers together with
    # a copy of a reason to see requests (:meth:`among`), and what else lets the index answer a
    # short term (its grams; implied by the test).
    text: ColumnElement[bool] | None = None
    index_hint: tuple[ColumnElement[bool], ...] = ()

    def as_test(self) -> ColumnElement[bool]:
        return self.condition if self.test is None else self.test

    def id_query(self) -> Select | TextualSelect:
        return select(ServiceRequest.id).where(self.condition) if self.ids is None else self.ids

    def among(self, reason: ColumnElement[bool], dense: bool = False) -> ColumnElement[bool] | None:
        """This text's matches among the requests one reason lets someone see, read from
        request_search alone, where a copy of the reason's column sits beside the text and one
        GIN index holds both (migration …_search_among_what_one_sees): a term common overall
        but rare in a department costs only its matches in the department. None when this is
        not a text searched there or the reason's column has no copy.

        ``dense``: the pair has a page among the newest requests. Then PostgreSQL is left to
        read request_search newest first, testing both on the way (it does: the pair's estimate
        is large); otherwise the matches are planned on their own, from the index: pulled into
        the newest-first page, PostgreSQL read request_search backwards with both as a filter,
        every row of the table when the pair has few matches (200 ms at 50,000). They come as an
        array (``id = ANY(ARRAY(…))``, computed once before the page), which the primary key
        reads in id order and stops at the page's end: as ``id IN (…)`` PostgreSQL fetched
        every match's row and sorted them all for the page (a lead's 坛的具 at 1M, 3,347 matches
        in the department: 16,490 buffers, 3,357 as an array)."""
        copy = seen_copy(reason)
        if self.text is None or copy is None:
            return None
        if dense:  # (the grams would only cost their function on each row read)
            return ServiceRequest.id.in_(select(RequestSearch.request_id).where(copy, self.text))
        matches = select(RequestSearch.request_id).where(copy, *self.index_hint, self.text)
        return ServiceRequest.id == any_(func.array(matches.scalar_subquery()))


def _equality(condition: ColumnElement[bool]) -> tuple[object, object] | None:
    """``column == value`` as (column, value), else None."""
    left, right = getattr(condition, "left", None), getattr(condition, "right", None)
    if left is None or getattr(condition, "operator", None) is not operator.eq or not hasattr(right, "value"):
        return None
    return left, right.value


def disjoint(a: ColumnElement[bool], b: ColumnElement[bool]) -> bool:
    """Whether no row can meet both: one column equal to two different values (a contact's
    enterprise crossed with another enterprise a search names)."""
    x, y = _equality(a), _equality(b)
    return x is not None and y is not None and x[0] is y[0] and x[1] != y[1]


def both_copied(reason: ColumnElement[bool], condition: ColumnElement[bool]) -> ColumnElement[bool] | None:
    """Two equalities on columns request_search copies (a department and a requester a name
    search found) as one look-up in its GIN index there (PostgreSQL), planned on its own: the
    intersection of two posting lists, where reading the two id lists of service_request's
    indexes reads all of both when they have nothing in common. None without copies of both."""
    a, b = seen_copy(reason), seen_copy(condition)
    if a is None or b is None:
        return None
    return ServiceRequest.id.in_(select(RequestSearch.request_id).where(a, b).offset(0))


# service_request's columns that request_search holds a copy of (server/models/request_search.py).
SEEN_COPIES = ("department_id", "cohandler_department_id", "requester_id", "enterprise_id")


def seen_copy(reason: ColumnElement[bool]) -> ColumnElement[bool] | None:
    """``service_request.column == value`` as the same test on request_search's copy of the
    column, if it has one."""
    equality = _equality(reason)
    if equality is None:
        return None
    column, value = equality
    if getattr(column, "table", None) is not ServiceRequest.__table__ or column.name not in SEEN_COPIES:
        return None
    return getattr(RequestSearch, column.name) == value


def unindexed(condition: ColumnElement[bool]) -> ColumnElement[bool]:
    """``column == value`` as a test no index serves (``column + 0 == value``, the same rows),
    so that the database reads the rows through the index of the condition beside it."""
    left = getattr(condition, "left", None)
    if left is not None and getattr(condition, "operator", None) is operator.eq and left.type.python_type is int:
        return (left + 0) == condition.right
    return condition


def alternatives(session: Session, q: str, visible: ColumnElement[bool] | None = None) -> list[Alternative]:
    """Conditions on ServiceRequest, any of which makes a request match ``q`` (non-empty);
    ``visible``: what the person sees (None: everything), which makes a term common or not."""
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
        found.append(_own_text(session, q, visible))
    found += _each(ServiceRequest.requester_id, _matching_people(session, q))
    found += _each(ServiceRequest.enterprise_id, _matching_enterprises(session, q))
    return found


def _each(column, ids: list[int]) -> list[Alternative]:
    """Requests whose ``column`` is one of ``ids``: an equality each (one ordered index range
    each), or one IN list when there are many."""
    if not ids:
        return []
    if len(ids) <= SPLIT:
        return [Alternative(column == i, test=(column + 0) == i) for i in ids]
    return [Alternative(column.in_(ids), test=(column + 0).in_(ids))]


def _own_text(session: Session, q: str, visible: ColumnElement[bool] | None) -> Alternative:
    if session.get_bind().dialect.name == "sqlite":
        return _sqlite_own_text(session, q, visible)
    # PostgreSQL: pg_trgm's GIN index serves ILIKE for three characters or more; a shorter term
    # is the scan (see the module's docstring). A correlated EXISTS, so that a newest-first
    # page of a common term stops at its 50th match.
    # A shorter one by the GIN index of the text's one- and two-character grams (migration
    # …_search_grams_and_visible_ids), which narrows where to look; ILIKE decides.
    body = RequestSearch.body.icontains(q, autoescape=True)
    scan = _scan(body)
    if visible is None and _dense(session, body, None):
        return scan
    hint = (func.request_search_grams(RequestSearch.body).op("@>")(array([func.lower(q)])),) if len(q) < TRIGRAM else ()
    matches = select(RequestSearch.request_id).where(*hint, body)
    # Someone who does not see everything: the finder probes the text's density with each
    # reason to see apart (finder._dense_pairs), since a term common in one department is rare
    # in another, and searches a sparse pair in request_search's combined index (among()).
    return Alternative(ServiceRequest.id.in_(matches), test=scan.condition, ids=matches,
                       sparse=visible is None, text=body, index_hint=hint)


def _scan(body: ColumnElement[bool]) -> Alternative:
    return Alternative(exists().where(RequestSearch.request_id == ServiceRequest.id, body), driving=False)


def _fts(query: str, body: ColumnElement[bool]) -> Alternative:
    matches = text("SELECT rowid FROM request_fts WHERE request_fts MATCH :query").bindparams(query=query).columns(
        column("rowid", Integer)
    )
    # The tokenizer folds the case of every letter, LIKE only of ASCII ones: LIKE has the last
    # word on the (few) rows the index finds, so that both ways find the same rows.
    test = _scan(body).condition
    return Alternative(and_(ServiceRequest.id.in_(matches), test), test=test, ids=matches, sparse=True, exact_ids=False)


def _phrase(term: str) -> str:
    # An FTS5 string: double quotes inside are doubled.
    return '"' + term.replace('"', '""') + '"'


def _dense(session: Session, body: ColumnElement[bool], visible: ColumnElement[bool] | None) -> bool:
    """Whether at least DENSE of the newest RECENT requests meet ``body`` (and ``visible``): then
    a newest-first scan finds a page within about RECENT rows. The scan's own test over one
    primary-key range, stopping at the DENSE-th match (a few milliseconds at most; the index's
    document counts would read every trigram's whole list, and a phone number's digits are in
    every request). Visibility counts because a term common in one department may be rare in
    another's: a lead's scan would then read most of the table."""
    newest = select(func.max(RequestSearch.request_id)).scalar_subquery()
    probe = select(RequestSearch.request_id).where(RequestSearch.request_id > newest - RECENT, body)
    if visible is not None:
        # The range again on the requests' side: PostgreSQL otherwise merge-joined the probe with
        # every request from the first one (3 s for a lead at 1M).
        probe = probe.where(exists().where(
            ServiceRequest.id == RequestSearch.request_id, ServiceRequest.id > newest - RECENT, visible
        ))
    matching = probe.limit(DENSE).subquery()
    return (session.scalar(select(func.count()).select_from(matching)) or 0) >= DENSE


def _sqlite_own_text(session: Session, q: str, visible: ColumnElement[bool] | None) -> Alternative:
    """FTS5's trigram index, or a newest-first scan when the term is common:

    - three characters or more: the phrase's density among the newest requests (:func:`_dense`)
      chooses; a term no request has is found empty by the index at once;
    - one or two characters: a dense term is the scan at once; otherwise every trigram that
      starts with the term (the body ends in two spaces, so each character of the text starts
      one), with its document count, from ``request_fts_vocab`` (one index range): none, no
      request has it; few documents, an OR of the trigrams; very many, the scan, which finds
      a page of a common term sooner than reading every match from the index would."""
    folded = q.lower()  # the trigram tokenizer folds case
    body = RequestSearch.body.contains(q, autoescape=True)
    if len(folded) >= TRIGRAM:
        return _scan(body) if _dense(session, body, visible) else _fts(_phrase(q), body)
    if _dense(session, body, visible):  # common: no need to read the vocabulary's counts
        return _scan(body)
    rows = session.execute(
        text("SELECT term, doc FROM request_fts_vocab WHERE term >= :low AND term < :high LIMIT :most")
        .bindparams(low=folded, high=folded + "\U0010ffff", most=MAX_TERMS + 1)
    ).all()
    if not rows:
        return Alternative(false())
    # Common overall but not among what this person sees (the probe said so): the index's
    # matches, since a scan would read most of the table to fill a page.
    if len(rows) > MAX_TERMS or (visible is None and sum(doc for _, doc in rows) > COMMON):
        return _scan(body)
    return _fts(" OR ".join(_phrase(term) for term, _ in rows), body)


def _matching_people(session: Session, q: str) -> list[int]:
    # Case-insensitive on both databases, as the request's text and enterprise names are (a
    # plain LIKE would be on SQLite only).
    condition = or_(Person.display_name.icontains(q, autoescape=True), Person.phone.icontains(q, autoescape=True))
    return list(session.scalars(select(Person.id).where(condition).order_by(Person.id).limit(MAX_NAME_MATCHES)))


def _matching_enterprises(session: Session, q: str) -> list[int]:
    # Enterprises are in the catalogue snapshot: no query.
    folded = q.casefold()
    matches = sorted(e.id for e in snapshot.load(session).enterprises.values() if folded in e.name.casefold())
    return matches[:MAX_NAME_MATCHES]
