"""The programme's writes: create, edit and cancel activities, repeat series, the calendar
feed's token; sign-up, check-in and rating live in :mod:`server.activities.signups` and are
reached from here. Every function flushes, never commits."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import asdict
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy import update as sql_update
from sqlalchemy.orm import Session

from server.activities import repository as repo
from server.activities import rules
from server.activities.rules import ActivityFields
from server.activities.signups import (  # noqa: F401 - the public API of the domain
    cancel_signup,
    check_in_with_code,
    fill_places,
    in_audience,
    rate,
    set_comment_approved,
    sign_up,
    tick,
)
from server.config import get_settings
from server.enums import ActivityStatus
from server.errors import Conflict, Forbidden, InvalidInput, LianxinError, Msg, NotFound
from server.models import Activity, ActivityFeed, ActivitySeries, Department, Person, Room, utcnow
from server.notifications import service as notifications
from server.rooms import service as room_service

# Fields an edit may change (the organiser and the repeat rule stay as created).
_EDITABLE = ("title", "kind", "description", "place", "speaker_name", "speaker_id", "capacity", "audience",
             "starts_at", "ends_at", "signup_opens_at", "signup_closes_at")


def zone() -> ZoneInfo:
    return ZoneInfo(get_settings().timezone)


def get(session: Session, activity_id: int) -> Activity:
    activity = repo.get_activity(session, activity_id)
    if activity is None:
        raise NotFound("There is no such activity.")
    return activity


def club_lead_of(session: Session, activity: Activity) -> int | None:
    if activity.organiser_club_id is None:
        return None
    club = repo.club(session, activity.organiser_club_id)
    return club.lead_id if club else None


def may_manage(session: Session, person: Person, activity: Activity) -> bool:
    return rules.may_organise(person, department_id=activity.organiser_department_id,
                              club_lead_id=club_lead_of(session, activity))


def require_manage(session: Session, person: Person, activity: Activity) -> None:
    if not may_manage(session, person, activity):
        raise Forbidden("Only the activity's organiser may do this.")


def may_create(session: Session, person: Person) -> bool:
    return rules.may_create_any(person, leads_a_club=bool(repo.led_clubs(session, person.id)))


def _check_references(session: Session, person: Person, data: ActivityFields) -> None:
    errors: dict[str, str] = {}
    club_lead_id = None
    if data.organiser_club_id is not None:
        club = repo.club(session, data.organiser_club_id)
        if club is None or not club.active:
            errors["organiser"] = "There is no such club."
        else:
            club_lead_id = club.lead_id
    elif data.organiser_department_id is not None and session.get(Department, data.organiser_department_id) is None:
        errors["organiser"] = "There is no such department."
    if data.speaker_id is not None and session.get(Person, data.speaker_id) is None:
        errors["speaker_id"] = "There is no such person."
    if errors:
        raise InvalidInput("Please correct the marked fields.", errors)
    if not rules.may_organise(person, department_id=data.organiser_department_id, club_lead_id=club_lead_id):
        raise Forbidden("You may organise activities only for your own department or club.")


def create(session: Session, person: Person, data: ActivityFields, *, now: datetime | None = None) -> Activity:
    """A new activity; with a repeat rule, also its series and the occurrences up to the
    horizon (:data:`rules.SERIES_HORIZON`)."""
    now = now or utcnow()
    rules.check_fields(data, zone(), creating=True)
    _check_references(session, person, data)
    values = {k: v for k, v in asdict(data).items() if k not in ("repeat_rule", "room_id")}
    activity = Activity(**values, checkin_code=rules.new_checkin_code(), created_by_id=person.id, created_at=now)
    if data.repeat_rule:
        series = ActivitySeries(rrule=data.repeat_rule.strip().upper().removeprefix("RRULE:"),
                                first_starts_at=data.starts_at, created_at=now)
        session.add(series)
        session.flush()
        activity.series_id = series.id
    session.add(activity)
    session.flush()
    if data.room_id is not None:
        hold_room(session, person, activity, data.room_id, now=now)
    if activity.series_id is not None:
        extend_series(session, activity.series_id, now=now)
    return activity


def update(session: Session, person: Person, activity_id: int, data: ActivityFields, *,
           now: datetime | None = None) -> Activity:
    """Edit one activity (one occurrence of a series). More places move the queue up; fewer
    than are already taken is refused."""
    now = now or utcnow()
    activity = repo.get_activity(session, activity_id, lock=True)
    if activity is None:
        raise NotFound("There is no such activity.")
    require_manage(session, person, activity)
    if activity.status == ActivityStatus.cancelled:
        raise Conflict("This activity has been cancelled.")
    # The organiser is not edited: check the rest against the activity's own.
    data.organiser_department_id = activity.organiser_department_id
    data.organiser_club_id = activity.organiser_club_id
    rules.check_fields(data, zone(), creating=False)
    if data.speaker_id is not None and session.get(Person, data.speaker_id) is None:
        raise InvalidInput("Please correct the marked fields.", {"speaker_id": "There is no such person."})
    taken = repo.signed_up_count(session, activity.id)
    if data.capacity is not None and data.capacity < taken:
        raise InvalidInput("Please correct the marked fields.",
                           {"capacity": Msg("{taken} people have places already: places cannot be fewer.", taken=taken)})
    held = room_service.activity_booking(session, activity.id)
    moved = (data.starts_at, data.ends_at, data.room_id) != (
        activity.starts_at, activity.ends_at, held.room_id if held else None)
    if data.starts_at != activity.starts_at:
        activity.reminded_at = None  # a new day: the day-before reminder goes again for it
    for name in _EDITABLE:
        setattr(activity, name, getattr(data, name))
    activity.updated_at = now
    session.flush()
    if moved:
        # Free the old slot first, in this transaction: a move within the same room may then
        # overlap its own old booking. A refused new booking rolls the whole edit back.
        room_service.release_for_activity(session, activity.id, by=person, now=now)
        if data.room_id is not None:
            hold_room(session, person, activity, data.room_id, now=now)
    elif held is not None:
        room = session.get(Room, held.room_id)
        people = activity.capacity or room.capacity
        if people > room.capacity:
            raise InvalidInput("Please correct the marked fields.", {
                "capacity": Msg("The room holds at most {capacity} people.", capacity=room.capacity)})
        held.title, held.expected_people = activity.title, people
    fill_places(session, activity, now=now)
    notifications.emit(session, "activity.changed", ctx={"activity_id": activity.id}, actor_id=person.id,
                       params={"title": activity.title}, link=f"/activities/{activity.id}", now=now)
    return activity


def cancel(session: Session, person: Person, activity_id: int, *, now: datetime | None = None) -> Activity:
    now = now or utcnow()
    activity = repo.get_activity(session, activity_id, lock=True)
    if activity is None:
        raise NotFound("There is no such activity.")
    require_manage(session, person, activity)
    if activity.status == ActivityStatus.cancelled:
        raise Conflict("This activity has been cancelled.")
    if now >= activity.ends_at:
        raise Conflict("The activity is over: it can no longer be cancelled.")
    activity.status, activity.cancelled_at = ActivityStatus.cancelled, now
    session.flush()
    room_service.release_for_activity(session, activity.id, by=person, now=now)
    notifications.emit(session, "activity.cancelled", ctx={"activity_id": activity.id}, actor_id=person.id,
                       params={"title": activity.title}, link=f"/activities/{activity.id}", now=now)
    return activity


# --- the room ------------------------------------------------------------------------------------
# What the booking rules call a field, and the activity's field it comes from.
_BOOKING_FIELDS = {"expected_people": "capacity", "starts_at": "starts_at", "ends_at": "ends_at", "title": "title"}


def hold_room(session: Session, person: Person, activity: Activity, room_id: int, *, now: datetime):
    """Book ``room_id`` for the activity's time through the rooms' own rules
    (:func:`server.rooms.service.book`), so an activity and a booking never collide: the
    database refuses the overlap either way. Raises BookingConflict (409, naming the booking
    in the way) or InvalidInput with the booking rules' messages on the activity's fields
    (the room's opening hours on the times, its size on the places)."""
    room = session.get(Room, room_id)
    if room is None or not room.active:
        raise InvalidInput("Please correct the marked fields.", {"room_id": "There is no such room."})
    try:
        return room_service.book(
            session, room_id=room.id, starts_at=activity.starts_at, ends_at=activity.ends_at, title=activity.title,
            purpose=activity.description[:room_service.PURPOSE_MAX], expected_people=activity.capacity or room.capacity,
            contact_name="", contact_phone="", booked_by=person, activity_id=activity.id, now=now,
        )
    except InvalidInput as exc:
        errors = {_BOOKING_FIELDS.get(name, "room_id"): message for name, message in exc.errors.items()}
        raise InvalidInput("Please correct the marked fields.", errors) from None


# --- repeats -----------------------------------------------------------------------------------------
def extend_series(session: Session, series_id: int, *, now: datetime | None = None) -> list[Activity]:
    """Create the series' occurrences after its latest one, up to the horizon from ``now``:
    copies of the latest (same length, organiser, places, audience, sign-up window relative to
    the start). Idempotent — a second run finds nothing new; and the unique (series, start)
    key plus the series row's lock keep two concurrent runs from doubling one."""
    now = now or utcnow()
    series = session.scalar(
        select(ActivitySeries).where(ActivitySeries.id == series_id).with_for_update()
        .execution_options(populate_existing=True)
    )
    if series is None:
        raise NotFound("There is no such series.")
    latest = repo.latest_in_series(session, series_id)
    if latest is None:
        return []
    rule = rules.parse_rrule(series.rrule, series.first_starts_at, zone())
    starts = rules.next_starts(rule, latest.starts_at, now + rules.SERIES_HORIZON)
    length = latest.ends_at - latest.starts_at
    opens = latest.starts_at - latest.signup_opens_at if latest.signup_opens_at else None
    closes = latest.starts_at - latest.signup_closes_at if latest.signup_closes_at else None
    # The room the series holds (its latest occurrence that has one), booked by the same person.
    room = repo.series_room(session, series_id)
    booker = session.get(Person, room[1] or latest.created_by_id) if room is not None else None
    created = []
    for start in starts:
        activity = Activity(
            title=latest.title, description=latest.description, kind=latest.kind,
            organiser_department_id=latest.organiser_department_id, organiser_club_id=latest.organiser_club_id,
            speaker_id=latest.speaker_id, speaker_name=latest.speaker_name, place=latest.place,
            capacity=latest.capacity, audience=latest.audience, starts_at=start, ends_at=start + length,
            signup_opens_at=start - opens if opens is not None else None,
            signup_closes_at=start - closes if closes is not None else None,
            series_id=series_id, checkin_code=rules.new_checkin_code(), created_by_id=latest.created_by_id,
            created_at=now,
        )
        session.add(activity)
        created.append(activity)
    session.flush()
    for activity in created:
        if booker is None:
            break
        # The room is taken, or closed that day (a public holiday): the occurrence stands,
        # without a room; its organiser's page says so, and editing it chooses another.
        try:
            hold_room(session, booker, activity, room[0], now=now)
        except LianxinError:
            if activity.created_by_id is not None:
                notifications.emit(session, "activity.room_unavailable", ctx={"person_id": activity.created_by_id},
                                   params={"title": activity.title}, link=f"/activities/{activity.id}", now=now)
    return created


def extend_all_series(session: Session, *, now: datetime | None = None) -> int:
    """Every series up to the horizon (the sweeper's and the CLI's job); returns how many
    occurrences were added."""
    return sum(len(extend_series(session, sid, now=now)) for sid in repo.series_ids(session))


# --- the calendar feed ------------------------------------------------------------------------------
def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def new_feed_token(session: Session, person: Person) -> str:
    """A new private calendar address for ``person`` (the old one stops working). The
    secret is returned once; only its digest is kept."""
    secret = secrets.token_urlsafe(24)
    feed = session.get(ActivityFeed, person.id)
    if feed is None:
        session.add(ActivityFeed(person_id=person.id, token_hash=_digest(secret)))
    else:
        feed.token_hash, feed.created_at = _digest(secret), utcnow()
    session.flush()
    return secret


def has_feed(session: Session, person: Person) -> bool:
    return session.get(ActivityFeed, person.id) is not None


def feed_owner(session: Session, secret: str) -> Person | None:
    if not secret or len(secret) > 100:
        return None
    person = session.scalar(
        select(Person).join(ActivityFeed, ActivityFeed.person_id == Person.id)
        .where(ActivityFeed.token_hash == _digest(secret))
    )
    return person if person is not None and person.active else None


REMIND_BEFORE = timedelta(days=1)


def send_reminders(session: Session, *, now: datetime) -> int:
    """The day-before reminder: each scheduled activity starting within a day that has not had
    one is marked and its people with a place are told, once. The mark and the messages are in
    one transaction, and the conditional update claims each activity for one sweep only."""
    claimed = session.execute(
        sql_update(Activity)
        .where(Activity.status == ActivityStatus.scheduled, Activity.reminded_at.is_(None),
               Activity.starts_at > now, Activity.starts_at <= now + REMIND_BEFORE)
        .values(reminded_at=now)
        .returning(Activity.id, Activity.title)
        .execution_options(synchronize_session=False)
    ).all()
    for activity_id, title in claimed:
        notifications.emit(session, "activity.reminder", ctx={"activity_id": activity_id},
                           params={"title": title}, link=f"/activities/{activity_id}", now=now)
    return len(claimed)
