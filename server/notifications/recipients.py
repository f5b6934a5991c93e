"""THE table of who receives which event (docs/NOTIFICATIONS.md), and how each kind of
recipient is found.

``EVENTS[event_type]`` names the audiences of an event, its text (an English msgid written
with the event's params) and whether e-mail is on by default. An audience is resolved from a
small context of ids (``department_id``, ``request_id``, ``booking_id``, ``club_id``,
``activity_id``, ``person_id``) twice: when the event is emitted (who gets it) and again
when an outbox message is sent (whether that person still belongs), so that someone who left
the department, lost the role or was switched off gets nothing more."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import and_, bindparam, select
from sqlalchemy.orm import Session

from server.enums import Role, SignupStatus
from server.i18n_text import N_
from server.models import (
    Booking,
    Club,
    NotificationPreference,
    Person,
    PersonRole,
    ServiceRequest,
    Signup,
)


class Audience:
    department_staff = "department_staff"  # staff and lead of the department
    department_lead = "department_lead"
    handler = "handler"  # the person the request is assigned to
    handler_or_staff = "handler_or_staff"  # the handler; while nobody holds it, the department's staff
    dispatchers = "dispatchers"
    supervisors = "supervisors"
    requester = "requester"
    booking_deciders = "booking_deciders"  # who decides on room bookings (the centre)
    booker = "booker"
    club_lead = "club_lead"
    signed_up = "signed_up"  # everyone with a place or in the queue of an activity
    with_place = "with_place"  # those with a place at an activity (not the waiting list)
    person = "person"  # the one person the event is about (person_id)


@dataclass(frozen=True)
class EventType:
    audiences: tuple[str, ...]
    text: str  # msgid, formatted with the event's params
    email: bool = True  # on by default for e-mail (in-app is always on by default)
    about_request: bool = False  # carries a request: goes to webhooks too


A = Audience
_REQUEST_TEXT = "{number} · {service}"

# event type → who receives it. One row per event; tests/notifications/test_recipients.py
# has a test per row.
EVENTS: dict[str, EventType] = {
    "new_task": EventType((A.department_staff,), N_("New task in your department: {number} · {service}"),
                          email=False, about_request=True),
    "assigned": EventType((A.handler,), N_("A task was assigned to you: {number} · {service}"), about_request=True),
    "returned": EventType((A.dispatchers,), N_("Returned to the dispatchers: {number} · {service}"),
                          about_request=True),
    "transferred": EventType((A.department_staff,), N_("Transferred to your department: {number} · {service}"),
                             about_request=True),
    "claimed": EventType((A.requester,), N_("Your request is being handled: {number} · {service}"), about_request=True),
    "completed": EventType((A.requester,), N_("Your request was completed, please rate it: {number} · {service}"),
                           about_request=True),
    "rejected": EventType((A.requester,), N_("Your request was rejected: {number} · {service}"), about_request=True),
    "suspended": EventType((A.requester,), N_("Your request is waiting for you: {number} · {service}"),
                           about_request=True),
    "due_soon": EventType((A.handler, A.department_lead), N_("Due soon: {number} · {service}"), email=False,
                          about_request=True),
    "overdue": EventType((A.handler, A.department_lead, A.supervisors), N_("Overdue: {number} · {service}"),
                         about_request=True),
    "urged": EventType((A.handler, A.department_lead), N_("Urged by the supervisors: {number} · {service}"),
                       about_request=True),
    "rated_unsatisfied": EventType((A.department_lead, A.supervisors),
                                   N_("Rated unsatisfied: {number} · {service}"), about_request=True),
    "rework": EventType((A.handler,), N_("The requester asked for rework: {number} · {service}"), about_request=True),
    "request_filed_from_visit": EventType((A.requester,),
                                          N_("A request was filed for your enterprise after a visit: {number} · {service}"),
                                          about_request=True),
    "message_posted": EventType((A.handler_or_staff,), N_("The requester wrote on {number} · {service}"),
                                about_request=True),
    "message_for_requester": EventType((A.requester,), N_("A message on your request {number} · {service}"),
                                       about_request=True),
    "message_internal": EventType((A.department_staff,), N_("A staff note on {number} · {service}"), email=False),
    "booking_requested": EventType((A.booking_deciders,), N_("A room booking waits for your decision: {title}")),
    "booking_confirmed": EventType((A.booker,), N_("Your room booking is confirmed: {title}")),
    "booking_approved": EventType((A.booker,), N_("Your room booking was approved: {title}")),
    "booking_refused": EventType((A.booker,), N_("Your room booking was refused: {title} ({reason})")),
    "booking_cancelled": EventType((A.booker,), N_("Your room booking was cancelled: {title}")),
    "activity.changed": EventType((A.signed_up,), N_("An activity you signed up for has changed: {title}")),
    "activity.cancelled": EventType((A.signed_up,), N_("An activity you signed up for was cancelled: {title}")),
    "activity.signed_up": EventType((A.person,), N_("You have a place: {title}"), email=False),
    "activity.waiting": EventType((A.person,), N_("You are on the waiting list: {title}"), email=False),
    "activity.promoted": EventType((A.person,), N_("A place came free, it is yours: {title}")),
    "activity.reminder": EventType((A.with_place,), N_("Reminder: {title} starts within 24 hours")),
    "activity.room_unavailable": EventType((A.person,), N_("No room could be held for an occurrence of {title}: choose another")),
    "club.join_requested": EventType((A.club_lead,), N_("{name} asks to join {club}")),
    "club.join_decided": EventType((A.person,), N_("Your request to join {club} was decided")),
}

# What each event is called where a person chooses what reaches them.
LABELS: dict[str, str] = {
    "new_task": N_("New task in my department's queue"),
    "assigned": N_("A task assigned to me"),
    "returned": N_("A task returned to the dispatchers"),
    "transferred": N_("A task transferred to my department"),
    "claimed": N_("My request is being handled"),
    "completed": N_("My request was completed"),
    "rejected": N_("My request was rejected"),
    "suspended": N_("My request waits for me"),
    "due_soon": N_("A task is due soon"),
    "overdue": N_("A task is overdue"),
    "urged": N_("A task was urged"),
    "rated_unsatisfied": N_("A task was rated unsatisfied"),
    "rework": N_("Rework was asked for"),
    "request_filed_from_visit": N_("A request filed for my enterprise after a visit"),
    "message_posted": N_("The requester wrote on a task of mine"),
    "message_for_requester": N_("A message on my request"),
    "message_internal": N_("A staff note on a task of my department"),
    "booking_requested": N_("A room booking waits for a decision"),
    "booking_confirmed": N_("My room booking is confirmed"),
    "booking_approved": N_("My room booking was approved"),
    "booking_refused": N_("My room booking was refused"),
    "booking_cancelled": N_("My room booking was cancelled"),
    "activity.changed": N_("An activity I signed up for changed"),
    "activity.cancelled": N_("An activity I signed up for was cancelled"),
    "activity.signed_up": N_("I have a place at an activity"),
    "activity.waiting": N_("I am on an activity's waiting list"),
    "activity.promoted": N_("A place at an activity came free for me"),
    "activity.reminder": N_("An activity I have a place at starts within a day"),
    "activity.room_unavailable": N_("No room could be held for an activity I organise"),
    "club.join_requested": N_("Someone asks to join my club"),
    "club.join_decided": N_("My request to join a club was decided"),
}

EVENT_TYPES: tuple[str, ...] = tuple(EVENTS)
REQUEST_EVENT_TYPES: tuple[str, ...] = tuple(name for name, row in EVENTS.items() if row.about_request)


# Built once, values bound: every request event asks one of these (a submission: its
# department's staff), and a Core statement skips the ORM's execution layer.
_WITH_ROLES = (select(Person.id).join(PersonRole, PersonRole.person_id == Person.id)
               .where(Person.active, PersonRole.role.in_(bindparam("roles", expanding=True))))
_WITH_ROLES_IN_DEPARTMENT = _WITH_ROLES.where(Person.department_id == bindparam("department_id"))


def _people_with_roles(session: Session, roles: tuple[Role, ...], department_id: int | None = None) -> set[int]:
    params: dict = {"roles": [r.value for r in roles]}
    if department_id is None:
        return set(session.connection().scalars(_WITH_ROLES, params))
    params["department_id"] = department_id
    return set(session.connection().scalars(_WITH_ROLES_IN_DEPARTMENT, params))


def _active(session: Session, ids) -> set[int]:
    ids = {i for i in ids if i is not None}
    if not ids:
        return set()
    return set(session.scalars(select(Person.id).where(Person.id.in_(ids), Person.active)))


_STAFF = (Role.staff, Role.lead)


def _department_staff(session, ctx):
    if ctx.get("department_id") is None:
        return set()
    return _people_with_roles(session, _STAFF, ctx["department_id"])


# A department's staff with their choices for one event type, in one statement: a new task
# (every submission to an open queue) notifies them, and this runs under SQLite's write lock.
_STAFF_WITH_CHOICES = (
    _WITH_ROLES_IN_DEPARTMENT
    .outerjoin(NotificationPreference, and_(NotificationPreference.person_id == Person.id,
                                            NotificationPreference.event_type == bindparam("event_type")))
    .add_columns(NotificationPreference.channel, NotificationPreference.enabled)
)


def recipients_with_choices(session: Session, event_type: str, ctx: dict,
                            choices: Callable[[Session, dict, str], dict[tuple[int, str], bool]]):
    """(:func:`recipients`, their choices): ``choices(session, found, event_type)`` gives the
    (person id, channel) → enabled of those who chose otherwise than the default. An event
    for a department's staff only finds both in one statement (the same people and rows)."""
    if EVENTS[event_type].audiences != (A.department_staff,):
        found = recipients(session, event_type, ctx)
        return found, choices(session, found, event_type)
    if ctx.get("department_id") is None:
        return {}, {}
    rows = session.connection().execute(_STAFF_WITH_CHOICES, {
        "roles": [r.value for r in _STAFF], "department_id": ctx["department_id"], "event_type": event_type})
    ids: set[int] = set()
    chosen: dict[tuple[int, str], bool] = {}
    for person_id, channel, enabled in rows:
        ids.add(person_id)
        if channel is not None:
            chosen[(person_id, channel)] = enabled
    return {person_id: A.department_staff for person_id in sorted(ids)}, chosen


