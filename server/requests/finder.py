"""The request finder: every list of requests a person may see — ``/requests`` for every role,
``GET /api/v1/requests`` and the CSV/XLSX exports — reads its filters with :func:`parse` and its
rows with :func:`find` or :func:`export_batches`, so the page, the API and the export can never
disagree about what a person sees.

What someone sees is the policy's (``server.policy.visibility_clauses``): a member their own
requests, an enterprise contact also their enterprise's, staff and leads their department's
(the queue, what they hold, what they finished: 办结记录 is ``assigned`` + closed/completed),
dispatchers, supervisors and admins all. Someone who only orders services (members and
contacts) gets the "my requests" view: what they filed, and their enterprise's for a contact.

Filters (the URL contract of ``server.web.links.finder_url``): ``q`` (tracking number or text,
``server.requests.search``), ``status`` (repeatable), ``service``, ``category``, ``department``,
``building`` (an id, or a code as the API always took), ``enterprise`` (an id), ``flag``,
``overdue`` (claim | complete; the API's old ``true`` means either), ``from``/``to`` (dates,
inclusive, in the installation's time zone) on the date named by ``date`` (submitted | due |
completed), ``sort`` (newest | oldest | due), and the API's ``mine`` / ``assigned``. Anything
else is an :class:`InvalidInput` naming the field (422), never a 500.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Protocol

from sqlalchemy import ColumnElement, Select, TextualSelect, and_, func, literal_column, or_, select
from sqlalchemy.orm import Session, defer

from server import paging, policy
from server.catalog import snapshot
from server.enums import RequestStatus, Role
from server.errors import InvalidInput
from server.i18n_text import N_
from server.metrics.rollup import timezone
from server.models import Person, RequestSearch, ServiceRequest, utcnow
from server.requests import due, search

MAX_PAGE = 100
PAGE_SIZE = 50
SORTS = ("newest", "oldest", "due")
DATE_FIELDS = ("submitted", "due", "completed")
FLAGS = ("blue", "yellow", "red")
OVERDUE = ("claim", "complete")
EXPORT_BATCH = 1000
# Someone who sees at most this many requests has a common term searched among them through the
# indexes of what they see; anyone else by reading the table newest first (search.py).
FEW_VISIBLE = 5000
# A search condition with at most this many matches is read through its own index, and what
# someone sees tested on each of them.
FEW_MATCHES = 5000
PARAMETERS = ("q", "status", "service", "category", "department", "building", "enterprise", "flag", "overdue",
              "from", "to", "date", "sort", "mine", "assigned")
# Roles that only order services: they get "my requests" rather than the finder.
REQUESTER_ROLES = frozenset({Role.member, Role.contact})

_ID = re.compile(r"^[0-9]{1,12}$")
_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
_TRUE, _FALSE = ("true", "1", "on", "yes"), ("false", "0", "off", "no", "")
_DATE_COLUMNS = {
    "submitted": ServiceRequest.submitted_at,
    "due": ServiceRequest.complete_due_at,
    "completed": ServiceRequest.completed_at,
}


class Params(Protocol):
    """A query string: Starlette's ``QueryParams`` (or any multi-dict)."""

    def get(self, key: str, default: str | None = None) -> str | None: ...
    def getlist(self, key: str) -> list[str]: ...


@dataclass(frozen=True)
class Filters:
    q: str = ""
    statuses: tuple[RequestStatus, ...] = ()
    service_id: int | None = None
    category_id: int | None = None
    department_id: int | None = None
    building_id: int | None = None
    enterprise_id: int | None = None
    flag: str | None = None
    overdue: str | None = None  # claim | complete | any
    start: date | None = None
    end: date | None = None
    date_field: str = "submitted"
    sort: str = "newest"
    mine: bool = False  # filed by me
    assigned: bool = False  # held (or finished) by me

    def url_params(self) -> dict[str, object]:
        """The filters as ``finder_url`` parameters (defaults left out), for links and the
        next page's address."""
        return {
            "q": self.q, "status": [s.value for s in self.statuses], "service": self.service_id,
            "category": self.category_id, "department": self.department_id, "building": self.building_id,
            "enterprise": self.enterprise_id, "flag": self.flag,
            "overdue": self.overdue if self.overdue in OVERDUE else ("true" if self.overdue else None),
            "from": self.start, "to": self.end, "date": None if self.date_field == "submitted" else self.date_field,
            "sort": None if self.sort == "newest" else self.sort,
            "mine": "1" if self.mine else None, "assigned": "1" if self.assigned else None,
        }

    @property
    def narrowed(self) -> bool:
        """Anything beyond the default list (an empty result then says "nothing matches")."""
        return any(v for k, v in asdict(self).items() if k not in ("sort", "date_field"))


