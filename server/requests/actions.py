"""The life-cycle actions on a request: :func:`perform` and one small effect per action.

Each action checks who may take it from which state (``server.workflow`` via
``server.policy``), checks the version the caller saw, applies its effects, stamps the time
and appends the history event, then flushes. The caller's unit of work commits, so the
change and its history land together or not at all. Callers import ``server.requests.service``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from server import policy, workflow
from server.config import get_settings
from server.enums import Action, AssignmentMode, Party, RequestStatus, Role
from server.enums import Rating as RatingValue
from server.errors import Conflict, Forbidden, InvalidInput, Msg
from server.i18n_text import N_
from server.metrics import rollup
from server.models import (
    Department,
    Person,
    RequestEvent,
    RequestRating,
    Service,
    ServiceRequest,
    utcnow,
)
from server.notifications import service as notifications
from server.requests import refusals, routing, supervision
from server.worktime import WorkCalendar, calendar_for

MAX_NOTE = 2000
MAX_EXTENSION_DAYS = 60


def working_tenths(cal: WorkCalendar, start: datetime, end: datetime) -> int:
    """Working time from ``start`` to ``end`` in tenths of an hour (rounded half up), as the
    metrics' durations are kept. No calendar walk for a request dispatched as it is filed."""
    if end <= start:
        return 0
    return int(cal.working_seconds_between(start, end) / 360 + 0.5)


def _department_calendar(session: Session, request: ServiceRequest) -> WorkCalendar:
    return calendar(session.get(Department, request.department_id) if request.department_id else None)


def calendar(department: Department | None = None) -> WorkCalendar:
    """The working-time calendar of ``department`` (its office hours), or the centre's."""
    settings = get_settings()
    periods = (department.workday_periods if department else None) or settings.workday_periods
    return calendar_for(settings.timezone, periods, str(settings.calendar_file))


# What every door says when an action's required reason is empty (the rest: the generic one).
NOTE_MISSING = {
    Action.release: N_("Please say why you are releasing the task: the colleague who takes it next reads it."),
    Action.reject: N_("Please give the reason for rejecting: the requester will read it."),
    Action.return_: N_("Please say why you are returning it to the dispatchers."),
}


@dataclass
class ActionInput:
    note: str = ""
    department_code: str | None = None  # dispatch, transfer, add_cohandler
    assignee: str | None = None  # assign: a username
    days: int | None = None  # request_extension, extend
    rating: RatingValue | None = None  # rate
    internal: bool = False  # a note for staff only (where the action allows it)


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
        raise _conflict(session, request, action, person) from exc
    if expected_version is not None and expected_version != request.version:
        raise _conflict(session, request, None)
    note = (data.note or "").strip()
    if len(note) > MAX_NOTE or "\x00" in note:
        raise InvalidInput("The note is too long.", {"note": Msg("At most {limit} characters.", limit=MAX_NOTE)})
    if transition.note_required and not note:
        message = NOTE_MISSING.get(action, N_("Please give a reason or a note."))
        raise InvalidInput(message, {"note": "A note is required for this action."})
    if data.internal and not transition.internal_note:
        # A staff-only note on, say, a completion would hide the result from the requester.
        raise InvalidInput("This action's note cannot be for staff only.", {"internal": "Not possible for this action."})

    service = session.get_one(Service, request.service_id)
    counted_before = rollup.contribution_of(request)  # what the figures count of it now
    supervision.note_overdue(request, now)  # claimed late: it had been overdue to claim
    event_data = _EFFECTS[action](session, request, service, person, data, now, note)
    request.status = transition.target
    request.updated_at = now
    supervision.refresh(request, now)  # its flag in the new state, not at the next sweep
    public = transition.public and not data.internal
    _append_event(session, request, current, action, person, now, note=note, public=public, data=event_data)
    number = request.number  # the session is unusable after a failed flush
    try:
        session.flush()
    except StaleDataError as exc:
        # Another transaction changed the row between our read and our UPDATE ... WHERE version.
        raise Conflict(refusals.STALE, number=number) from exc
    # The supervision figures' rollup changes in this same transaction: never stale.
    rollup.record(session, counted_before, rollup.contribution_of(request))
    if action in (Action.dispatch, Action.transfer):
        route_to_person(session, request, session.get_one(Department, request.department_id), now)
    return request


def route_to_person(session: Session, request: ServiceRequest, department: Department, now: datetime) -> None:
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


