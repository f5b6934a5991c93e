"""Supervision 督办: the flags and overdue stamps the sweep keeps, the overdue lists, and urging
(催办) many requests at once.

Each request carries ``flag`` (``server.requests.flags.flag_for``, the only place that decides
a colour) and ``overdue_claim_at`` / ``overdue_complete_at``: when it first became overdue to
claim / to complete, which is its due time at that moment (``server.requests.due``), never the
time someone noticed, and never cleared. Two writers keep them:

- every transition, in ``actions.perform`` (:func:`refresh`), so that lists are right at once;
- the sweep (driven by ``server.sweeper``), for requests whose colour changes only because
  time passes: :func:`stamp_overdue` stamps and flags red the newly overdue ones, set-based in
  batches along the (status, due time) indexes; :func:`sweep_batch` gives the others their
  colour (none, blue, yellow) by ``flag_for``, batch by batch along (status, id);
  :func:`clear_finished` takes a flag off a request whose clock stopped.

The sweep does not bump ``version``: a flag is not a change anyone made, and a bump would turn
every open form on the request into "someone else changed this". It still never clobbers a
transition: it writes only its own three columns, :func:`sweep_batch` each row
``WHERE id = ? AND version = <seen>`` (:func:`stamp_overdue` under the overdue rule itself),
so a transition that committed since the sweep read the row makes the write match nothing (on
PostgreSQL a transition still in progress holds the row lock; the sweep waits and then finds
the new version). The other way round, a transition always writes the flag it computed, even
one equal to what it loaded (``flag_modified``), so a sweep that wrote a colour from the old
state between the transition's read and its write is overwritten. The stamps need no such care:
both writers stamp the same value (the due time) and neither ever clears one.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import and_, bindparam, func, not_, or_, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified

from server import paging
from server.catalog import snapshot
from server.enums import CLOCK_RUNNING_STATUSES, UNCLAIMED_STATUSES, Action, RequestStatus
from server.errors import Forbidden, InvalidInput, LianxinError, Msg
from server.live import signals as live_signals
from server.metrics.service import ScopeKind, scope_for
from server.models import IdempotencyKey, Person, RequestEvent, ServiceRequest, utcnow
from server.notifications import service as notifications
from server.requests import due
from server.requests.flags import Flag, flag_for, red_clause
from server.requests.schemas import OverdueItem

R = ServiceRequest
T = ServiceRequest.__table__

SWEEP_BATCH = 1000
# The statuses whose clock runs: only these can carry a flag or become overdue.
SWEPT_STATUSES = tuple(sorted(CLOCK_RUNNING_STATUSES))
OVERDUE_KINDS = ("claim", "complete")
# Which statuses can be overdue each way (server.requests.due).
OVERDUE_STATUSES = {"claim": tuple(sorted(UNCLAIMED_STATUSES)), "complete": SWEPT_STATUSES}
PAGE_SIZE = 50
MAX_URGE = 100  # requests in one urge


def facts(
    status: RequestStatus | str,
    now: datetime,
    *,
    submitted_at: datetime,
    claim_due_at: datetime | None,
    complete_due_at: datetime | None,
    overdue_claim_at: datetime | None,
    overdue_complete_at: datetime | None,
) -> tuple[str | None, datetime | None, datetime | None]:
    """(flag, overdue_claim_at, overdue_complete_at) of a request as of ``now``."""
    status = RequestStatus(status)
    flag = flag_for(status, now, submitted_at=submitted_at, claim_due_at=claim_due_at, complete_due_at=complete_due_at)
    if overdue_claim_at is None and due.overdue_to_claim(status, now, claim_due_at=claim_due_at):
        overdue_claim_at = claim_due_at
    if overdue_complete_at is None and due.overdue_to_complete(status, now, complete_due_at=complete_due_at):
        overdue_complete_at = complete_due_at
    return (flag.value if flag else None), overdue_claim_at, overdue_complete_at


def _apply(request: ServiceRequest, now: datetime) -> None:
    request.flag, request.overdue_claim_at, request.overdue_complete_at = facts(
        request.status, now, submitted_at=request.submitted_at, claim_due_at=request.claim_due_at,
        complete_due_at=request.complete_due_at, overdue_claim_at=request.overdue_claim_at,
        overdue_complete_at=request.overdue_complete_at,
    )


def note_overdue(request: ServiceRequest, now: datetime) -> None:
    """Before a transition's effects: stamp what the request had become by ``now`` in its old
    state (claimed late, so overdue to claim since its claim due time), which the new state
    would no longer show."""
    _apply(request, now)


def refresh(request: ServiceRequest, now: datetime) -> None:
    """After a transition's effects: the request's flag and stamps in its new state."""
    _apply(request, now)
    flag_modified(request, "flag")  # written even when unchanged: see the module's docstring


# --- the sweep -------------------------------------------------------------------------------

_SET_FACTS = (
    update(T)
    .where(T.c.id == bindparam("b_id"), T.c.version == bindparam("b_version"))
    .values(flag=bindparam("b_flag"), overdue_claim_at=bindparam("b_claim"), overdue_complete_at=bindparam("b_complete"))
)


@dataclass(frozen=True)
class Batch:
    changed: int  # rows written
    last_id: int | None  # where the next batch starts; None when this status is done


@dataclass(frozen=True)
class Stamped:
    changed: int  # rows written
    after: tuple[datetime, int] | None  # (due time, id) where the next batch starts; None: done


def stamp_overdue(
    session: Session, kind: str, status: RequestStatus, now: datetime,
    after: tuple[datetime, int] | None = None, limit: int | None = None,
) -> Stamped:
    """For up to ``limit`` requests in ``status`` overdue to ``kind`` ("claim" or "complete")
    as of ``now`` whose stamp or flag is not written yet, in order of due time after ``after``:
    stamp the due time and flag them red (overdue is red: ``flags.red_clause``). One UPDATE per
    batch; the (status, due time, id) index walks the overdue ones in order.

    No version test is needed: the UPDATE's WHERE clause is the rule itself, and PostgreSQL
    checks it again on the row as a concurrent transition left it (after waiting for its
    lock), so a request claimed or completed meanwhile is no longer matched."""
    limit = limit or SWEEP_BATCH
    if kind == "claim":
        overdue, stamp, due_at = due.overdue_to_claim_clause(now), T.c.overdue_claim_at, T.c.claim_due_at
    else:
        overdue, stamp, due_at = due.overdue_to_complete_clause(now), T.c.overdue_complete_at, T.c.complete_due_at
    behind = and_(overdue, or_(stamp.is_(None), T.c.flag.is_(None), T.c.flag != Flag.red.value))
    stmt = select(T.c.id, due_at, T.c.department_id, stamp).where(T.c.status == status, behind).order_by(due_at, T.c.id).limit(limit)
    if after is not None:
        stmt = stmt.where(or_(due_at > after[0], and_(due_at == after[0], T.c.id > after[1])))
    rows = session.execute(stmt).all()
    if not rows:
        return Stamped(0, None)
    connection = session.connection()
    written = connection.execute(
        update(T).where(T.c.id.in_([r.id for r in rows]), behind)
        .values({stamp: func.coalesce(stamp, due_at), T.c.flag: Flag.red.value}).returning(T.c.id)
    ).scalars().all()
    # Newly overdue: the overdue lists and desks showing them change (past the ORM: noted here).
    live_signals.note_requests(session, [(r.id, r.department_id) for r in rows])
    # Newly overdue (not stamped before): the handler, the lead and the supervisors are told.
    unstamped = {r.id for r in rows if r[3] is None}
    _notify(session, "overdue", sorted(unstamped.intersection(written)), now)
    return Stamped(len(written), (rows[-1][1], rows[-1][0]) if len(rows) == limit else None)


def _notify(session: Session, event_type: str, request_ids: list[int], now: datetime) -> None:
    """The sweep's notifications (due soon, overdue), in the same transaction as its flags."""
    for request_id in request_ids:
        request = session.get(ServiceRequest, request_id)
        if request is not None:
            notifications.emit(session, event_type, ctx={"department_id": request.department_id},
                               params=notifications.request_params(session, request), request=request,
                               link=f"/requests/{request.number}", now=now)


