"""Every SELECT of the programme: the programme list with places left, one person's
activities, an activity's sign-up list and comment wall, ratings by speaker, and the facts the
pioneer index counts (attendance, lectures given)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from server.enums import (
    LIVE_BOOKING_STATUSES,
    ActivityKind,
    ActivityStatus,
    ClubMemberStatus,
    SignupStatus,
)
from server.models import (
    Activity,
    ActivityRating,
    Attendance,
    Booking,
    Club,
    ClubMember,
    Department,
    Person,
    Signup,
)

# The kinds that count as lectures given (the pioneer index's "learning" part).
LECTURE_KINDS = (ActivityKind.micro_lecture, ActivityKind.micro_forum, ActivityKind.micro_film)
PROGRAMME_LIMIT = 200


@dataclass(frozen=True)
class Counts:
    signed_up: int = 0
    waiting: int = 0


def get_activity(session: Session, activity_id: int, *, lock: bool = False) -> Activity | None:
    """One activity; ``lock`` takes its row lock (PostgreSQL; SQLite's writer is serialised
    anyway) and reloads it, so the caller sees what the last holder committed."""
    query = select(Activity).where(Activity.id == activity_id)
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    return session.scalar(query)


def programme(
    session: Session, *, start: datetime, end: datetime, kind: str | None = None,
    department_id: int | None = None, club_id: int | None = None, limit: int = PROGRAMME_LIMIT,
) -> list[Activity]:
    """Activities starting in [start, end), cancelled ones included (the page marks them)."""
    query = select(Activity).where(Activity.starts_at >= start, Activity.starts_at < end)
    if kind:
        query = query.where(Activity.kind == kind)
    if department_id is not None:
        query = query.where(Activity.organiser_department_id == department_id)
    if club_id is not None:
        query = query.where(Activity.organiser_club_id == club_id)
    return list(session.scalars(query.order_by(Activity.starts_at, Activity.id).limit(limit)))


def counts(session: Session, activity_ids: Sequence[int]) -> dict[int, Counts]:
    """Signed up and waiting per activity, one query for a whole list."""
    if not activity_ids:
        return {}
    rows = session.execute(
        select(
            Signup.activity_id,
            func.count().filter(Signup.status == SignupStatus.signed_up),
            func.count().filter(Signup.status == SignupStatus.waiting),
        )
        .where(Signup.activity_id.in_(activity_ids), Signup.status != SignupStatus.cancelled)
        .group_by(Signup.activity_id)
    )
    return {activity_id: Counts(signed, waiting) for activity_id, signed, waiting in rows}


def signed_up_count(session: Session, activity_id: int) -> int:
    return session.scalar(
        select(func.count()).select_from(Signup)
        .where(Signup.activity_id == activity_id, Signup.status == SignupStatus.signed_up)
    ) or 0


def first_waiting(session: Session, activity_id: int, limit: int | None) -> list[Signup]:
    query = (
        select(Signup).where(Signup.activity_id == activity_id, Signup.status == SignupStatus.waiting)
        .order_by(Signup.position)
    )
    if limit is not None:
        query = query.limit(limit)
    return list(session.scalars(query))


def signup_of(session: Session, activity_id: int, person_id: int) -> Signup | None:
    return session.scalar(select(Signup).where(Signup.activity_id == activity_id, Signup.person_id == person_id))


def waiting_place(session: Session, signup: Signup) -> int:
    """1 for the first in the queue."""
    return 1 + (session.scalar(
        select(func.count()).select_from(Signup).where(
            Signup.activity_id == signup.activity_id, Signup.status == SignupStatus.waiting,
            Signup.position < signup.position,
        )
    ) or 0)


def attendance_of_person(session: Session, activity_id: int, person_id: int) -> Attendance | None:
    return session.scalar(
        select(Attendance).where(Attendance.activity_id == activity_id, Attendance.person_id == person_id)
    )


def rating_of(session: Session, activity_id: int, person_id: int) -> ActivityRating | None:
    return session.scalar(
        select(ActivityRating).where(ActivityRating.activity_id == activity_id, ActivityRating.person_id == person_id)
    )


@dataclass(frozen=True)
class SignupRow:
    """One line of the organiser's list and its export."""

    person_id: int
    name: str
    phone: str
    status: str
    position: int
    signed_up_at: datetime
    checked_in_at: datetime | None
    method: str | None


