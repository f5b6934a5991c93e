"""The pioneer index's writes and reads for the doors: the centre records volunteer hours,
awards or deducts contribution points (with a reason), records attendance by hand, and
withdraws a record entered by mistake; every write is checked (server/pioneer/rules.py, and
here that the people named are active party members), audited in its transaction and only
flushed. Scores are computed by server/pioneer/index.py over the repository's facts.

Who may do what is server/pioneer/access.py; the checks are here, so the pages and the API
refuse alike."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from server.audit import service as audit
from server.checks import raise_if_invalid
from server.config import PioneerWeights, get_settings
from server.errors import Forbidden, NotFound
from server.i18n_text import N_
from server.models import (
    AttendanceRecord,
    AttendanceRecordPerson,
    ContributionPoints,
    Person,
    VolunteerHours,
    utcnow,
)
from server.pioneer import access, index, periods, rules
from server.pioneer import repository as repo
from server.pioneer.periods import Period

TREND_QUARTERS = 4


def zone() -> ZoneInfo:
    return ZoneInfo(get_settings().timezone)


def today(now: datetime | None = None) -> date:
    return (now or utcnow()).astimezone(zone()).date()


def weights() -> PioneerWeights:
    return get_settings().pioneer_weights


# --- guards ----------------------------------------------------------------------------------
def require_centre(person: Person) -> None:
    if not access.is_centre(person):
        raise Forbidden("Only the service centre (dispatchers, supervisors, administrators) may do this.")


def require_award(person: Person) -> None:
    if not access.can_award(person):
        raise Forbidden("Only supervisors and administrators award or deduct contribution points.")


def _party_member(session: Session, errors: dict, person_id: int | None, field: str) -> Person | None:
    person = session.get(Person, person_id) if person_id is not None else None
    if person is None or not person.active or not person.is_party_member:
        errors[field] = "Choose an active party member."
        return None
    return person


# --- scores ----------------------------------------------------------------------------------
def member(session: Session, viewer: Person, person_id: int) -> Person:
    """The party member whose score ``viewer`` asks for. Someone else's score is NotFound
    unless the viewer is the centre: a member learns nothing about who else exists."""
    if not access.can_see_score(viewer, person_id):
        raise NotFound("There is no such party member.")
    person = session.get(Person, person_id)
    if person is None or not person.is_party_member:
        raise NotFound("There is no such party member.")
    return person


def score_of(session: Session, person_id: int, period: Period) -> index.Score:
    found = repo.facts(session, period.start, period.end, zone(), [person_id])
    return index.score(found.get(person_id, []), weights(), period)


def trend_of(session: Session, person_id: int, until: date) -> list[index.Score]:
    """The totals of the last quarters, oldest first, from one gathering of facts."""
    quarters = periods.last_quarters(until, TREND_QUARTERS)
    found = repo.facts(session, quarters[0].start, quarters[-1].end, zone(), [person_id]).get(person_id, [])
    return [index.score(found, weights(), q) for q in quarters]


@dataclass(frozen=True)
class RankingRow:
    ranked: index.Ranked
    person: Person
    enterprise: str


def ranking(session: Session, viewer: Person, period: Period,
            where: repo.MemberFilter = repo.MemberFilter()) -> list[RankingRow]:
    """Every active party member (of a branch, of an enterprise) ranked for ``period``."""
    require_centre(viewer)
    members = repo.party_members(session, where)
    found = repo.facts(session, period.start, period.end, zone(), [m.id for m in members]) if members else {}
    scores = {m.id: index.score(found.get(m.id, []), weights(), period) for m in members}
    people = {m.id: m for m in members}
    names = repo.enterprise_names(session, [m.enterprise_id for m in members])
    return [RankingRow(r, people[r.person_id], names.get(people[r.person_id].enterprise_id, ""))
            for r in index.ranking(scores)]


def shortlist(session: Session, viewer: Person, period: Period) -> list[RankingRow]:
    """The 创新先锋 shortlist over every party member (no branch or enterprise filter)."""
    rows = ranking(session, viewer, period)
    chosen = {r.person_id for r in index.shortlist([row.ranked for row in rows], weights())}
    return [row for row in rows if row.ranked.person_id in chosen]


# --- records ---------------------------------------------------------------------------------
@dataclass
class HoursInput:
    person_id: int | None
    day: date | str | None
    hours: str | float | int | None
    what: str


@dataclass
class PointsInput:
    person_id: int | None
    day: date | str | None
    points: str | int | None
    reason: str


@dataclass
class AttendanceInput:
    name: str
    kind: str
    day: date | str | None
    attendee_ids: list[int] = field(default_factory=list)
    speaker_id: int | None = None
    speaker_rating: str | float | None = None


def record_hours(session: Session, actor: Person, data: HoursInput) -> VolunteerHours:
    require_centre(actor)
    errors: dict[str, str] = {}
    _party_member(session, errors, data.person_id, "person_id")
    day = rules.day(errors, data.day, today())
    tenths = rules.tenths_of_hours(errors, data.hours)
    what = rules.required_text(errors, data.what, "what", rules.WHAT_MAX, N_("Say what the volunteer work was."))
    raise_if_invalid(errors)
    row = VolunteerHours(person_id=data.person_id, day=day, tenths=tenths, what=what, recorded_by_id=actor.id)
    return _created(session, actor, row, "volunteer_hours", what)


def award_points(session: Session, actor: Person, data: PointsInput) -> ContributionPoints:
    """Award (positive) or deduct (negative) points; a reason is always required."""
    require_award(actor)
    errors: dict[str, str] = {}
    _party_member(session, errors, data.person_id, "person_id")
    day = rules.day(errors, data.day, today())
    points = rules.points(errors, data.points)
    reason = rules.required_text(errors, data.reason, "reason", rules.REASON_MAX, N_("A reason is required."))
    raise_if_invalid(errors)
    row = ContributionPoints(person_id=data.person_id, day=day, points=points, reason=reason, recorded_by_id=actor.id)
    return _created(session, actor, row, "contribution_points", reason)


def record_attendance(session: Session, actor: Person, data: AttendanceInput) -> AttendanceRecord:
    require_centre(actor)
    errors: dict[str, str] = {}
    name = rules.required_text(errors, data.name, "name", rules.NAME_MAX, N_("Name the activity."))
    kind = rules.activity_kind(errors, data.kind)
    day = rules.day(errors, data.day, today())
    attendee_ids = sorted(set(data.attendee_ids))
    if not attendee_ids:
        errors["attendee_ids"] = "Tick at least one party member who came."
    elif len(attendee_ids) > 500:
        errors["attendee_ids"] = "At most 500 attendees in one record."
    else:
        people = repo.people_by_id(session, attendee_ids)
        if any(p is None or not p.active or not p.is_party_member for p in (people.get(i) for i in attendee_ids)):
            errors["attendee_ids"] = "Choose active party members only."
    if data.speaker_id is not None:
        _party_member(session, errors, data.speaker_id, "speaker_id")
    rating = rules.speaker_rating_tenths(errors, data.speaker_rating, data.speaker_id is not None)
    raise_if_invalid(errors)
    row = AttendanceRecord(name=name, kind=kind, day=day, speaker_id=data.speaker_id, speaker_rating_tenths=rating,
                           recorded_by_id=actor.id)
    session.add(row)
    session.flush()
    session.add_all([AttendanceRecordPerson(record_id=row.id, person_id=i) for i in attendee_ids])
    session.flush()
    after = {**audit.snapshot(row), "attendee_ids": attendee_ids}
    audit.record(session, actor, entity="attendance_record", action="create", entity_id=row.id, label=name, after=after)
    return row


def _created(session: Session, actor: Person, row, entity: str, label: str):
    session.add(row)
    session.flush()
    audit.record(session, actor, entity=entity, action="create", entity_id=row.id, label=label,
                 after=audit.snapshot(row))
    return row


# --- reading and withdrawing one record ------------------------------------------------------
KINDS = {"hours": VolunteerHours, "points": ContributionPoints, "attendance": AttendanceRecord}
ENTITIES = {"hours": "volunteer_hours", "points": "contribution_points", "attendance": "attendance_record"}


@dataclass(frozen=True)
class RecordView:
    kind: str
    row: VolunteerHours | ContributionPoints | AttendanceRecord
    people: dict[int, Person]  # everyone the record names
    attendee_ids: list[int]


def record(session: Session, viewer: Person, kind: str, record_id: int) -> RecordView:
    """One record, for the centre or for a member it concerns (their own hours, points, an
    activity they came to or spoke at); anything else is NotFound."""
    row = session.get(KINDS[kind], record_id)
    attendees = repo.attendee_ids(session, record_id) if kind == "attendance" and row is not None else []
    if row is None:
        raise NotFound("There is no such record.")
    concerned = set(attendees) | {row.speaker_id} if kind == "attendance" else {row.person_id}
    if not access.is_centre(viewer) and viewer.id not in concerned:
        raise NotFound("There is no such record.")
    named = {*attendees, row.recorded_by_id, getattr(row, "person_id", None), getattr(row, "speaker_id", None)}
    if not access.is_centre(viewer):
        # A member sees who recorded it and themselves, not the other attendees.
        attendees = [i for i in attendees if i == viewer.id]
        named = {row.recorded_by_id, viewer.id, getattr(row, "speaker_id", None)}
    return RecordView(kind, row, repo.people_by_id(session, named), attendees)


def withdraw(session: Session, actor: Person, kind: str, record_id: int, reason: str) -> None:
    """Delete a record entered by mistake, with a reason, in the audit trail. Points need the
    leadership (as awarding them does); hours and attendance the centre."""
    require_award(actor) if kind == "points" else require_centre(actor)
    row = session.get(KINDS[kind], record_id)
    if row is None:
        raise NotFound("There is no such record.")
    errors: dict[str, str] = {}
    reason = rules.required_text(errors, reason, "reason", rules.REASON_MAX, N_("A reason is required."))
    raise_if_invalid(errors)
    before = audit.snapshot(row)
    if kind == "attendance":
        before["attendee_ids"] = repo.attendee_ids(session, record_id)
    audit.record(session, actor, entity=ENTITIES[kind], action="delete", entity_id=row.id,
                 label=getattr(row, "what", None) or getattr(row, "reason", None) or row.name, before=before,
                 note=reason)
    session.delete(row)
    session.flush()


PAGES = {"hours": repo.hours_page, "points": repo.points_page, "attendance": repo.attendance_page}


@dataclass(frozen=True)
class RecordsPage:
    rows: list
    attendees: dict[int, list[int]]  # attendance records: who came (a member sees only themselves)
    next_cursor: str | None


def records_page(session: Session, viewer: Person, kind: str, person_id: int | None, cursor: str | None,
                 limit: int) -> RecordsPage:
    """Records newest first: the centre's of everyone (or of ``person_id``), a member's own."""
    if not access.is_centre(viewer):
        if person_id is not None and person_id != viewer.id:
            raise Forbidden("You see only your own records.")
        person_id = viewer.id
    page = PAGES[kind](session, person_id, cursor, limit)
    attendees = repo.attendees_by_record(session, [r.id for r in page.rows]) if kind == "attendance" else {}
    if not access.is_centre(viewer):
        attendees = {k: [i for i in v if i == viewer.id] for k, v in attendees.items()}
    return RecordsPage(page.rows, attendees, page.next_cursor)


def members_to_pick(session: Session) -> list[Person]:
    """The party members the centre's forms offer."""
    return repo.party_members(session)


def people_named(session: Session, ids: Collection[int]) -> dict[int, Person]:
    return repo.people_by_id(session, ids)


def check_period(text: str | None) -> Period:
    return periods.parse(text, today())