@dataclass
class _Errors:
    fields: dict[str, str] = field(default_factory=dict)

    def add(self, name: str, message: str) -> None:
        self.fields.setdefault(name, message)


def parse(session: Session, params: Params) -> Filters:
    """The finder's filters from a query string, checked against the catalogue; InvalidInput
    (422) with a message per field for anything that is not a value of ours."""
    for name in PARAMETERS:
        if any("\x00" in value for value in params.getlist(name)):
            # As the database layer says it (server/db.py), before any look-up.
            message = N_("Text must not contain NUL characters.")
            raise InvalidInput(message, {name: message})
    errors = _Errors()
    catalog = snapshot.load(session)

    q = search.normalise(params.get("q"))
    if len(q) > search.MAX_QUERY:
        errors.add("q", N_("At most 100 characters."))

    statuses: list[RequestStatus] = []
    for value in params.getlist("status"):
        if value == "":
            continue
        try:
            status = RequestStatus(value)
        except ValueError:
            errors.add("status", N_("Unknown status."))
            continue
        if status not in statuses:
            statuses.append(status)

    def reference(name: str, by_id: Mapping[int, object], by_code) -> int | None:
        value = (params.get(name) or "").strip()
        if not value:
            return None
        # The URL contract says ids; the API has always taken codes: an id first, then a code.
        if _ID.match(value) and int(value) in by_id:
            return int(value)
        found = by_code(value) if by_code else None
        if found is None:
            errors.add(name, N_("Unknown value."))
            return None
        return found.id

    categories_by_code = {c.code: c for c in catalog.categories.values()}
    service_id = reference("service", catalog.services, catalog.service)
    category_id = reference("category", catalog.categories, categories_by_code.get)
    department_id = reference("department", catalog.departments, catalog.department)
    building_id = reference("building", catalog.buildings, catalog.building)
    enterprise_id = reference("enterprise", catalog.enterprises, None)

    flag = _choice(params, "flag", FLAGS, errors)
    overdue_value = (params.get("overdue") or "").strip().lower()
    overdue: str | None = None
    if overdue_value in OVERDUE:
        overdue = overdue_value
    elif overdue_value in _TRUE:
        overdue = "any"
    elif overdue_value not in _FALSE:
        errors.add("overdue", N_("One of claim, complete."))

    start = _date(params, "from", errors)
    end = _date(params, "to", errors)
    if start and end and start > end:
        errors.add("to", N_("Must not be before the start."))
    date_field = _choice(params, "date", DATE_FIELDS, errors) or "submitted"
    sort = _choice(params, "sort", SORTS, errors) or "newest"
    mine = _flag(params, "mine", errors)
    assigned = _flag(params, "assigned", errors)
    if errors.fields:
        raise InvalidInput(N_("Please check the filters."), errors.fields)
    return Filters(
        q=q, statuses=tuple(statuses), service_id=service_id, category_id=category_id,
        department_id=department_id, building_id=building_id, enterprise_id=enterprise_id,
        flag=flag, overdue=overdue, start=start, end=end, date_field=date_field, sort=sort,
        mine=mine, assigned=assigned,
    )


_CHOICE_MESSAGES = {
    "flag": N_("One of blue, yellow, red."),
    "date": N_("One of submitted, due, completed."),
    "sort": N_("One of newest, oldest, due."),
}


def _choice(params: Params, name: str, allowed: Sequence[str], errors: _Errors) -> str | None:
    value = (params.get(name) or "").strip()
    if not value:
        return None
    if value not in allowed:
        errors.add(name, _CHOICE_MESSAGES[name])
        return None
    return value


def _date(params: Params, name: str, errors: _Errors) -> date | None:
    value = (params.get(name) or "").strip()
    if not value:
        return None
    try:
        if not _DATE.match(value):
            raise ValueError(value)
        return date.fromisoformat(value)
    except ValueError:
        errors.add(name, N_("Please give dates as YYYY-MM-DD."))
        return None


