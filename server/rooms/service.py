"""Every write to rooms and bookings: the admin's rooms, and booking, approving, refusing and
cancelling. Services flush, never commit; the door's unit of work commits.

No double booking — how, and why it is correct on both databases:
- The database itself refuses a second live booking that overlaps one of the same room
  (migration ``…_rooms``): on PostgreSQL an exclusion constraint over the time range, on
  SQLite triggers. :func:`book` inserts inside a savepoint and turns that refusal into
  :class:`BookingConflict`; no check-then-insert decides anything.
- PostgreSQL: a second transaction inserting an overlapping row waits on the first one's
  uncommitted row and fails once it commits (or succeeds if it rolled back). After the
  savepoint is rolled back, the READ COMMITTED query that finds the conflict sees the winner.
- SQLite: one write transaction at a time for the whole file (server/db.py begins writes with
  BEGIN IMMEDIATE, and a process lock queues this process's writers), and the trigger's check
  runs inside the INSERT itself: nothing can commit between the check and the row. A read
  transaction that tried to write would fail to upgrade under WAL rather than interleave.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from server.audit import service as audit
from server.checks import clean_names, raise_if_invalid
from server.config import get_settings
from server.enums import LIVE_BOOKING_STATUSES, BookingStatus
from server.errors import Conflict, Forbidden, InvalidInput, Msg, NotFound
from server.i18n_text import N_
from server.models import Booking, Building, Person, Room, utcnow
from server.notifications import service as notifications
from server.requests.service import PHONE_RE
from server.rooms import policy, rules
from server.rooms import repository as repo
from server.worktime import WorkCalendar, calendar_for

ENTITY = "room"
OVERLAP_GUARD = "booking_overlap"  # the constraint's / triggers' name (migration …_rooms)
TITLE_MAX, PURPOSE_MAX, NAME_MAX, PHONE_MAX, REASON_MAX = 200, 1000, 100, 30, 500

STATUS_LABELS = {
    BookingStatus.requested: N_("Waiting for approval"),
    BookingStatus.approved: N_("Booked"),
    BookingStatus.refused: N_("Refused"),
    BookingStatus.cancelled: N_("Cancelled"),
}


def calendar() -> WorkCalendar:
    """The installation's zone and working calendar (holidays, make-up days)."""
    settings = get_settings()
    return calendar_for(settings.timezone, settings.workday_periods, str(settings.calendar_file))


def local_zone() -> ZoneInfo:
    return calendar().tz


class BookingConflict(Conflict):
    """The room is taken for (part of) this time. Carries the booking in the way: its id, its
    times and — where the person booking may see it (their own, an activity's, or the centre
    asking) — its title; the message names them."""

    type_slug = "booking-conflict"
    title = "Room already booked"

    def __init__(self, conflicting: Booking, *, show_title: bool):
        tz = local_zone()
        start, end = conflicting.starts_at.astimezone(tz), conflicting.ends_at.astimezone(tz)
        params = {"start": f"{start:%Y-%m-%d %H:%M}", "end": f"{end:%H:%M}"}
        if show_title:
            params["title"] = conflicting.title
            message = N_("The room is already booked from {start} to {end} for “{title}”.")
        else:
            message = N_("The room is already booked from {start} to {end}.")
        super().__init__(message, params, conflict={
            "booking_id": conflicting.id, "starts_at": conflicting.starts_at.isoformat(),
            "ends_at": conflicting.ends_at.isoformat(), "title": conflicting.title if show_title else None,
        })
        self.conflicting_id = conflicting.id
        self.conflicting_starts_at = conflicting.starts_at
        self.conflicting_ends_at = conflicting.ends_at
        self.conflicting_title = conflicting.title


# --- rooms (admin) ---------------------------------------------------------------------------
@dataclass
class RoomInput:
    name: dict[str, str]
    building_id: int | None
    floor: str = ""
    capacity: int | None = None
    equipment: list[str] = field(default_factory=list)
    # {weekday: "09:00-12:00,13:30-18:00"}, as the admin form has it
    hours: dict[str, str] = field(default_factory=dict)
    keeps_office_hours: bool = True
    needs_approval: bool = False
    active: bool = True
    position: int = 0


