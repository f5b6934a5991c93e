"""Filing a request (点单): validating a submission, numbering and routing it, idempotency.

Callers import ``server.requests.service``, which re-exports what is public here.
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
from sqlalchemy.orm import Session, make_transient_to_detached

from server import policy, workflow
from server.catalog import snapshot
from server.catalog.snapshot import Catalog
from server.config import get_settings
from server.db import per_dialect
from server.enums import Action, Party, RequestStatus
from server.errors import Conflict, InvalidInput, Msg
from server.live import signals as live_signals
from server.metrics import rollup
from server.models import IdempotencyKey, Person, RequestEvent, Service, ServiceRequest, utcnow
from server.notifications import service as notifications
from server.requests import actions, numbering, routing
from server.requests.answers import validate_answers

MAX_DESCRIPTION = 4000
_REQUESTS = ServiceRequest.__table__
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


@dataclass(frozen=True)
class OnBehalf:
    """A request filed by staff for its requester — a need found on a visit to the requester's
    enterprise (server/visits). The submission is the same in every other way (who may order
    it, routing, limits, numbering, figures); its history names who filed it and the visit."""

    filed_by: Person
    visit_id: int
    visit_on: str  # ISO date of the visit, shown in the history
    enterprise: str  # the enterprise's name when filed

    def event_data(self) -> dict:
        return {"filed_by": self.filed_by.username,
                "visit": {"id": self.visit_id, "on": self.visit_on, "enterprise": self.enterprise}}


@dataclass
class Submitted:
    request: ServiceRequest
    replayed: bool  # True when an Idempotency-Key returned an earlier submission


class DuplicateSubmission(Conflict):
    """The same person filed the same request (service, description, answers) moments ago —
    typically Back and submit again, which brings a fresh form and so a fresh idempotency
    key. ``number`` is the earlier request; the door shows it and offers to file anyway."""

    def __init__(self, number: str, minutes: int):
        super().__init__("You filed the same request {minutes} minutes ago: {number}.",
                         {"number": number, "minutes": minutes}, number=number)
        self.number = number


# How many of the person's latest requests are compared. A request filed twice (Back, then
# submit) is one of the last few; a cap keeps the check's cost the same whatever the person
# filed before (a reception desk's account, a script): unbounded, it read their whole history
# at every submission, half the form's CPU for members with ~400 requests (bench/run.py).
RECENT_COMPARED = 20

# The person's latest ids along ix_service_request_requester_id (from the index alone: no row
# is read to pick them), then those few rows filtered by the window and compared. Ids grow with
# submission time, so the window's requests are the newest of them; the read never grows with
# the person's history (a time filter inside the limit would read back through all of it
# whenever nothing matched, the usual answer).
_RECENT_IDS = (
    select(_REQUESTS.c.id)
    .where(_REQUESTS.c.requester_id == bindparam("requester_id"))
    .order_by(_REQUESTS.c.id.desc()).limit(RECENT_COMPARED)
    .subquery("recent")
)
_RECENT_SAME = (
    select(_REQUESTS.c.number, _REQUESTS.c.submitted_at, _REQUESTS.c.answers)
    .join(_RECENT_IDS, _RECENT_IDS.c.id == _REQUESTS.c.id)
    .where(_REQUESTS.c.submitted_at >= bindparam("since"),
           _REQUESTS.c.service_id == bindparam("service_id"),
           _REQUESTS.c.description == bindparam("description"),
           _REQUESTS.c.status.not_in((RequestStatus.cancelled, RequestStatus.rejected)))
    .order_by(_REQUESTS.c.id.desc())
)


def _recent_duplicate(session: Session, person: Person, service: Service, description: str, answers: dict,
                      now: datetime, within: timedelta) -> tuple[str, datetime] | None:
    """(number, submitted at) of the person's same request of this service moments ago, if any.

    Built once, as a Core statement of the few columns compared (the form's every submission
    asks): of the person's last ``RECENT_COMPARED`` requests, those in the window of this
    service with this description; their answers compared in Python as the validated values
    they are stored as."""
    rows = session.connection().execute(_RECENT_SAME, {
        "requester_id": person.id, "service_id": service.id, "since": now - within, "description": description})
    return next(((number, at) for number, at, earlier in rows if (earlier or {}) == (answers or {})), None)


def submit(
    session: Session,
    person: Person,
    data: SubmitInput,
    *,
    idempotency_key: str | None = None,
    file_counts: dict[str, int] | None = None,
    refuse_duplicate_within: timedelta | None = None,
    now: datetime | None = None,
    on_behalf: OnBehalf | None = None,
) -> Submitted:
    """File a request for ``person``; route it; return it. With ``on_behalf``, a staff member
    files it for ``person`` (the requester): the submit event is theirs and names the visit.

    With an idempotency key, the same key and body again returns the first request; the
    same key with another body is refused. The key is claimed with an insert that does
    nothing on conflict, so of concurrent first uses exactly one files the request and the
    others (waiting on the unique index until it commits) find and return it."""
    now = now or utcnow()
    catalog = snapshot.load(session)
    key_id: int | None = None
    if idempotency_key is not None:
        # The key belongs to whoever's browser sent the form.
        sender = on_behalf.filed_by if on_behalf is not None else person
        key_id, replay = _claim_idempotency_key(session, sender, idempotency_key, data.fingerprint(), now)
        if replay is not None:
            return Submitted(replay, replayed=True)

    service, building_id, floor, answers, phone = _validate_submission(session, catalog, person, data, file_counts)
    if refuse_duplicate_within is not None:
        earlier = _recent_duplicate(session, person, service, data.description.strip(), answers, now, refuse_duplicate_within)
        if earlier is not None:
            number, submitted_at = earlier
            minutes = max(1, int((now - submitted_at).total_seconds() // 60))
            raise DuplicateSubmission(number, minutes)
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
        complete_due_at=actions.calendar().add_working_days(now, service.complete_limit_days),
        rework_count=0,
        return_count=0,
        transfer_count=0,
        urge_count=0,
        closed_unrated=False,
    )
    if on_behalf is None:
        events = [actions.event_values(None, Action.submit, RequestStatus.submitted, person, now)]
    else:
        events = [actions.event_values(None, Action.submit, RequestStatus.submitted, on_behalf.filed_by, now,
                                       data=on_behalf.event_data())]
    department = routing.department_for(catalog, service)
    if department is not None:
        # Routing dispatches as the system: the same transition a dispatcher takes, applied
        # before the insert so that a new request costs one INSERT, not INSERT + UPDATE.
        workflow.find(RequestStatus.submitted, Action.dispatch, {Party.system})
        actions.apply_department(request, service, department, now)
        request.status = RequestStatus.dispatched
        events.append(
            actions.event_values(RequestStatus.submitted, Action.dispatch, RequestStatus.dispatched, None, now,
                          data={"department": department.code})
        )
    _insert_new_request(session, request, events)
    live_signals.note_requests(session, [request])  # written past the ORM's flush: the live pages' signal
    rollup.record(session, None, rollup.contribution_of(request))  # the figures count it at once
    if key_id is not None:
        session.connection().execute(_LINK_KEY, {"key_id": key_id, "request_id": request.id})
    if department is not None:
        actions.route_to_person(session, request, department, now)
    return Submitted(request, replayed=False)


# Built once: the values travel as parameters, so the compiled statement is reused as is.
_INSERT_REQUEST = insert(_REQUESTS).returning(_REQUESTS.c.id)
_INSERT_EVENT = insert(RequestEvent.__table__)
_COLUMN_KEYS = tuple(c.key for c in _REQUESTS.columns if c.key != "id")


def _insert_new_request(session: Session, request: ServiceRequest, events: list[dict]) -> None:
    """Insert a fully built request and its first events with two plain Core statements,
    then hand the object to the session as if it had been loaded.

    Submission is the busiest write; the ORM's unit of work cost more than the statements
    themselves here. Every column is set on ``request`` beforehand, so nothing is left for
    a column default and the object in the session matches the row exactly."""
    # Read from and written to the instance's own dict: the values were just assigned, and
    # going through the instrumented attributes again (a get and a set event per column,
    # ~40 columns) cost more than the insert's statement building.
    state = request.__dict__
    for key in _COLUMN_KEYS:
        # Columns never assigned are None, and must be present, or the ORM would treat them
        # as not loaded and go back to the database for them.
        state.setdefault(key, None)
    values = {key: state[key] for key in _COLUMN_KEYS}
    connection = session.connection()  # Core statements: skip the ORM's execution layer
    request.id = connection.execute(_INSERT_REQUEST, values).scalar_one()
    connection.execute(_INSERT_EVENT, [{**event, "request_id": request.id} for event in events])
    make_transient_to_detached(request)
    session.add(request)
    # The first events' notifications (a new task in the queue, filed after a visit), as
    # actions.perform writes them beside every later event.
    for event in events:
        notifications.request_event(session, request, event["action"], actor_id=event["actor_id"],
                                    data=event["data"], now=event["at"])


def _key_insert(dialect_insert):
    table = IdempotencyKey.__table__
    return (
        dialect_insert(table)
        .values({c: bindparam(c) for c in ("person_id", "key", "body_hash", "created_at")})
        .on_conflict_do_nothing(index_elements=[table.c.person_id, table.c.key])
        .returning(table.c.id)
    )


# Built once (see numbering._UPSERT): insert the key unless this person already used it.
_CLAIM_KEY = per_dialect(_key_insert)
_KEYS = IdempotencyKey.__table__
_LINK_KEY = update(_KEYS).where(_KEYS.c.id == bindparam("key_id")).values(request_id=bindparam("request_id"))


def claim_key(session: Session, person: Person, key: str, fingerprint: str, now: datetime) -> int | None:
    """Insert (person, key) unless this person used the key before: the new row's id, or None
    when it was used (a concurrent first use waits on the unique index until it commits).
    Also the one-time key of other forms that must not act twice (supervision's bulk urge)."""
    connection = session.connection()  # a Core statement: skip the ORM's execution layer
    return connection.execute(
        _CLAIM_KEY[connection.dialect.name],
        {"person_id": person.id, "key": key, "body_hash": fingerprint, "created_at": now},
    ).scalar()


def _claim_idempotency_key(
    session: Session, person: Person, key: str, fingerprint: str, now: datetime
) -> tuple[int | None, ServiceRequest | None]:
    """(id of the new key row, None), or (None, the request an earlier use filed)."""
    key = key.strip()
    if not key or len(key) > 200:
        raise InvalidInput("The Idempotency-Key must be 1 to 200 characters.", {"Idempotency-Key": "1 to 200 characters."})
    key_id = claim_key(session, person, key, fingerprint, now)
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
    service = orderable_service(catalog, data.service_code)
    if service is None:
        raise InvalidInput("There is no such service to order.", {"service_code": "Unknown service."})
    # The one "may this person order it" check of a submission (the order page leaves it here).
    policy.require_can_order(person, service)
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


def orderable_service(catalog: Catalog, code: str) -> Service | None:
    """The service ``code`` if it exists and is open for orders (whoever asks)."""
    service = catalog.service(code)
    return service if service is not None and catalog.is_orderable(service) else None

