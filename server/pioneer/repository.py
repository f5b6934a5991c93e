"""Queries of the pioneer index: the one function that gathers the records behind the scores
(:func:`facts`), the party members to rank, and the records themselves for their pages and
lists. A fixed number of queries whatever the number of members."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from server import paging
from server.enums import ActivityStatus, DepartmentKind, Role
from server.models import (
    Activity,
    ActivityRating,
    Attendance,
    AttendanceRecord,
    AttendanceRecordPerson,
    ContributionPoints,
    Department,
    Enterprise,
    Person,
    PersonRole,
    ServiceRequest,
    VolunteerHours,
    utcnow,
)
from server.pioneer.index import Fact, FactKind


def _local_bounds(start: date, end: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """[start, end] in local days as a half-open UTC range."""
    return (datetime.combine(start, time.min, tz).astimezone(UTC),
            datetime.combine(end + timedelta(days=1), time.min, tz).astimezone(UTC))


def _people_filter(column, person_ids: Collection[int] | None):
    if person_ids is None:
        return column.in_(select(Person.id).where(Person.is_party_member))
    return column.in_(list(person_ids))


def facts(session: Session, start: date, end: date, tz: ZoneInfo,
          person_ids: Collection[int] | None = None, *, now: datetime | None = None) -> dict[int, list[Fact]]:
    """Every record that counts for the index between ``start`` and ``end`` (local days,
    inclusive), by person: of ``person_ids``, or of every party member. The programme's
    check-ins and the lectures given there ([9/12], :func:`_programme`), attendance recorded by
    hand and lectures given at hand-recorded activities (they count the same way), volunteer
    hours, contribution points, requests served as a volunteer."""
    result: dict[int, list[Fact]] = defaultdict(list)
    _programme(session, result, start, end, tz, person_ids, now or utcnow())
    attended = session.execute(
        select(AttendanceRecordPerson.person_id, AttendanceRecord.id, AttendanceRecord.day, AttendanceRecord.name,
               AttendanceRecord.kind)
        .join(AttendanceRecord, AttendanceRecord.id == AttendanceRecordPerson.record_id)
        .where(AttendanceRecord.day.between(start, end), _people_filter(AttendanceRecordPerson.person_id, person_ids))
    )
    for person_id, record_id, day, name, kind in attended:
        result[person_id].append(Fact(FactKind.attended, "attendance_record", record_id, day, name, kind))
    given = session.execute(
        select(AttendanceRecord.speaker_id, AttendanceRecord.id, AttendanceRecord.day, AttendanceRecord.name,
               AttendanceRecord.kind, AttendanceRecord.speaker_rating_tenths)
        .where(AttendanceRecord.day.between(start, end), AttendanceRecord.speaker_id.is_not(None),
               _people_filter(AttendanceRecord.speaker_id, person_ids))
    )
    for person_id, record_id, day, name, kind, rating in given:
        result[person_id].append(Fact(FactKind.gave, "attendance_record", record_id, day, name, kind,
                                      rating=None if rating is None else rating / 10))
    hours = session.execute(
        select(VolunteerHours.person_id, VolunteerHours.id, VolunteerHours.day, VolunteerHours.what,
               VolunteerHours.tenths)
        .where(VolunteerHours.day.between(start, end), _people_filter(VolunteerHours.person_id, person_ids))
    )
    for person_id, record_id, day, what, tenths in hours:
        result[person_id].append(Fact(FactKind.volunteered, "volunteer_hours", record_id, day, what, amount=tenths / 10))
    points = session.execute(
        select(ContributionPoints.person_id, ContributionPoints.id, ContributionPoints.day, ContributionPoints.reason,
               ContributionPoints.points)
        .where(ContributionPoints.day.between(start, end), _people_filter(ContributionPoints.person_id, person_ids))
    )
    for person_id, record_id, day, reason, amount in points:
        result[person_id].append(Fact(FactKind.points, "contribution_points", record_id, day, reason, amount=amount))
    for person_id, number, at in _served(session, start, end, tz, person_ids):
        result[person_id].append(Fact(FactKind.served, "service_request", number, at.astimezone(tz).date(), number))
    return dict(result)


def _programme(session: Session, result: dict[int, list[Fact]], start: date, end: date, tz: ZoneInfo,
               person_ids: Collection[int] | None, now: datetime) -> None:
    """The programme's own records (server/activities): each check-in to an activity that was
    not cancelled, on the activity's local start day; each lecture given, once it has ended,
    with the audience's average speaker rating (None when nobody rated the speaker). The index
    decides what a kind is worth (club and other activities: nothing)."""
    low, high = _local_bounds(start, end, tz)
    held = (Activity.status == ActivityStatus.scheduled, Activity.starts_at >= low, Activity.starts_at < high)
    attended = session.execute(
        select(Attendance.person_id, Activity.id, Activity.starts_at, Activity.title, Activity.kind)
        .join(Activity, Activity.id == Attendance.activity_id)
        .where(*held, _people_filter(Attendance.person_id, person_ids))
    )
    for person_id, activity_id, starts_at, title, kind in attended:
        result[person_id].append(Fact(FactKind.attended, "activity", activity_id, starts_at.astimezone(tz).date(),
                                      title, kind))
    given = session.execute(
        select(Activity.speaker_id, Activity.id, Activity.starts_at, Activity.title, Activity.kind,
               func.avg(ActivityRating.speaker))
        .outerjoin(ActivityRating, ActivityRating.activity_id == Activity.id)
        .where(*held, Activity.ends_at <= now, Activity.speaker_id.is_not(None),
               _people_filter(Activity.speaker_id, person_ids))
        .group_by(Activity.speaker_id, Activity.id, Activity.starts_at, Activity.title, Activity.kind)
    )
    for person_id, activity_id, starts_at, title, kind, rating in given:
        result[person_id].append(Fact(FactKind.gave, "activity", activity_id, starts_at.astimezone(tz).date(), title,
                                      kind, rating=None if rating is None else float(rating)))


def _served(session: Session, start: date, end: date, tz: ZoneInfo, person_ids: Collection[int] | None):
    """Requests served as a volunteer: first completed in the period by their assignee, who is
    staff of a social organisation 社会组织 (the volunteers, legal aid, counselling)."""
    low, high = _local_bounds(start, end, tz)
    return session.execute(
        select(ServiceRequest.assignee_id, ServiceRequest.number, ServiceRequest.first_completed_at)
        .join(Person, Person.id == ServiceRequest.assignee_id)
        .join(Department, Department.id == Person.department_id)
        .where(ServiceRequest.first_completed_at >= low, ServiceRequest.first_completed_at < high,
               Department.kind == DepartmentKind.social_organisation, Person.is_party_member,
               _people_filter(ServiceRequest.assignee_id, person_ids))
    ).all()


# --- party members ---------------------------------------------------------------------------
@dataclass(frozen=True)
class MemberFilter:
    branch: str | None = None
    enterprise_id: int | None = None


def party_members(session: Session, where: MemberFilter = MemberFilter()) -> list[Person]:
    stmt = select(Person).where(Person.is_party_member, Person.active).order_by(Person.id)
    if where.branch is not None:
        stmt = stmt.where(Person.party_branch == where.branch)
    if where.enterprise_id is not None:
        stmt = stmt.where(Person.enterprise_id == where.enterprise_id)
    return list(session.scalars(stmt))


def branches(session: Session) -> list[str]:
    return list(session.scalars(select(Person.party_branch).where(Person.is_party_member, Person.party_branch != "")
                                .distinct().order_by(Person.party_branch)))


def enterprises_of_members(session: Session) -> list[Enterprise]:
    ids = select(Person.enterprise_id).where(Person.is_party_member, Person.enterprise_id.is_not(None))
    return list(session.scalars(select(Enterprise).where(Enterprise.id.in_(ids)).order_by(Enterprise.name)))


def people_by_id(session: Session, ids: Collection[int]) -> dict[int, Person]:
    ids = {i for i in ids if i is not None}
    if not ids:
        return {}
    return {p.id: p for p in session.scalars(select(Person).where(Person.id.in_(ids)))}


def enterprise_names(session: Session, ids: Collection[int]) -> dict[int, str]:
    ids = {i for i in ids if i is not None}
    if not ids:
        return {}
    return dict(session.execute(select(Enterprise.id, Enterprise.name).where(Enterprise.id.in_(ids))).all())


def is_centre_person(session: Session, person_id: int) -> bool:
    return session.scalar(select(PersonRole.person_id).where(
        PersonRole.person_id == person_id, PersonRole.role.in_([Role.dispatcher, Role.supervisor, Role.admin]))
        .limit(1)) is not None


# --- the records -----------------------------------------------------------------------------
def hours_record(session: Session, record_id: int) -> VolunteerHours | None:
    return session.get(VolunteerHours, record_id)


def points_record(session: Session, record_id: int) -> ContributionPoints | None:
    return session.get(ContributionPoints, record_id)


def attendance_record(session: Session, record_id: int) -> AttendanceRecord | None:
    return session.get(AttendanceRecord, record_id)


def attendee_ids(session: Session, record_id: int) -> list[int]:
    return list(session.scalars(select(AttendanceRecordPerson.person_id)
                                .where(AttendanceRecordPerson.record_id == record_id)
                                .order_by(AttendanceRecordPerson.person_id)))


# Lists, newest entry first, keyset-paged by id (server/paging.py).
def hours_page(session: Session, person_id: int | None, cursor: str | None, limit: int) -> paging.Page:
    stmt = select(VolunteerHours)
    if person_id is not None:
        stmt = stmt.where(VolunteerHours.person_id == person_id)
    return _keyset(session, VolunteerHours, stmt, "volunteer_hours", cursor, limit)


def points_page(session: Session, person_id: int | None, cursor: str | None, limit: int) -> paging.Page:
    stmt = select(ContributionPoints)
    if person_id is not None:
        stmt = stmt.where(ContributionPoints.person_id == person_id)
    return _keyset(session, ContributionPoints, stmt, "contribution_points", cursor, limit)


def attendance_page(session: Session, person_id: int | None, cursor: str | None, limit: int) -> paging.Page:
    stmt = select(AttendanceRecord)
    if person_id is not None:
        stmt = stmt.where(or_(AttendanceRecord.speaker_id == person_id, AttendanceRecord.id.in_(
            select(AttendanceRecordPerson.record_id).where(AttendanceRecordPerson.person_id == person_id))))
    return _keyset(session, AttendanceRecord, stmt, "attendance_records", cursor, limit)


def attendees_by_record(session: Session, record_ids: Collection[int]) -> dict[int, list[int]]:
    result: dict[int, list[int]] = defaultdict(list)
    if record_ids:
        for record_id, person_id in session.execute(
                select(AttendanceRecordPerson.record_id, AttendanceRecordPerson.person_id)
                .where(AttendanceRecordPerson.record_id.in_(list(record_ids)))
                .order_by(AttendanceRecordPerson.person_id)):
            result[record_id].append(person_id)
    return result


def _keyset(session: Session, model, stmt: Select, name: str, cursor: str | None, limit: int) -> paging.Page:
    # The record's id orders as well as (day, id) would for records entered in order, and it is
    # one unique integer key: newest entry first.
    keys = (paging.Key(model.id, "int", descending=True),)
    return paging.page(session, stmt, keys, name, cursor, limit)