def parse_equipment(text: str) -> list[str]:
    """"投影仪, 音响、白板" (commas, Chinese commas or enumeration commas) → a list."""
    return [e.strip() for e in text.replace("，", ",").replace("、", ",").split(",") if e.strip()]


def get_room(session: Session, room_id: int) -> Room:
    room = session.get(Room, room_id)
    if room is None:
        raise NotFound(N_("There is no such room."))
    return room


def _validate_room(session: Session, data: RoomInput) -> dict:
    errors: dict[str, object] = {}
    names = clean_names(data.name, errors)
    building = session.get(Building, data.building_id) if data.building_id is not None else None
    floor = data.floor.strip()
    if building is None:
        errors["building_id"] = N_("Choose a building.")
    elif floor and floor not in building.floors:
        errors["floor"] = N_("This building has no such floor.")
    if data.capacity is None or not 1 <= data.capacity <= rules.MAX_CAPACITY:
        errors["capacity"] = Msg(N_("A whole number from 1 to {limit}."), limit=rules.MAX_CAPACITY)
    equipment = [e.strip() for e in data.equipment if e.strip()]
    if len(equipment) > rules.MAX_EQUIPMENT or any(len(e) > rules.EQUIPMENT_MAX_CHARS for e in equipment):
        errors["equipment"] = Msg(N_("At most {count} items of at most {limit} characters each."),
                                  count=rules.MAX_EQUIPMENT, limit=rules.EQUIPMENT_MAX_CHARS)
    opening_hours = rules.check_opening_hours(errors, data.hours)
    raise_if_invalid(errors)
    return {"name": names, "building_id": building.id, "floor": floor, "capacity": data.capacity,
            "equipment": equipment, "opening_hours": opening_hours, "keeps_office_hours": data.keeps_office_hours,
            "needs_approval": data.needs_approval, "active": data.active, "position": data.position}


def _label(room: Room) -> str:
    return room.name.get("zh-Hans") or next(iter(room.name.values()), str(room.id))


def create_room(session: Session, actor: Person | None, data: RoomInput) -> Room:
    room = Room(**_validate_room(session, data))
    session.add(room)
    session.flush()
    audit.record(session, actor, entity=ENTITY, action="create", entity_id=room.id, label=_label(room),
                 after=audit.snapshot(room))
    return room


def update_room(session: Session, actor: Person | None, room: Room, data: RoomInput) -> Room:
    return audit.change(session, actor, room, _validate_room(session, data), entity=ENTITY, label=_label(room))


def set_room_active(session: Session, actor: Person | None, room: Room, active: bool) -> Room:
    """A retired room takes no new bookings; its existing ones stay (cancel them one by one)."""
    if room.active == active:
        return room
    return audit.change(session, actor, room, {"active": active}, entity=ENTITY, label=_label(room),
                        action="activate" if active else "deactivate")


# --- bookings --------------------------------------------------------------------------------
def get_booking(session: Session, booking_id: int) -> Booking:
    booking = session.get(Booking, booking_id)
    if booking is None:
        raise NotFound(N_("There is no such booking."))
    return booking


def _check_texts(errors: dict, *, title: str, purpose: str, contact_name: str, contact_phone: str) -> None:
    if not title:
        errors["title"] = N_("Please give the booking a title.")
    elif len(title) > TITLE_MAX:
        errors["title"] = Msg("At most {limit} characters.", limit=TITLE_MAX)
    if len(purpose) > PURPOSE_MAX:
        errors["purpose"] = Msg("At most {limit} characters.", limit=PURPOSE_MAX)
    if not contact_name:
        errors["contact_name"] = N_("Please give a contact name.")
    elif len(contact_name) > NAME_MAX:
        errors["contact_name"] = Msg("At most {limit} characters.", limit=NAME_MAX)
    if not contact_phone:
        errors["contact_phone"] = N_("Please give a phone number to reach you.")
    elif len(contact_phone) > PHONE_MAX or not PHONE_RE.match(contact_phone):
        errors["contact_phone"] = N_("This does not look like a phone number.")