def signup_list(session: Session, activity_id: int) -> list[SignupRow]:
    """Everyone signed up or waiting (in arrival order), then walk-ins who checked in without
    signing up — the list the organiser ticks and exports. One query."""
    rows = session.execute(
        select(Person.id, Person.display_name, Person.phone, Signup.status, Signup.position, Signup.created_at,
               Attendance.checked_in_at, Attendance.method)
        .select_from(Signup)
        .join(Person, Person.id == Signup.person_id)
        .outerjoin(Attendance, and_(Attendance.activity_id == Signup.activity_id, Attendance.person_id == Signup.person_id))
        .where(Signup.activity_id == activity_id, Signup.status != SignupStatus.cancelled)
        .order_by(case((Signup.status == SignupStatus.signed_up, 0), else_=1), Signup.position)
    ).all()
    listed = [SignupRow(*row) for row in rows]
    seen = {row.person_id for row in listed}
    walk_ins = session.execute(
        select(Person.id, Person.display_name, Person.phone, Attendance.checked_in_at, Attendance.method)
        .join(Person, Person.id == Attendance.person_id)
        .where(Attendance.activity_id == activity_id)
        .order_by(Attendance.checked_in_at)
    ).all()
    for pid, name, phone, at, method in walk_ins:
        if pid not in seen:
            listed.append(SignupRow(pid, name, phone, "walk_in", 0, at, at, method))
    return listed


def attendee_count(session: Session, activity_id: int) -> int:
    return session.scalar(select(func.count()).select_from(Attendance).where(Attendance.activity_id == activity_id)) or 0


@dataclass(frozen=True)
class WallEntry:
    id: int
    name: str
    content: int
    speaker: int | None
    comment: str
    approved: bool
    created_at: datetime


def ratings(session: Session, activity_id: int, *, approved_only: bool) -> list[WallEntry]:
    """The comment wall 留言墙 (approved comments) or, for the organiser, every rating."""
    query = (
        select(ActivityRating.id, Person.display_name, ActivityRating.content, ActivityRating.speaker,
               ActivityRating.comment, ActivityRating.approved, ActivityRating.created_at)
        .join(Person, Person.id == ActivityRating.person_id)
        .where(ActivityRating.activity_id == activity_id)
        .order_by(ActivityRating.created_at.desc(), ActivityRating.id.desc())
    )
    if approved_only:
        query = query.where(ActivityRating.approved.is_(True), ActivityRating.comment != "")
    return [WallEntry(*row) for row in session.execute(query)]


def rating_averages(session: Session, activity_id: int) -> tuple[int, float | None, float | None]:
    count, content, speaker = session.execute(
        select(func.count(), func.avg(ActivityRating.content), func.avg(ActivityRating.speaker))
        .where(ActivityRating.activity_id == activity_id)
    ).one()
    return count, (float(content) if content is not None else None), (float(speaker) if speaker is not None else None)


# --- one person's activities --------------------------------------------------------------------
@dataclass(frozen=True)
class MyActivity:
    activity: Activity
    status: str  # signed_up | waiting
    checked_in: bool


def my_activities(session: Session, person_id: int, *, since: datetime) -> list[MyActivity]:
    """What the person signed up or queued for (not cancelled), from ``since`` on, oldest first."""
    rows = session.execute(
        select(Activity, Signup.status, Attendance.id)
        .join(Signup, Signup.activity_id == Activity.id)
        .outerjoin(Attendance, and_(Attendance.activity_id == Activity.id, Attendance.person_id == person_id))
        .where(Signup.person_id == person_id, Signup.status != SignupStatus.cancelled, Activity.ends_at >= since)
        .order_by(Activity.starts_at, Activity.id)
        .limit(PROGRAMME_LIMIT)
    ).all()
    return [MyActivity(activity, status, attended is not None) for activity, status, attended in rows]