def _department_lead(session, ctx):
    if ctx.get("department_id") is None:
        return set()
    return _people_with_roles(session, (Role.lead,), ctx["department_id"])


def _handler(session, ctx):
    # The request's assignee now, while they still work in the department holding it.
    request = session.get(ServiceRequest, ctx["request_id"]) if ctx.get("request_id") else None
    if request is None or request.assignee_id is None or request.department_id is None:
        return set()
    return _people_with_roles(session, _STAFF, request.department_id) & {request.assignee_id}


def _handler_or_staff(session, ctx):
    return _handler(session, ctx) or _department_staff(session, ctx)


def _requester(session, ctx):
    request = session.get(ServiceRequest, ctx["request_id"]) if ctx.get("request_id") else None
    return _active(session, [request.requester_id]) if request is not None else set()


def _booker(session, ctx):
    booking = session.get(Booking, ctx["booking_id"]) if ctx.get("booking_id") else None
    return _active(session, [booking.booked_by_id]) if booking is not None else set()


def _club_lead(session, ctx):
    club = session.get(Club, ctx["club_id"]) if ctx.get("club_id") else None
    return _active(session, [club.lead_id]) if club is not None and club.active else set()


def _signed_up(session, ctx, statuses=(SignupStatus.signed_up, SignupStatus.waiting)):
    if ctx.get("activity_id") is None:
        return set()
    return set(session.scalars(
        select(Signup.person_id).join(Person, Person.id == Signup.person_id)
        .where(Signup.activity_id == ctx["activity_id"], Signup.status.in_(statuses), Person.active)
    ))