def book(session: Session, *, room_id: int, starts_at: datetime, ends_at: datetime, title: str, purpose: str,
         expected_people: int | None, contact_name: str, contact_phone: str, booked_by: Person,
         activity_id: int | None = None, now: datetime | None = None) -> Booking:
    """Book [starts_at, ends_at) of a room (aware datetimes). Approved at once when the room
    needs no approval or the centre books; else waiting for the centre's decision.

    Raises InvalidInput (a message per field: the time, the people, the texts), Forbidden,
    NotFound (no such room) or BookingConflict (the time overlaps a live booking)."""
    now = now or utcnow()
    if not policy.may_book(booked_by):
        raise Forbidden(N_("You may not book rooms."))
    room = get_room(session, room_id)
    title, purpose = (title or "").strip(), (purpose or "").strip()
    contact_name = (contact_name or booked_by.display_name or "").strip()
    contact_phone = (contact_phone or booked_by.phone or "").strip()
    errors: dict[str, object] = {}
    _check_texts(errors, title=title, purpose=purpose, contact_name=contact_name, contact_phone=contact_phone)
    try:
        rules.check_booking(room, starts_at=starts_at, ends_at=ends_at, expected_people=expected_people, now=now,
                            calendar=calendar())
    except InvalidInput as exc:
        errors = {**exc.errors, **errors}
    raise_if_invalid(errors)
    approved = not room.needs_approval or policy.may_decide(booked_by)
    booking = Booking(
        room_id=room.id, starts_at=starts_at, ends_at=ends_at, title=title, purpose=purpose,
        expected_people=expected_people, contact_name=contact_name, contact_phone=contact_phone,
        booked_by_id=booked_by.id, enterprise_id=booked_by.enterprise_id, activity_id=activity_id,
        status=BookingStatus.approved if approved else BookingStatus.requested, created_at=now,
        decided_by_id=booked_by.id if approved and room.needs_approval else None,
        decided_at=now if approved and room.needs_approval else None,
    )
    try:
        with session.begin_nested():
            session.add(booking)
            session.flush()
    except IntegrityError as exc:
        if OVERLAP_GUARD not in str(exc.orig):
            raise
        _raise_conflict(session, booked_by, room.id, starts_at, ends_at)
    if booking.status == BookingStatus.requested:
        _notify(session, booking, "booking_requested", actor_id=booked_by.id)
    else:
        # A confirmation: the booker is told even though they booked it themselves.
        _notify(session, booking, "booking_confirmed", actor_id=None)
    return booking


def _notify(session: Session, booking: Booking, event_type: str, *, actor_id: int | None) -> None:
    notifications.emit(session, event_type, ctx={"booking_id": booking.id}, actor_id=actor_id,
                       params={"title": booking.title, "reason": booking.decision_reason},
                       link=f"/bookings/{booking.id}")


def _raise_conflict(session: Session, person: Person, room_id: int, starts_at: datetime, ends_at: datetime,
                    exclude_id: int | None = None):
    conflicting = repo.first_overlap(session, room_id, starts_at, ends_at, exclude_id=exclude_id)
    if conflicting is None:  # the other booking was cancelled in the meantime: say so plainly
        raise Conflict(N_("The room was just booked by someone else for this time; please look again."))
    show = conflicting.activity_id is not None or policy.may_see_details(person, conflicting)
    raise BookingConflict(conflicting, show_title=show)


def _load(session: Session, booking_id: int, version: int | None) -> Booking:
    booking = get_booking(session, booking_id)
    if version is not None and booking.version != version:
        raise Conflict(N_("Someone else changed this booking in the meantime; look at it again."))
    return booking


def _save(session: Session) -> None:
    try:
        session.flush()
    except StaleDataError:
        raise Conflict(N_("Someone else changed this booking in the meantime; look at it again.")) from None