def sweep_batch(session: Session, status: RequestStatus, after_id: int, now: datetime, limit: int | None = None) -> Batch:
    """The colours that time alone changes (none, blue, yellow) of up to ``limit`` requests in
    ``status`` with ids after ``after_id`` that are not overdue as of ``now`` (those are
    :func:`stamp_overdue`'s). One status at a time, so that each batch is one range of the
    (status, id) index and finished requests (most of a million) are never read."""
    limit = limit or SWEEP_BATCH
    rows = read_batch(session, status, after_id, limit, now=now)
    return Batch(write_facts(session, rows, now), rows[-1].id if len(rows) == limit else None)


def read_batch(session: Session, status: RequestStatus, after_id: int, limit: int | None = None, *,
               now: datetime | None = None) -> list[Any]:
    """Up to ``limit`` requests in ``status`` after ``after_id`` (with ``now``: only those not
    red as of then), with what :func:`write_facts` needs."""
    stmt = (
        select(R.id, R.version, R.status, R.submitted_at, R.claim_due_at, R.complete_due_at, R.flag,
               R.overdue_claim_at, R.overdue_complete_at, R.department_id)
        .where(R.status == status, R.id > after_id)
        .order_by(R.id)
        .limit(limit or SWEEP_BATCH)
    )
    if now is not None:
        stmt = stmt.where(not_(red_clause(now)))
    return list(session.execute(stmt).all())