RESOLVERS: dict[str, Callable[[Session, dict], set[int]]] = {
    A.department_staff: _department_staff,
    A.department_lead: _department_lead,
    A.handler: _handler,
    A.handler_or_staff: _handler_or_staff,
    A.dispatchers: lambda session, ctx: _people_with_roles(session, (Role.dispatcher,)),
    A.supervisors: lambda session, ctx: _people_with_roles(session, (Role.supervisor,)),
    A.requester: _requester,
    A.booking_deciders: lambda session, ctx: _people_with_roles(session, (Role.dispatcher, Role.admin)),
    A.booker: _booker,
    A.club_lead: _club_lead,
    A.signed_up: _signed_up,
    A.with_place: lambda session, ctx: _signed_up(session, ctx, (SignupStatus.signed_up,)),
    A.person: lambda session, ctx: _active(session, [ctx.get("person_id")]),
}


def recipients(session: Session, event_type: str, ctx: dict) -> dict[int, str]:
    """Who receives ``event_type`` now: person id → the audience they receive it as (the
    first of the event's audiences they belong to)."""
    found: dict[int, str] = {}
    for audience in EVENTS[event_type].audiences:
        for person_id in sorted(RESOLVERS[audience](session, ctx)):
            found.setdefault(person_id, audience)
    return found


def still_receives(session: Session, person_id: int, audience: str, ctx: dict) -> bool:
    """Checked when an outbox message is sent: does the person still belong to the audience
    they were chosen as?"""
    resolver = RESOLVERS.get(audience)
    return resolver is not None and person_id in resolver(session, ctx)