def signed_up_people(session: Session, activity_id: int) -> list[int]:
    """Whom to tell when the activity changes or is cancelled."""
    return list(session.scalars(
        select(Signup.person_id).where(Signup.activity_id == activity_id, Signup.status != SignupStatus.cancelled)
    ))


# --- organisers ---------------------------------------------------------------------------------
def club(session: Session, club_id: int) -> Club | None:
    return session.get(Club, club_id)


def is_club_member(session: Session, club_id: int, person_id: int) -> bool:
    return session.scalar(
        select(func.count()).select_from(ClubMember).where(
            ClubMember.club_id == club_id, ClubMember.person_id == person_id,
            ClubMember.status == ClubMemberStatus.member,
        )
    ) > 0


def led_clubs(session: Session, person_id: int) -> list[Club]:
    return list(session.scalars(select(Club).where(Club.lead_id == person_id, Club.active.is_(True)).order_by(Club.name)))


def organiser_names(session: Session, activities: Sequence[Activity]) -> tuple[dict[int, dict], dict[int, str]]:
    """Department names ({locale: name}) and club names for a list, two queries at most."""
    department_ids = {a.organiser_department_id for a in activities if a.organiser_department_id}
    club_ids = {a.organiser_club_id for a in activities if a.organiser_club_id}
    departments = dict(session.execute(select(Department.id, Department.name).where(Department.id.in_(department_ids))).all()) if department_ids else {}
    clubs = dict(session.execute(select(Club.id, Club.name).where(Club.id.in_(club_ids))).all()) if club_ids else {}
    return departments, clubs


def speaker_names(session: Session, activities: Sequence[Activity]) -> dict[int, str]:
    ids = {a.speaker_id for a in activities if a.speaker_id}
    return dict(session.execute(select(Person.id, Person.display_name).where(Person.id.in_(ids))).all()) if ids else {}


def department_choices(session: Session) -> list[Department]:
    return list(session.scalars(select(Department).where(Department.active.is_(True)).order_by(Department.position, Department.id)))


def club_choices(session: Session) -> list[Club]:
    return list(session.scalars(select(Club).where(Club.active.is_(True)).order_by(Club.name)))


def latest_in_series(session: Session, series_id: int) -> Activity | None:
    return session.scalar(
        select(Activity).where(Activity.series_id == series_id).order_by(Activity.starts_at.desc()).limit(1)
    )


def series_room(session: Session, series_id: int) -> tuple[int, int | None] | None:
    """(room id, booker id) of the latest occurrence of the series that holds a room, if any:
    what its next occurrences try to book."""
    row = session.execute(
        select(Booking.room_id, Booking.booked_by_id).join(Activity, Activity.id == Booking.activity_id)
        .where(Activity.series_id == series_id, Booking.status.in_(tuple(LIVE_BOOKING_STATUSES)))
        .order_by(Activity.starts_at.desc()).limit(1)
    ).first()
    return (row[0], row[1]) if row else None


def series_ids(session: Session) -> list[int]:
    return list(session.scalars(select(Activity.series_id).where(Activity.series_id.is_not(None)).distinct()))


# --- ratings over time, and what the pioneer index counts ---------------------------------------
@dataclass(frozen=True)
class SpeakerMonth:
    speaker_id: int | None
    speaker_name: str
    month: str  # YYYY-MM (UTC)
    activities: int
    ratings: int
    average: float | None


def _month(session: Session, column):
    if session.get_bind().dialect.name == "sqlite":
        return func.strftime("%Y-%m", column)
    return func.to_char(column, "YYYY-MM")