def write_facts(session: Session, rows: list[Any], now: datetime) -> int:
    """Write the flag and stamps of the ``rows`` read (by :func:`read_batch`) that differ as of
    ``now``, each only if the request is still at the version read. Returns the rows written."""
    changed = 0
    written: list[tuple[int, int | None]] = []
    due_soon: list[int] = []
    connection = session.connection()
    for row in rows:
        wanted = facts(
            row.status, now, submitted_at=row.submitted_at, claim_due_at=row.claim_due_at,
            complete_due_at=row.complete_due_at, overdue_claim_at=row.overdue_claim_at,
            overdue_complete_at=row.overdue_complete_at,
        )
        if wanted == (row.flag, row.overdue_claim_at, row.overdue_complete_at):
            continue
        result = connection.execute(
            _SET_FACTS,
            {"b_id": row.id, "b_version": row.version, "b_flag": wanted[0], "b_claim": wanted[1], "b_complete": wanted[2]},
        )
        changed += result.rowcount  # 0: a transition changed it meanwhile and set its own flag
        if result.rowcount:
            written.append((row.id, getattr(row, "department_id", None)))
        if result.rowcount and wanted[0] == Flag.blue.value and row.flag != Flag.blue.value:
            due_soon.append(row.id)
    # A new colour shows on the desks and lists (past the ORM: noted here for the live pages).
    live_signals.note_requests(session, written)
    _notify(session, "due_soon", due_soon, now)
    return changed


def clear_finished(session: Session, limit: int | None = None) -> int:
    """Take the flag off up to ``limit`` requests whose clock no longer runs (finished or
    suspended) but still carry one (written before transitions kept flags). The (flag, id)
    index finds them. A status test, not a version test: a transition that reopens a request
    meanwhile makes the status test fail (PostgreSQL re-checks it after the row lock)."""
    limit = limit or SWEEP_BATCH
    stopped = T.c.status.not_in([s.value for s in SWEPT_STATUSES])
    ids = select(T.c.id).where(T.c.flag.is_not(None), stopped).order_by(T.c.id).limit(limit).scalar_subquery()
    return session.connection().execute(update(T).where(T.c.id.in_(ids), stopped).values(flag=None)).rowcount


# --- the overdue lists -----------------------------------------------------------------------


def _due_column(kind: str):
    return R.claim_due_at if kind == "claim" else R.complete_due_at


def overdue_list(
    session: Session, person: Person, kind: str, *, cursor: str | None = None, limit: int | None = None,
    now: datetime | None = None,
) -> paging.Page:
    """Requests overdue to claim (``kind="claim"``) or to complete, the longest overdue first.
    Supervisors and admins see all, a department lead their department's (``scope_for``, the
    same as the figures); anyone else is refused."""
    scope = scope_for(person)
    if scope.kind == ScopeKind.forbidden:
        raise Forbidden("You may not open this page.")
    if kind not in OVERDUE_KINDS:
        raise InvalidInput("Unknown list.", {"kind": "claim or complete."})
    now = now or utcnow()
    clause = due.overdue_to_claim_clause(now) if kind == "claim" else due.overdue_to_complete_clause(now)
    stmt = select(R).where(clause)
    keys = [paging.Key(_due_column(kind), "dt"), paging.Key(R.id, "int")]  # due time is never NULL here
    if scope.kind == ScopeKind.department:
        stmt = stmt.where(R.department_id == scope.department_id)
    # One query per status, each an ordered range of the (status, due time, department, id)
    # index, which also answers a department's filter without reading the rows.
    alternatives = [R.status == s for s in OVERDUE_STATUSES[kind]]
    return paging.page(session, stmt, keys, f"overdue:{kind}", cursor, limit or PAGE_SIZE, alternatives=alternatives)


def overdue_counts(session: Session, person: Person, now: datetime | None = None) -> dict[str, int]:
    """How many are overdue each way, in the person's scope (the tabs' numbers)."""
    scope = scope_for(person)
    if scope.kind == ScopeKind.forbidden:
        raise Forbidden("You may not open this page.")
    now = now or utcnow()
    out = {}
    for kind in OVERDUE_KINDS:
        clause = due.overdue_to_claim_clause(now) if kind == "claim" else due.overdue_to_complete_clause(now)
        stmt = select(func.count()).select_from(R).where(clause)
        if scope.kind == ScopeKind.department:
            stmt = stmt.where(R.department_id == scope.department_id)
        out[kind] = session.scalar(stmt) or 0
    return out