def _conflict(session: Session, request: ServiceRequest, action: Action | None, person: Person | None = None) -> Conflict:
    """A 409 worded by ``refusals``: the wrong state for ``action`` (None: a stale version),
    with the request's current state for the caller."""
    state = current_state(session, request)
    if action is None:
        return Conflict(refusals.STALE, **state)
    holder = refusals.Holder.of(state["assignee"])
    message = refusals.wrong_state(action, request.status, holder, person.username if person else None)
    return Conflict(message.msgid, message.params, **state)


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
        **event_values(from_status, action, to_status or request.status, person, now, note=note, public=public, data=data),
    )
    session.add(event)
    # The one place a transition's history is written: its notifications go with it.
    notifications.request_event(session, request, action, actor_id=event.actor_id, data=event.data, now=now)
    return event


def event_values(
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


def apply_department(request: ServiceRequest, service: Service, department: Department, now: datetime) -> None:
    request.department_id = department.id
    request.assignee_id = None
    if request.dispatched_at is None:
        request.dispatched_at = now
        request.tenths_to_dispatch = working_tenths(calendar(), request.submitted_at, now)
    # The department's claim clock starts when the task reaches it, in its own office hours.
    request.claim_due_at = calendar(department).add_working_hours(now, service.claim_limit_hours)


# Each effect changes the request's own columns for one action and returns the event's data.


def _dispatch(session, request, service, person, data, now, note):
    department = _target_department(session, data)
    apply_department(request, service, department, now)
    return {"department": department.code}


def _transfer(session, request, service, person, data, now, note):
    department = _target_department(session, data, exclude=request.department_id)
    previous = session.get(Department, request.department_id) if request.department_id else None
    apply_department(request, service, department, now)
    request.transfer_count += 1
    return {"department": department.code, "from_department": previous.code if previous else None}


def _add_cohandler(session, request, service, person, data, now, note):
    department = _target_department(session, data, exclude=request.department_id)
    request.cohandler_department_id = department.id
    return {"department": department.code}


def _stamp_claim(session, request, now):
    request.claimed_at = now
    if request.first_claimed_at is None:
        request.first_claimed_at = now
        request.first_claim_due_at = request.claim_due_at
        request.tenths_to_claim = working_tenths(_department_calendar(session, request), request.submitted_at, now)


def _claim(session, request, service, person, data, now, note):
    request.assignee_id = person.id
    _stamp_claim(session, request, now)
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
        _stamp_claim(session, request, now)
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
    cal = _department_calendar(session, request)
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
    cal = _department_calendar(session, request)
    previous = request.complete_due_at
    request.complete_due_at = cal.add_working_days(previous or now, days)
    request.extension_requested_days = None
    return {"days": days, "previous_due_at": previous.isoformat() if previous else None}


def _complete(session, request, service, person, data, now, note):
    request.completed_at = now
    if request.first_completed_at is None:
        # The due time that applied to this completion: as extended, with the time suspended
        # added back by _resume. A rework's fresh limit does not rewrite it.
        request.first_completed_at = now
        request.first_complete_due_at = request.complete_due_at
        request.tenths_to_complete = working_tenths(_department_calendar(session, request), request.submitted_at, now)
    return {}


def _rate(session, request, service, person, data, now, note):
    if data.rating is None:
        raise InvalidInput("Please choose a rating.", {"rating": "Required."})
    rating = RatingValue(data.rating)
    if rating == RatingValue.unsatisfied and not note:
        raise InvalidInput("Please tell us what was wrong.", {"note": "A comment is required when unsatisfied."})
    session.add(RequestRating(request_id=request.id, rater_id=person.id, value=rating, comment=note, created_at=now))
    request.closed_at = now
    request.rating = rating
    return {"rating": rating.value}


def _rework(session, request, service, person, data, now, note):
    request.rework_count += 1
    request.completed_at = None
    # A rework gets a fresh completion limit.
    cal = _department_calendar(session, request)
    request.complete_due_at = cal.add_working_days(now, service.complete_limit_days)
    return {"round": request.rework_count}


def _auto_close(session, request, service, person, data, now, note):
    request.closed_at = now
    request.closed_unrated = True
    return {"unrated": True}


def _finish(session, request, service, person, data, now, note):
    request.closed_at = now
    return {}


def _urge(session, request, service, person, data, now, note):
    request.urge_count += 1
    request.last_urged_at = now
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


# --- time-based transitions -------------------------------------------------------------------


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