def _flag(params: Params, name: str, errors: _Errors) -> bool:
    value = (params.get(name) or "").strip().lower()
    if value in _TRUE:
        return True
    if value not in _FALSE:
        errors.add(name, N_("true or false."))
    return False


# --- who sees what ---------------------------------------------------------------------------


def requester_only(person: Person) -> bool:
    """Someone who only orders services: ``/requests`` is their "my requests"."""
    return bool(person.roles) and person.roles <= REQUESTER_ROLES


def _visibility(person: Person) -> list[ColumnElement[bool]] | None:
    if requester_only(person):
        # The policy's own conditions for a member or a contact: what they filed, and for a
        # contact their enterprise's. Staff who also order see everything the policy allows.
        clauses = [ServiceRequest.requester_id == person.id]
        if Role.contact in person.roles and person.enterprise_id is not None:
            clauses.append(ServiceRequest.enterprise_id == person.enterprise_id)
        return clauses
    return policy.visibility_clauses(person)


# --- the query -------------------------------------------------------------------------------


def _conditions(session: Session, person: Person, filters: Filters, now: datetime) -> list[ColumnElement[bool]]:
    r = ServiceRequest
    conditions: list[ColumnElement[bool]] = []
    if filters.statuses:
        conditions.append(r.status.in_(filters.statuses))
    if filters.service_id is not None:
        conditions.append(r.service_id == filters.service_id)
    if filters.category_id is not None:
        services = [s.id for s in snapshot.load(session).services.values() if s.category_id == filters.category_id]
        conditions.append(r.service_id.in_(services))
    if filters.department_id is not None:
        conditions.append(r.department_id == filters.department_id)
    if filters.building_id is not None:
        conditions.append(r.building_id == filters.building_id)
    if filters.enterprise_id is not None:
        conditions.append(r.enterprise_id == filters.enterprise_id)
    if filters.flag:
        # The sweep's flag as of its last run (the indexed column), as supervision shows it.
        conditions.append(r.flag == filters.flag)
    if filters.overdue == "claim":
        conditions.append(due.overdue_to_claim_clause(now))
    elif filters.overdue == "complete":
        conditions.append(due.overdue_to_complete_clause(now))
    elif filters.overdue == "any":
        conditions.append(due.overdue_clause(now))
    if filters.start or filters.end:
        column = _DATE_COLUMNS[filters.date_field]
        zone = timezone()
        if filters.start:
            conditions.append(column >= datetime.combine(filters.start, time(), zone))
        if filters.end:
            conditions.append(column < datetime.combine(filters.end + timedelta(days=1), time(), zone))
    if filters.mine:
        conditions.append(r.requester_id == person.id)
    if filters.assigned:
        conditions.append(r.assignee_id == person.id)
    return conditions


def _keys(filters: Filters) -> list[paging.Key]:
    ident = ServiceRequest.id
    if filters.sort == "newest":
        return [paging.Key(ident, "int", descending=True)]
    if filters.sort == "oldest":
        return [paging.Key(ident, "int")]
    return [paging.Key(ServiceRequest.complete_due_at, "dt"), paging.Key(ident, "int")]