def overdue_items(session: Session, requests: list[ServiceRequest], kind: str, locale: str,
                  now: datetime | None = None) -> list[OverdueItem]:
    """The rows of an overdue list, for the API and the page alike: each request's summary,
    when it fell due and for how long it has been overdue in working time (its department's
    office hours). A fixed number of queries, whatever the page's length."""
    from server.requests import actions, presenters  # actions imports this module

    now = now or utcnow()
    catalog_departments = snapshot.load(session).departments
    calendars: dict[int | None, Any] = {}
    items = []
    for request, summary in zip(requests, presenters.summaries(session, requests, locale), strict=True):
        if request.department_id not in calendars:
            calendars[request.department_id] = actions.calendar(catalog_departments.get(request.department_id))
        cal = calendars[request.department_id]
        since = _due_column_value(request, kind)
        hours = cal.working_seconds_between(since, now) / 3600
        per_day = (cal.seconds_per_day / 3600) or 8
        items.append(OverdueItem(**summary.model_dump(), overdue_since=since, overdue_hours=round(hours, 1),
                                 overdue_days=round(hours / per_day, 1)))
    return items


def _due_column_value(request: ServiceRequest, kind: str) -> datetime:
    return request.claim_due_at if kind == "claim" else request.complete_due_at


# --- urging many -----------------------------------------------------------------------------


@dataclass
class UrgeResult:
    urged: list[str] = field(default_factory=list)  # numbers
    failed: list[tuple[str, LianxinError]] = field(default_factory=list)  # number, why
    replayed: bool = False  # the form was sent before: nothing done again
    earlier: int = 0  # when replayed: how many that first sending urged


def form_fingerprint(numbers: list[str], note: str) -> str:
    return hashlib.sha256(("\n".join(sorted(set(numbers))) + "\0" + note).encode()).hexdigest()


def urge_many(
    session: Session, person: Person, numbers: list[str], note: str, *, form_key: str, now: datetime | None = None
) -> UrgeResult:
    """Urge each of ``numbers`` with ``note``, once per ``form_key`` (the one-time key of the
    rendered form: a double click or a reload sends it again and urges nothing twice). Each
    urge is its own ``actions.perform`` in a savepoint: one that is refused (finished since,
    not visible, not allowed) is reported with its reason and the others go through."""
    from server.requests import actions, repository, submission  # actions imports this module

    now = now or utcnow()
    note = (note or "").strip()
    numbers = list(dict.fromkeys(n.strip() for n in numbers if n and n.strip()))
    if not numbers:
        raise InvalidInput("Please choose at least one request.", {"number": "Choose at least one request."})
    if len(numbers) > MAX_URGE:
        raise InvalidInput("Too many requests at once.", {"number": Msg("At most {limit} at a time.", limit=MAX_URGE)})
    if not note:
        raise InvalidInput("Please give a note with the urge.", {"note": "A note is required for this action."})
    if not form_key:
        raise InvalidInput("This form has expired; please open the list again.", {"form_key": "Missing."})
    if len(form_key) > 200:
        raise InvalidInput("This form has expired; please open the list again.", {"form_key": "Too long."})
    if submission.claim_key(session, person, form_key, form_fingerprint(numbers, note), now) is None:
        # Sent before: say what the first sending did (its urges carry the key's time).
        first = session.scalar(
            select(IdempotencyKey.created_at).where(IdempotencyKey.person_id == person.id, IdempotencyKey.key == form_key)
        )
        earlier = session.scalar(
            select(func.count()).select_from(RequestEvent).where(
                RequestEvent.actor_id == person.id, RequestEvent.action == Action.urge, RequestEvent.at == first
            )
        )
        return UrgeResult(replayed=True, earlier=earlier or 0)
    result = UrgeResult()
    for number in numbers:
        try:
            with session.begin_nested():
                request = repository.get_visible(session, person, number)
                actions.perform(session, person, request, Action.urge, actions.ActionInput(note=note), now=now)
        except LianxinError as exc:
            result.failed.append((number, exc))
        else:
            result.urged.append(number)
    return result


def urge_state(request: ServiceRequest) -> dict[str, Any] | None:
    """The "urged N times · last …" line, or None when never urged."""
    if not request.urge_count:
        return None
    return {"count": request.urge_count, "last": request.last_urged_at}