def speaker_ratings(session: Session, *, start: datetime, end: datetime, speaker_id: int | None = None,
                    department_id: int | None = None) -> list[SpeakerMonth]:
    """Speakers' average speaker rating per month of activities held in [start, end): how a
    speaker does over time. Speakers with an account are grouped by person, others by name."""
    month = _month(session, Activity.starts_at)
    name = func.coalesce(func.nullif(Activity.speaker_name, ""), Person.display_name)
    query = (
        select(Activity.speaker_id, name, month, func.count(func.distinct(Activity.id)),
               func.count(ActivityRating.speaker), func.avg(ActivityRating.speaker))
        .select_from(Activity)
        .outerjoin(Person, Person.id == Activity.speaker_id)
        .outerjoin(ActivityRating, ActivityRating.activity_id == Activity.id)
        .where(Activity.starts_at >= start, Activity.starts_at < end, Activity.status == ActivityStatus.scheduled,
               (Activity.speaker_id.is_not(None)) | (Activity.speaker_name != ""))
        .group_by(Activity.speaker_id, name, month)
        .order_by(name, month)
    )
    if speaker_id is not None:
        query = query.where(Activity.speaker_id == speaker_id)
    if department_id is not None:
        query = query.where(Activity.organiser_department_id == department_id)
    return [
        SpeakerMonth(sid, sname or "", m, n, r, float(avg) if avg is not None else None)
        for sid, sname, m, n, r, avg in session.execute(query)
    ]


@dataclass(frozen=True)
class AttendanceFact:
    """One activity a person attended (for the pioneer index: organisation life, learning)."""

    attendance_id: int
    activity_id: int
    title: str
    kind: str
    starts_at: datetime
    checked_in_at: datetime
    method: str


def attendance_by_person(session: Session, person_id: int, *, start: datetime, end: datetime,
                         kinds: Sequence[str] | None = None) -> list[AttendanceFact]:
    """Activities in [start, end) (by start time) that ``person_id`` checked in to, with their kind."""
    query = (
        select(Attendance.id, Activity.id, Activity.title, Activity.kind, Activity.starts_at,
               Attendance.checked_in_at, Attendance.method)
        .join(Activity, Activity.id == Attendance.activity_id)
        .where(Attendance.person_id == person_id, Activity.starts_at >= start, Activity.starts_at < end,
               Activity.status == ActivityStatus.scheduled)
        .order_by(Activity.starts_at, Activity.id)
    )
    if kinds:
        query = query.where(Activity.kind.in_(list(kinds)))
    return [AttendanceFact(*row) for row in session.execute(query)]


@dataclass(frozen=True)
class LectureFact:
    """A lecture (micro-lecture, -forum or -film) a person gave, with its speaker rating."""

    activity_id: int
    title: str
    kind: str
    starts_at: datetime
    ratings: int
    speaker_average: float | None


def lectures_given(session: Session, person_id: int, *, start: datetime, end: datetime,
                   now: datetime | None = None) -> list[LectureFact]:
    """Lectures in [start, end) whose speaker is ``person_id`` and that have taken place
    (ended before ``now``, when given), with their speaker ratings."""
    query = (
        select(Activity.id, Activity.title, Activity.kind, Activity.starts_at,
               func.count(ActivityRating.speaker), func.avg(ActivityRating.speaker))
        .outerjoin(ActivityRating, ActivityRating.activity_id == Activity.id)
        .where(Activity.speaker_id == person_id, Activity.kind.in_(LECTURE_KINDS),
               Activity.starts_at >= start, Activity.starts_at < end, Activity.status == ActivityStatus.scheduled)
        .group_by(Activity.id, Activity.title, Activity.kind, Activity.starts_at)
        .order_by(Activity.starts_at, Activity.id)
    )
    if now is not None:
        query = query.where(Activity.ends_at <= now)
    return [LectureFact(aid, title, kind, at, n, float(avg) if avg is not None else None)
            for aid, title, kind, at, n, avg in session.execute(query)]