_ALREADY = {
    BookingStatus.requested: N_("This booking is still waiting for a decision."),
    BookingStatus.approved: N_("This booking is approved already."),
    BookingStatus.refused: N_("This booking was refused already."),
    BookingStatus.cancelled: N_("This booking was cancelled already."),
}


def _refuse_state(booking: Booking, allowed: frozenset[BookingStatus] | set[BookingStatus]) -> None:
    if booking.status not in allowed:
        raise Conflict(_ALREADY[BookingStatus(booking.status)], booking_status=str(booking.status))


def approve(session: Session, booking_id: int, *, by: Person, version: int | None = None,
            now: datetime | None = None) -> Booking:
    """The centre approves a booking waiting for it."""
    if not policy.may_decide(by):
        raise Forbidden(N_("Only the service centre decides on bookings."))
    booking = _load(session, booking_id, version)
    _refuse_state(booking, {BookingStatus.requested})
    booking.status, booking.decided_by_id, booking.decided_at = BookingStatus.approved, by.id, now or utcnow()
    _save(session)
    _notify(session, booking, "booking_approved", actor_id=by.id)
    return booking


def refuse(session: Session, booking_id: int, *, by: Person, reason: str, version: int | None = None,
           now: datetime | None = None) -> Booking:
    """The centre refuses a booking waiting for it, with a reason the booker reads; the slot
    is free again."""
    if not policy.may_decide(by):
        raise Forbidden(N_("Only the service centre decides on bookings."))
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(N_("Please correct the marked fields."), {"reason": N_("Please give a reason.")})
    if len(reason) > REASON_MAX:
        raise InvalidInput(N_("Please correct the marked fields."),
                           {"reason": Msg("At most {limit} characters.", limit=REASON_MAX)})
    booking = _load(session, booking_id, version)
    _refuse_state(booking, {BookingStatus.requested})
    booking.status, booking.decided_by_id, booking.decided_at = BookingStatus.refused, by.id, now or utcnow()
    booking.decision_reason = reason
    _save(session)
    _notify(session, booking, "booking_refused", actor_id=by.id)
    return booking


def activity_booking(session: Session, activity_id: int) -> Booking | None:
    """The live booking holding a room for the activity, if any."""
    found = repo.activity_bookings(session, [activity_id]).get(activity_id)
    return found[0] if found else None


def release_for_activity(session: Session, activity_id: int, *, by: Person, now: datetime | None = None) -> Booking | None:
    """Free the room an activity holds (the activity is cancelled, moved or leaves its room).
    The activities' service has checked that ``by`` manages the activity, which is what lets
    them cancel its booking even if someone else made it."""
    now = now or utcnow()
    booking = activity_booking(session, activity_id)
    if booking is None:
        return None
    booking.status, booking.cancelled_by_id, booking.cancelled_at = BookingStatus.cancelled, by.id, now
    _save(session)
    return booking


def cancel(session: Session, booking_id: int, *, by: Person, reason: str = "", version: int | None = None,
           now: datetime | None = None) -> Booking:
    """The booker or the centre cancels a live booking that has not ended; the slot is free
    again. (An activity cancels its booking the same way.)"""
    now = now or utcnow()
    booking = _load(session, booking_id, version)
    if not policy.may_cancel(by, booking):
        raise Forbidden(N_("Only the person who booked or the service centre may cancel this booking."))
    _refuse_state(booking, LIVE_BOOKING_STATUSES)
    if booking.ends_at <= now:
        raise Conflict(N_("This booking is over: it cannot be cancelled."))
    reason = (reason or "").strip()
    if len(reason) > REASON_MAX:
        raise InvalidInput(N_("Please correct the marked fields."),
                           {"reason": Msg("At most {limit} characters.", limit=REASON_MAX)})
    booking.status, booking.cancelled_by_id, booking.cancelled_at = BookingStatus.cancelled, by.id, now
    if reason:
        booking.decision_reason = reason
    _save(session)
    _notify(session, booking, "booking_cancelled", actor_id=by.id)  # the booker cancelling is not told
    return booking
