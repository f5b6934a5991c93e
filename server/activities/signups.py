"""Sign-up, the waiting list, check-in and rating: the writes people make on one activity.
Reached through :mod:`server.activities.service`.

Why sign-ups cannot overbook or jump the queue, on either database (correct by
construction, not by a check before an insert):

- Every write that changes who holds a place — sign up, cancel, a change of capacity —
  first takes the activity row's lock (``SELECT … FOR UPDATE`` on PostgreSQL; on SQLite the
  whole write transaction is already exclusive: ``BEGIN IMMEDIATE`` plus the process's writer
  lock in ``server.db``). So these transactions run one after another per activity.
- Inside that turn the transaction counts the places taken (a fresh statement under
  PostgreSQL's READ COMMITTED sees everything the previous holder committed), takes the next
  arrival number from ``activity.arrivals`` (a counter on the locked row: gapless, in the order
  the lock was granted, i.e. arrival order), and decides signed up or waiting from the count.
  Nobody else can change the count or the counter until it commits.
- The unique (activity, person) key makes a double submission by one person one row.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from server.activities import repository as repo
from server.activities import rules
from server.db import dialect_insert
from server.enums import ActivityAudience, CheckInMethod, SignupStatus
from server.errors import Conflict, Forbidden, InvalidInput, NotFound
from server.models import Activity, ActivityRating, Attendance, Person, Signup, utcnow
from server.notifications import service as notifications


def _locked(session: Session, activity_id: int) -> Activity:
    activity = repo.get_activity(session, activity_id, lock=True)
    if activity is None:
        raise NotFound("There is no such activity.")
    return activity


def in_audience(session: Session, activity: Activity, person: Person) -> str | None:
    """Why the person is not in the activity's audience, or None (one query for club audiences)."""
    in_club = (
        activity.audience == ActivityAudience.club_members and activity.organiser_club_id is not None
        and repo.is_club_member(session, activity.organiser_club_id, person.id)
    )
    return rules.audience_refusal(activity, person, in_club=in_club)


def sign_up(session: Session, person: Person, activity_id: int, *, now: datetime | None = None) -> Signup:
    """A place if one is free, else the end of the waiting list."""
    activity = _locked(session, activity_id)
    # The clock is read once the lock is held, so sign-up times follow positions.
    now = now or utcnow()
    refusal = rules.signup_refusal(activity, now)
    if refusal:
        raise Conflict(refusal)
    refusal = in_audience(session, activity, person)
    if refusal:
        raise Forbidden(refusal)
    signup = repo.signup_of(session, activity.id, person.id)
    if signup is not None and signup.status != SignupStatus.cancelled:
        raise Conflict("You have already signed up for this activity.")
    taken = repo.signed_up_count(session, activity.id)
    full = activity.capacity is not None and taken >= activity.capacity
    # A newcomer never takes a place ahead of the queue: the queue is empty whenever a place
    # is free (cancellations and more places fill from it at once).
    status = SignupStatus.waiting if full else SignupStatus.signed_up
    activity.arrivals += 1
    if signup is None:
        signup = Signup(activity_id=activity.id, person_id=person.id, status=status, position=activity.arrivals,
                        created_at=now)
        session.add(signup)
    else:
        # Back after cancelling: to the end, as a newcomer.
        signup.status, signup.position, signup.created_at = status, activity.arrivals, now
        signup.promoted_at = signup.cancelled_at = None
    session.flush()
    # A confirmation: told even though they signed up themselves.
    _notify(session, activity, "activity.waiting" if status == SignupStatus.waiting else "activity.signed_up",
            person.id, now)
    return signup


def cancel_signup(session: Session, person: Person, activity_id: int, *, now: datetime | None = None) -> list[Signup]:
    """Give up one's place (or place in the queue); returns those moved up into it."""
    now = now or utcnow()
    activity = _locked(session, activity_id)
    signup = repo.signup_of(session, activity.id, person.id)
    if signup is None or signup.status == SignupStatus.cancelled:
        raise Conflict("You have not signed up for this activity.")
    refusal = rules.cancel_refusal(activity, now)
    if refusal:
        raise Conflict(refusal)
    signup.status, signup.cancelled_at = SignupStatus.cancelled, now
    session.flush()
    return fill_places(session, activity, now=now)


def fill_places(session: Session, activity: Activity, *, now: datetime) -> list[Signup]:
    """Move the first of the waiting list up into free places, in arrival order. The caller
    holds the activity's lock (see the module docstring)."""
    free = None
    if activity.capacity is not None:
        free = activity.capacity - repo.signed_up_count(session, activity.id)
        if free <= 0:
            return []
    promoted = repo.first_waiting(session, activity.id, free)
    for signup in promoted:
        signup.status, signup.promoted_at = SignupStatus.signed_up, now
        _notify(session, activity, "activity.promoted", signup.person_id, now)
    session.flush()
    return promoted