def _alternatives(session: Session, person: Person, filters: Filters) -> list[ColumnElement[bool]] | None:
    """Visibility × search: each pair one indexed query for the pager (None: one query)."""
    seen = _visibility(person)
    if seen is not None and not seen:
        return []
    if not filters.q:
        return seen
    if seen is None:
        return [f.condition for f in search.alternatives(session, filters.q)]
    # How many requests each reason to see them admits (up to FEW_VISIBLE + 1): a reason that
    # admits none (a lead's co-handled requests where nothing is co-handled) is left out, since
    # crossed with a search it would still make the database read the search's matches.
    sizes = _sizes(session, [select(ServiceRequest.id).where(v) for v in seen], FEW_VISIBLE)
    seen = [v for v, n in zip(seen, sizes, strict=True) if n]
    if not seen:
        return []
    sizes = [n for n in sizes if n]
    found = search.alternatives(session, filters.q, or_(*seen))
    # A scan (a term common among what this person sees) reads rows in order and stops at the
    # page's end: over the few rows someone sees (a member's own) one indexed query per reason
    # to see them; over many (a department's) the table newest first, testing visibility on
    # the way, since an index on department_id would make the database gather and sort all of
    # its rows first.
    anyone_visible = or_(*seen)
    few = sum(sizes) <= FEW_VISIBLE
    driving = [f for f in found if f.driving]
    # A condition's own size matters only where a pair is not answered by request_search alone.
    sized = [f for f in driving if any(f.among(v) is None for v in seen)]
    matches = dict(zip(map(id, sized), _sizes(session, [f.id_query() for f in sized], FEW_MATCHES), strict=True))
    dense = _dense_pairs(session, [(v, f) for f in driving for v in seen])
    out: list[ColumnElement[bool]] = []
    for f in found:
        if not f.driving:
            out.extend([and_(v, f.condition) for v in seen] if few else [and_(f.condition, anyone_visible)])
    pairs = iter(dense)
    postgresql = session.get_bind().dialect.name == "postgresql"
    for f in driving:
        for v, seen_size in zip(seen, sizes, strict=True):
            is_dense, recent = next(pairs)
            if search.disjoint(v, f.condition):
                continue  # nothing, as the database would find after reading both id lists
            within = f.among(v, is_dense)
            if within is None and postgresql and recent == 0:
                # None among the newest: perhaps none at all (a contact's enterprise and a
                # person of another), which the copies' index finds at once.
                within = search.both_copied(v, f.condition)
            if within is not None:
                out.append(within)
            else:  # (a dense pair's plan needs no sizes: it may have none)
                out.append(_crossed(v, seen_size, f, matches.get(id(f), 0), is_dense, postgresql))
    return out


def _crossed(
    v: ColumnElement[bool], seen_size: int, f: search.Alternative, found_size: int, dense: bool, postgresql: bool
) -> ColumnElement[bool]:
    """One reason to see requests crossed with one search condition that has an index of its
    own, as the condition whose plan fits their sizes (each known up to FEW_VISIBLE):

    - the pair is dense among the newest requests: read newest first, both tested on the way
      (a page comes within a few thousand rows);
    - (before this: a text with a reason whose column request_search copies, on PostgreSQL, is
      searched there, :meth:`search.Alternative.among`);
    - either side is small: read it through its own index and test the other on each row
      (the other made unindexed, so the database cannot take its larger index instead);
    - both large and sparse together (a term common overall but rare in a department, a name
      crossed with an enterprise it has nothing to do with): the ids of each side in id order,
      intersected by the database (a merge of the two ordered lists, reading indexes only), and
      the few ids both have looked up; reading either side's rows would read them all."""
    if dense:
        # A text's test on each row (its condition is the list of all its matches).
        return and_(v, f.as_test() if f.text is not None else f.condition)
    if seen_size <= FEW_VISIBLE and seen_size <= found_size:
        return and_(v, f.as_test())
    if found_size <= FEW_MATCHES:
        return and_(search.unindexed(v), f.condition)
    seen_ids = select(ServiceRequest.id).where(v)
    if postgresql and f.ids is None:
        # Two reasons of service_request's own: PostgreSQL's INTERSECT hashes both sides whole;
        # a join of the two id lists is a merge of two backward index-only scans that a
        # newest-first page stops early. (A text's matches have no id order to merge on.)
        a, b = seen_ids.subquery(), f.id_query().subquery()
        both = select(a.c.id).join(b, list(b.c)[0] == a.c.id)
    else:
        both = seen_ids.intersect(f.id_query()).order_by(literal_column("1"))
    return ServiceRequest.id.in_(both) if f.exact_ids else and_(ServiceRequest.id.in_(both), f.as_test())


def _sizes(session: Session, queries: list, bound: int) -> list[int]:
    """How many rows each query of ids returns, counted up to ``bound`` + 1 (in its own index):
    one statement. (An OR of them under a LIMIT made SQLite scan the table.)"""
    if not queries:
        return []
    counts = [
        select(func.count()).select_from(_limited(q, bound + 1).subquery()).scalar_subquery() for q in queries
    ]
    return list(session.execute(select(*counts)).one())


