"""Every write to a request: submission and one function per life-cycle action.

Each action checks who may take it from which state (``server.workflow`` via
``server.policy``), checks the version the caller saw, applies its effects, stamps the time
and appends the history event, then flushes. The caller's unit of work commits, so the
change and its history land together or not at all.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field, fields
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.orm.exc import StaleDataError

from server import policy, workflow
from server.catalog import snapshot
from server.catalog.snapshot import Catalog
from server.config import get_settings
from server.enums import Action, AssignmentMode, Party, RequestStatus, Role
from server.enums import Rating as RatingValue
from server.errors import Conflict, Forbidden, InvalidInput, Msg, NotFound
from server.models import (
    Department,
    IdempotencyKey,
    Person,
    RequestEvent,
    RequestRating,
    Service,
    ServiceRequest,
    utcnow,
)
from server.requests import numbering, routing
from server.requests.answers import validate_answers
from server.worktime import WorkCalendar, calendar_for

MAX_DESCRIPTION = 4000
MAX_NOTE = 2000
MAX_EXTENSION_DAYS = 60
PHONE_RE = re.compile(r"^\+?[0-9][0-9 \-]{4,19}$")


@dataclass
class SubmitInput:
    service_code: str
    description: str
    contact_phone: str = ""
    building_code: str | None = None
    floor: str = ""
    room: str = ""
    answers: dict[str, Any] = field(default_factory=dict)

    def fingerprint(self) -> str:
        """A stable hash of the body, to tell a retry from a different request under one key."""
        body = {f.name: getattr(self, f.name) for f in fields(self)}  # asdict() deep-copies: slow
        return hashlib.sha256(json.dumps(body, sort_keys=True, ensure_ascii=False, default=str).encode()).hexdigest()


@dataclass
class Submitted:
    request: ServiceRequest
    replayed: bool  # True when an Idempotency-Key returned an earlier submission


def calendar(department: Department | None = None) -> WorkCalendar:
    settings = get_settings()
    periods = (department.workday_periods if department else None) or settings.workday_periods
    return calendar_for(settings.timezone, periods, str(settings.calendar_file))


# ---------------------------------------------------------------------------------------------
# Submission (点单)


def submit(
    session: Session,
    person: Person,
    data: SubmitInput,
    *,
    idempotency_key: str | None = None,
    file_counts: dict[str, int] | None = None,
    now: datetime | None = None,
) -> Submitted:
    """File a request for ``person``; route it; return it.

    With an idempotency key, the same key and body again returns the first request; the
    same key with another body is refused. The key is claimed with an insert that does
    nothing on conflict, so of concurrent first uses exactly one files the request and the
    others (waiting on the unique index until it commits) find and return it."""
    now = now or utcnow()
    catalog = snapshot.load(session)
    key_id: int | None = None
    if idempotency_key is not None:
        key_id, replay = _claim_idempotency_key(session, person, idempotency_key, data.fingerprint(), now)
        if replay is not None:
            return Submitted(replay, replayed=True)

    service, building_id, floor, answers, phone = _validate_submission(session, catalog, person, data, file_counts)
    tz = ZoneInfo(get_settings().timezone)
    request = ServiceRequest(
        number=numbering.next_number(session, now, tz),
        version=1,
        status=RequestStatus.submitted,
        service_id=service.id,
        requester_id=person.id,
        enterprise_id=person.enterprise_id,
        description=data.description.strip(),
        building_id=building_id,
        floor=floor,
        room=data.room.strip(),
        contact_phone=phone,
        answers=answers,
        submitted_at=now,
        updated_at=now,
        # The promise to the requester runs from submission, in the centre's working time.
        complete_due_at=calendar().add_working_days(now, service.complete_limit_days),
        rework_count=0,
        return_count=0,
        transfer_count=0,
        urge_count=0,
    )
    events = [_event_values(None, Action.submit, RequestStatus.submitted, person, now)]
    department = routing.department_for(catalog, service)
    if department is not None:
        # Routing dispatches as the system: the same transition a dispatcher takes, applied
        # before the insert so that a new request costs one INSERT, not INSERT + UPDATE.
        workflow.find(RequestStatus.submitted, Action.dispatch, {Party.system})
        _apply_department(request, service, department, now)
        request.status = RequestStatus.dispatched
        events.append(
            _event_values(RequestStatus.submitted, Action.dispatch, RequestStatus.dispatched, None, now,
                          data={"department": department.code})
        )
    _insert_new_request(session, request, events)
    if key_id is not None:
        session.connection().execute(_LINK_KEY, {"key_id": key_id, "request_id": request.id})
    if department is not None:
        _route_to_person(session, request, department, now)
    return Submitted(request, replayed=False)


_REQUESTS = ServiceRequest.__table__
# Built once: the values travel as parameters, so the compiled statement is reused as is.
_INSERT_REQUEST = insert(_REQUESTS).returning(_REQUESTS.c.id)
_INSERT_EVENT = insert(RequestEvent.__table__)


def _insert_new_request(session: Session, request: ServiceRequest, events: list[dict]) -> None:
    """Insert a fully built request and its first events with two plain Core statements,
    then hand the object to the session as if it had been loaded.

    Submission is the busiest write; the ORM's unit of work cost more than the statements
    themselves here. Every column is set on ``request`` beforehand, so nothing is left for
    a column default and the object in the session matches the row exactly."""
    values = {c.key: getattr(request, c.key) for c in _REQUESTS.columns if c.key != "id"}
    for key, value in values.items():
        # Columns never assigned (None) must be set too, or the ORM would treat them as
        # not loaded and go back to the database for them.
        setattr(request, key, value)
    connection = session.connection()  # Core statements: skip the ORM's execution layer
    request.id = connection.execute(_INSERT_REQUEST, values).scalar_one()
    connection.execute(_INSERT_EVENT, [{**event, "request_id": request.id} for event in events])
    make_transient_to_detached(request)
    session.add(request)


def _key_insert(dialect_insert):
    table = IdempotencyKey.__table__
    return (
        dialect_insert(table)
        .values({c: bindparam(c) for c in ("person_id", "key", "body_hash", "created_at")})
        .on_conflict_do_nothing(index_elements=[table.c.person_id, table.c.key])
        .returning(table.c.id)
    )


# Built once (see numbering._UPSERT): insert the key unless this person already used it.
_CLAIM_KEY = {"postgresql": _key_insert(postgresql.insert), "sqlite": _key_insert(sqlite.insert)}
_KEYS = IdempotencyKey.__table__
_LINK_KEY = update(_KEYS).where(_KEYS.c.id == bindparam("key_id")).values(request_id=bindparam("request_id"))


def _claim_idempotency_key(
    session: Session, person: Person, key: str, fingerprint: str, now: datetime
) -> tuple[int | None, ServiceRequest | None]:
    """(id of the new key row, None), or (None, the request an earlier use filed)."""
    key = key.strip()
    if not key or len(key) > 200:
        raise InvalidInput("The Idempotency-Key must be 1 to 200 characters.", {"Idempotency-Key": "1 to 200 characters."})
    connection = session.connection()  # a Core statement: skip the ORM's execution layer
    key_id = connection.execute(
        _CLAIM_KEY[connection.dialect.name],
        {"person_id": person.id, "key": key, "body_hash": fingerprint, "created_at": now},
    ).scalar()
    if key_id is not None:
        return key_id, None
    existing = session.scalar(select(IdempotencyKey).where(IdempotencyKey.person_id == person.id, IdempotencyKey.key == key))
    if existing is None or existing.request_id is None:  # pragma: no cover - the row commits with its request
        raise Conflict("This Idempotency-Key is in use by a submission still in progress; try again.")
    if existing.body_hash != fingerprint:
        raise InvalidInput(
            "This Idempotency-Key was already used for a different request.",
            {"Idempotency-Key": "Already used with another body."},
        )
    return None, session.get_one(ServiceRequest, existing.request_id)


def _validate_submission(
    session: Session, catalog: Catalog, person: Person, data: SubmitInput, file_counts: dict[str, int] | None
) -> tuple[Service, int | None, str, list[dict], str]:
    service = catalog.service(data.service_code)
    if service is None or not catalog.is_orderable(service):
        raise InvalidInput("There is no such service to order.", {"service_code": "Unknown service."})
    if not policy.can_order(person, service):
        raise Forbidden("This service cannot be ordered with your roles.")
    errors: dict[str, str] = {}
    description = data.description.strip() if isinstance(data.description, str) else ""
    if not description:
        errors["description"] = "Please describe what you need."
    elif len(description) > MAX_DESCRIPTION or "\x00" in description:
        errors["description"] = Msg("At most {limit} characters.", limit=MAX_DESCRIPTION)
    phone = (data.contact_phone or person.phone or "").strip()
    if not phone:
        errors["contact_phone"] = "Please give a phone number to reach you."
    elif not PHONE_RE.match(phone):
        errors["contact_phone"] = "This does not look like a phone number."
    building_id: int | None = None
    floor = (data.floor or "").strip()
    if data.building_code:
        building = catalog.building(data.building_code)
        if building is None or not building.active:
            errors["building_code"] = "Unknown building."
        else:
            building_id = building.id
            if floor and floor not in building.floors:
                errors["floor"] = "This building has no such floor."
    elif person.enterprise_id is not None and not floor:
        # Default to where the requester's enterprise is.
        enterprise = catalog.enterprises.get(person.enterprise_id)
        if enterprise is not None:
            building_id, floor = enterprise.building_id, enterprise.floor
    if len(data.room or "") > 40:
        errors["room"] = Msg("At most {limit} characters.", limit=40)
    answers, answer_errors = validate_answers(service.fields, data.answers or {}, file_counts)
    errors.update(answer_errors)
    if errors:
        raise InvalidInput("Some answers need attention.", errors)
    return service, building_id, floor, answers, phone


# ---------------------------------------------------------------------------------------------
# Life-cycle actions


@dataclass
class ActionInput:
    note: str = ""
    department_code: str | None = None  # dispatch, transfer, add_cohandler
    assignee: str | None = None  # assign: a username
    days: int | None = None  # request_extension, extend
    rating: RatingValue | None = None  # rate
    internal: bool = False  # a note for staff only (where the action allows it)


def get_for_update(session: Session, person: Person, number: str) -> ServiceRequest:
    request = session.scalar(select(ServiceRequest).where(ServiceRequest.number == number))
    if request is None or not policy.can_see(person, request):
        raise NotFound("No request {number} that you may see.", {"number": number})
    return request


def perform(
    session: Session,
    person: Person | None,
    request: ServiceRequest,
    action: Action,
    data: ActionInput | None = None,
    *,
    expected_version: int | None = None,
    now: datetime | None = None,
) -> ServiceRequest:
    """Take ``action`` on ``request`` as ``person`` (None = the system).

    Raises Forbidden (403) when the person may not take this action, Conflict (409) when the
    request is in another state or has changed since ``expected_version``, InvalidInput (422)
    for a missing note, target or rating."""
    data = data or ActionInput()
    now = now or utcnow()
    parties = frozenset({Party.system}) if person is None else policy.parties_of(person, request)
    current = RequestStatus(request.status)
    try:
        transition = workflow.find(current, action, parties)
    except workflow.TransitionDenied as exc:
        raise Forbidden("You may not “{action}” this request.", {"action": action.value}) from exc
    except workflow.WrongState as exc:
        raise _conflict(session, request, "This request is {status} now; “{action}” is not possible.", action=action.value) from exc
    if expected_version is not None and expected_version != request.version:
        raise _conflict(session, request, "Someone else changed this request first; reload it and try again.")
    note = (data.note or "").strip()
    if len(note) > MAX_NOTE or "\x00" in note:
        raise InvalidInput("The note is too long.", {"note": Msg("At most {limit} characters.", limit=MAX_NOTE)})
    if transition.note_required and not note:
        raise InvalidInput("Please give a reason or a note.", {"note": "A note is required for this action."})

    service = session.get_one(Service, request.service_id)
    event_data = _EFFECTS[action](session, request, service, person, data, now, note)
    request.status = transition.target
    request.updated_at = now
    public = transition.public and not data.internal
    _append_event(session, request, current, action, person, now, note=note, public=public, data=event_data)
    number = request.number  # the session is unusable after a failed flush
    try:
        session.flush()
    except StaleDataError as exc:
        # Another transaction changed the row between our read and our UPDATE ... WHERE version.
        raise Conflict("Someone else changed this request first; reload it and try again.", number=number) from exc
    if action in (Action.dispatch, Action.transfer):
        _route_to_person(session, request, session.get_one(Department, request.department_id), now)
    return request


def _route_to_person(session: Session, request: ServiceRequest, department: Department, now: datetime) -> None:
    """A department that assigns its tasks (round-robin, least-loaded) gets this one assigned
    at once, by the system; an open-queue department leaves it for anyone to claim."""
    if department.assignment_mode == AssignmentMode.open_queue:
        return
    # choose_assignee remembers its turn on the department row: use this session's copy.
    assignee_id = routing.choose_assignee(session, session.get_one(Department, department.id))
    if assignee_id is not None:
        username = session.get_one(Person, assignee_id).username
        perform(session, None, request, Action.assign, ActionInput(assignee=username), now=now)


def current_state(session: Session, request: ServiceRequest) -> dict[str, Any]:
    """What a 409 tells the caller about the request now (and who holds it, so a second
    claimer reads "already claimed by …")."""
    assignee = session.get(Person, request.assignee_id) if request.assignee_id else None
    return {
        "number": request.number,
        "current_status": str(request.status),
        "current_version": request.version,
        "assignee": {"username": assignee.username, "name": assignee.display_name} if assignee else None,
    }


def _conflict(session: Session, request: ServiceRequest, message: str, **params: Any) -> Conflict:
    return Conflict(message, {"status": str(request.status), **params}, **current_state(session, request))


def _append_event(
    session: Session,
    request: ServiceRequest,
    from_status: RequestStatus | None,
    action: Action,
    person: Person | None,
    now: datetime,
    *,
    note: str = "",
    public: bool = True,
    data: dict | None = None,
    to_status: RequestStatus | None = None,
) -> RequestEvent:
    event = RequestEvent(
        request_id=request.id,
        **_event_values(from_status, action, to_status or request.status, person, now, note=note, public=public, data=data),
    )
    session.add(event)
    return event


def _event_values(
    from_status: RequestStatus | None,
    action: Action,
    to_status: RequestStatus,
    person: Person | None,
    now: datetime,
    *,
    note: str = "",
    public: bool = True,
    data: dict | None = None,
) -> dict[str, Any]:
    return {
        "at": now,
        "actor_id": person.id if person is not None else None,
        "action": action,
        "from_status": from_status,
        "to_status": to_status,
        "note": note,
        "public": public,
        "data": data or {},
    }


def _target_department(session: Session, data: ActionInput, *, exclude: int | None = None) -> Department:
    if not data.department_code:
        raise InvalidInput("Please choose a department.", {"department_code": "Required."})
    department = session.scalar(select(Department).where(Department.code == data.department_code))
    if department is None or not department.active:
        raise InvalidInput("There is no such active department.", {"department_code": "Unknown department."})
    if exclude is not None and department.id == exclude:
        raise InvalidInput("The request is already with this department.", {"department_code": "Choose another department."})
    return department


def _apply_department(request: ServiceRequest, service: Service, department: Department, now: datetime) -> None:
    request.department_id = department.id
    request.assignee_id = None
    if request.dispatched_at is None:
        request.dispatched_at = now
    # The department's claim clock starts when the task reaches it, in its own office hours.
    request.claim_due_at = calendar(department).add_working_hours(now, service.claim_limit_hours)


# Each effect changes the request's own columns for one action and returns the event's data.


def _dispatch(session, request, service, person, data, now, note):
    department = _target_department(session, data)
    _apply_department(request, service, department, now)
    return {"department": department.code}


def _transfer(session, request, service, person, data, now, note):
    department = _target_department(session, data, exclude=request.department_id)
    previous = session.get(Department, request.department_id) if request.department_id else None
    _apply_department(request, service, department, now)
    request.transfer_count += 1
    return {"department": department.code, "from_department": previous.code if previous else None}


def _add_cohandler(session, request, service, person, data, now, note):
    department = _target_department(session, data, exclude=request.department_id)
    request.cohandler_department_id = department.id
    return {"department": department.code}


def _claim(session, request, service, person, data, now, note):
    request.assignee_id = person.id
    request.claimed_at = now
    return {}


def _assign(session, request, service, person, data, now, note):
    if not data.assignee:
        raise InvalidInput("Please choose a person.", {"assignee": "Required."})
    target = session.scalar(select(Person).where(Person.username == data.assignee))
    if (
        target is None
        or not target.active
        or target.department_id != request.department_id
        or not target.has_role(Role.staff, Role.lead)
    ):
        raise InvalidInput("Tasks can only be assigned to active staff of the department.", {"assignee": "Not staff of this department."})
    request.assignee_id = target.id
    if request.claimed_at is None or request.status == RequestStatus.dispatched:
        request.claimed_at = now
    return {"assignee": target.username}


def _release(session, request, service, person, data, now, note):
    previous = request.assignee_id
    request.assignee_id = None
    return {"previous_assignee_id": previous}


def _return(session, request, service, person, data, now, note):
    previous = session.get(Department, request.department_id) if request.department_id else None
    request.department_id = None
    request.assignee_id = None
    request.claim_due_at = None
    request.return_count += 1
    return {"from_department": previous.code if previous else None}


def _suspend(session, request, service, person, data, now, note):
    request.suspended_at = now
    return {}


def _resume(session, request, service, person, data, now, note):
    # The clock stopped while suspended: move the due time by the working time that passed.
    cal = calendar(session.get(Department, request.department_id) if request.department_id else None)
    paused = cal.working_seconds_between(request.suspended_at or now, now)
    if request.complete_due_at is not None and paused > 0:
        request.complete_due_at = cal.add_working_seconds(request.complete_due_at, paused)
    request.suspended_at = None
    return {"paused_working_hours": round(paused / 3600, 2)}


def _days(value: int | None, *, required: bool) -> int | None:
    if value is None:
        if required:
            raise InvalidInput("Please give a number of working days.", {"days": "Required."})
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_EXTENSION_DAYS:
        raise InvalidInput("Please give a number of working days.", {"days": Msg("A whole number from 1 to {max}.", max=MAX_EXTENSION_DAYS)})
    return value


def _request_extension(session, request, service, person, data, now, note):
    days = _days(data.days, required=True)
    if request.complete_due_at is not None and now >= request.complete_due_at:
        raise InvalidInput("An extension must be asked before the request falls due.", {"days": "Already overdue."})
    request.extension_requested_days = days
    return {"days": days}


def _extend(session, request, service, person, data, now, note):
    days = _days(data.days, required=False) or request.extension_requested_days
    if days is None:
        raise InvalidInput("Please give a number of working days.", {"days": "Required."})
    cal = calendar(session.get(Department, request.department_id) if request.department_id else None)
    previous = request.complete_due_at
    request.complete_due_at = cal.add_working_days(previous or now, days)
    request.extension_requested_days = None
    return {"days": days, "previous_due_at": previous.isoformat() if previous else None}


def _complete(session, request, service, person, data, now, note):
    request.completed_at = now
    return {}


def _rate(session, request, service, person, data, now, note):
    if data.rating is None:
        raise InvalidInput("Please choose a rating.", {"rating": "Required."})
    rating = RatingValue(data.rating)
    if rating == RatingValue.unsatisfied and not note:
        raise InvalidInput("Please tell us what was wrong.", {"note": "A comment is required when unsatisfied."})
    session.add(RequestRating(request_id=request.id, rater_id=person.id, value=rating, comment=note, created_at=now))
    request.closed_at = now
    return {"rating": rating.value}


def _rework(session, request, service, person, data, now, note):
    request.rework_count += 1
    request.completed_at = None
    # A rework gets a fresh completion limit.
    cal = calendar(session.get(Department, request.department_id) if request.department_id else None)
    request.complete_due_at = cal.add_working_days(now, service.complete_limit_days)
    return {"round": request.rework_count}


def _auto_close(session, request, service, person, data, now, note):
    request.closed_at = now
    return {"unrated": True}


def _finish(session, request, service, person, data, now, note):
    request.closed_at = now
    return {}


def _urge(session, request, service, person, data, now, note):
    request.urge_count += 1
    return {}


_EFFECTS = {
    Action.dispatch: _dispatch,
    Action.transfer: _transfer,
    Action.add_cohandler: _add_cohandler,
    Action.claim: _claim,
    Action.assign: _assign,
    Action.release: _release,
    Action.return_: _return,
    Action.suspend: _suspend,
    Action.resume: _resume,
    Action.request_extension: _request_extension,
    Action.extend: _extend,
    Action.complete: _complete,
    Action.rate: _rate,
    Action.rework: _rework,
    Action.auto_close: _auto_close,
    Action.cancel: _finish,
    Action.reject: _finish,
    Action.urge: _urge,
}


# ---------------------------------------------------------------------------------------------
# Time-based transitions


def close_unrated(session: Session, *, now: datetime | None = None, limit: int = 500) -> int:
    """Close completed requests nobody rated within the rating window (recorded as unrated).
    Returns how many were closed; run repeatedly (the serve loop, ``lianxin sweep``)."""
    now = now or utcnow()
    cutoff = now - timedelta(days=get_settings().rating_window_days)
    stale = session.scalars(
        select(ServiceRequest)
        .where(ServiceRequest.status == RequestStatus.completed, ServiceRequest.completed_at < cutoff)
        .order_by(ServiceRequest.id)
        .limit(limit)
    ).all()
    for request in stale:
        perform(session, None, request, Action.auto_close, now=now)
    return len(stale)