# --- attendance ----------------------------------------------------------------------------------
def _record_attendance(session: Session, activity: Activity, person_id: int, method: CheckInMethod,
                       by: Person, now: datetime) -> bool:
    """Insert the attendance unless there is one: True when this call recorded it. An upsert
    that does nothing on conflict, so two check-ins at once still leave one row."""
    insert = dialect_insert(session.get_bind().dialect.name)
    result = session.execute(
        insert(Attendance)
        .values(activity_id=activity.id, person_id=person_id, checked_in_at=now, method=method, recorded_by_id=by.id)
        .on_conflict_do_nothing(index_elements=["activity_id", "person_id"])
        .returning(Attendance.id)
    )
    return result.scalar() is not None


def check_in_with_code(session: Session, person: Person, activity_id: int, code: str, *,
                       now: datetime | None = None) -> bool:
    """The attendee types the code shown in the room. False if already checked in."""
    now = now or utcnow()
    activity = repo.get_activity(session, activity_id)
    if activity is None:
        raise NotFound("There is no such activity.")
    if not rules.checkin_open(activity, now):
        raise Conflict("Check-in is open only during the activity.")
    if not rules.code_matches(activity, code):
        raise InvalidInput("Please correct the marked fields.", {"code": "That is not the code shown in the room."})
    signup = repo.signup_of(session, activity.id, person.id)
    if signup is None or signup.status != SignupStatus.signed_up:
        # Walk-ins are welcome when they belong to the audience.
        refusal = in_audience(session, activity, person)
        if refusal:
            raise Forbidden(refusal)
    return _record_attendance(session, activity, person.id, CheckInMethod.code, person, now)


def tick(session: Session, organiser: Person, activity: Activity, person_id: int, *, now: datetime | None = None) -> bool:
    """The organiser ticks a name on the sign-up list (the caller checked they manage it)."""
    now = now or utcnow()
    if not rules.tick_open(activity, now):
        raise Conflict("Attendance can be ticked from shortly before the start.")
    signup = repo.signup_of(session, activity.id, person_id)
    if signup is None or signup.status == SignupStatus.cancelled:
        raise InvalidInput("Please correct the marked fields.", {"person": "This person has not signed up."})
    return _record_attendance(session, activity, person_id, CheckInMethod.ticked, organiser, now)


# --- ratings ---------------------------------------------------------------------------------------
def _score(value: int | None, field: str, errors: dict[str, str]) -> int | None:
    if value is None or isinstance(value, bool) or not 1 <= value <= 5:
        errors[field] = "Choose from 1 to 5."
        return None
    return value


def rate(session: Session, person: Person, activity_id: int, *, content: int | None, speaker: int | None,
         comment: str, now: datetime | None = None) -> ActivityRating:
    now = now or utcnow()
    activity = repo.get_activity(session, activity_id)
    if activity is None:
        raise NotFound("There is no such activity.")
    attended = repo.attendance_of_person(session, activity.id, person.id) is not None
    refusal = rules.rating_refusal(activity, now, attended=attended)
    if refusal:
        # Not having attended is who one is (403); too early or cancelled is the state (409).
        raise Forbidden(refusal) if refusal == rules.NOT_ATTENDED else Conflict(refusal)
    errors: dict[str, str] = {}
    content = _score(content, "content", errors)
    speaker = _score(speaker, "speaker", errors) if rules.has_speaker(activity) else None
    comment = (comment or "").strip()
    if len(comment) > rules.COMMENT_LIMIT:
        errors["comment"] = "The comment is too long."
    if errors:
        raise InvalidInput("Please correct the marked fields.", errors)
    if repo.rating_of(session, activity.id, person.id) is not None:
        raise Conflict("You have already rated this activity.")
    rating = ActivityRating(activity_id=activity.id, person_id=person.id, content=content, speaker=speaker,
                            comment=comment, created_at=now)
    session.add(rating)
    session.flush()
    return rating


def set_comment_approved(session: Session, activity: Activity, rating_id: int, approved: bool) -> ActivityRating:
    """The organiser shows (or hides) a comment on the wall (the caller checked they manage it)."""
    rating = session.get(ActivityRating, rating_id)
    if rating is None or rating.activity_id != activity.id:
        raise NotFound("There is no such rating.")
    rating.approved = approved
    session.flush()
    return rating


def _notify(session: Session, activity: Activity, event_type: str, person_id: int, now: datetime) -> None:
    notifications.emit(session, event_type, ctx={"person_id": person_id}, params={"title": activity.title},
                       link=f"/activities/{activity.id}", now=now)