def _limited(query: Select | TextualSelect, limit: int) -> Select:
    if isinstance(query, TextualSelect):  # a text query of ids (FTS5's): its one column
        inner = query.subquery()
        query = select(*inner.c).select_from(inner)
    return query.limit(limit)


def _dense_pairs(
    session: Session, pairs: list[tuple[ColumnElement[bool], search.Alternative]]
) -> list[tuple[bool, int | None]]:
    """Whether each (visible, search) pair has at least search.DENSE rows among the newest
    search.RECENT requests (one primary-key range, one statement for all pairs): then reading
    newest first finds a page within about that many rows; and how many it has there (None:
    not counted, the search being known sparse)."""
    unknown = [(v, f) for v, f in pairs if not f.sparse]
    if not unknown:
        return [(False, None)] * len(pairs)
    # A text with a reason request_search has a copy of: counted in request_search alone (its
    # newest rows, no join); every other pair in service_request's.
    texts = [(v, f) for v, f in unknown if f.among(v) is not None]
    others = [(v, f) for v, f in unknown if f.among(v) is None]
    found: dict[tuple[int, int], tuple[bool, int]] = {}
    if texts:
        s = RequestSearch
        newest = select(func.max(s.request_id)).scalar_subquery()
        counts = session.execute(select(*(func.count().filter(and_(search.seen_copy(v), f.text)) for v, f in texts))
                                 .where(s.request_id > newest - search.RECENT)).one()
        found |= {(id(v), id(f)): (n >= search.DENSE_AMONG, n) for (v, f), n in zip(texts, counts, strict=True)}
    if others:
        newest = select(func.max(ServiceRequest.id)).scalar_subquery()
        counts = session.execute(select(*(func.count().filter(and_(v, f.as_test())) for v, f in others))
                                 .where(ServiceRequest.id > newest - search.RECENT)).one()
        found |= {(id(v), id(f)): (n >= search.DENSE, n) for (v, f), n in zip(others, counts, strict=True)}
    return [(False, None) if f.sparse else found[(id(v), id(f))] for v, f in pairs]


def _statement(session: Session, person: Person, filters: Filters, now: datetime) -> Select:
    # Lists show summaries: leave out the long columns, and fail loudly should a list use them.
    stmt = select(ServiceRequest).options(
        defer(ServiceRequest.answers, raiseload=True), defer(ServiceRequest.description, raiseload=True)
    ).where(*_conditions(session, person, filters, now))
    if filters.sort == "due":
        stmt = stmt.where(ServiceRequest.complete_due_at.is_not(None))
    return stmt


def find(
    session: Session,
    person: Person,
    filters: Filters,
    *,
    cursor: str | None = None,
    limit: int = PAGE_SIZE,
    now: datetime | None = None,
) -> paging.Page:
    """One page of the requests this person may see that match ``filters``, and the cursor of
    the next page (keyset paging; a cursor of another order is a 422)."""
    return _find(session, person, filters, cursor, max(1, min(limit, MAX_PAGE)), now or utcnow())


def _find(session: Session, person: Person, filters: Filters, cursor: str | None, limit: int, now: datetime) -> paging.Page:
    alternatives = _alternatives(session, person, filters)
    if alternatives == []:
        return paging.Page([], None)
    stmt = _statement(session, person, filters, now)
    return paging.page(session, stmt, _keys(filters), f"requests:{filters.sort}", cursor, limit, alternatives=alternatives)


def jump_target(session: Session, person: Person, q: str) -> str | None:
    """The tracking number to open straight away when ``q`` is exactly one this person may see."""
    number = search.as_number(q)
    if number is None:
        return None
    request = session.scalar(select(ServiceRequest).where(ServiceRequest.number == number))
    return number if request is not None and policy.can_see(person, request) else None


def export_batches(
    session: Session, person: Person, filters: Filters, *, batch: int = EXPORT_BATCH, now: datetime | None = None
) -> Iterator[list[ServiceRequest]]:
    """The whole list, ``batch`` rows at a time (the same pages as :func:`find`, so the same
    rows in the same order): memory holds one batch, however long the list."""
    now = now or utcnow()
    cursor = None
    while True:
        page = _find(session, person, filters, cursor, batch, now)
        if page.rows:
            yield page.rows
        if page.next_cursor is None:
            return
        cursor = page.next_cursor
        session.expunge_all()  # the rows already sent: let them go
