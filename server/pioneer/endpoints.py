"""The pioneer index's JSON API (/api/v1/pioneer...): a thin door onto server/pioneer/service.py.
A member reads their own score and records; the centre (dispatchers, supervisors, admins)
every member's, the ranking and the shortlist, and records hours and attendance;
supervisors and admins award or deduct points. Someone else's score is a 404."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status
from pydantic import BaseModel

from server.api.deps import DatabaseDep, PersonDep
from server.models import Person
from server.pioneer import index
from server.pioneer import repository as repo
from server.pioneer import service as pioneer
from server.pioneer.periods import Period
from server.pioneer.presenters import record_href
from server.pioneer.schemas import (
    AttendanceIn,
    AttendanceOut,
    AttendancePage,
    HoursIn,
    HoursOut,
    HoursPage,
    LineOut,
    MemberOut,
    PartOut,
    PeriodOut,
    PointsIn,
    PointsOut,
    PointsPage,
    RankingOut,
    RankingRowOut,
    ScoreOut,
    TrendOut,
    WithdrawIn,
)

router = APIRouter(prefix="/pioneer", tags=["pioneer"])

ERRORS = {
    403: {"description": "Not allowed for you (the ranking and the records' forms are the centre's)"},
    404: {"description": "No such party member or record that you may see"},
    422: {"description": "Invalid input, with a message per field"},
}
PeriodQuery = Annotated[str | None, Query(max_length=10, description="2026-Q4 or 2026 (default: this quarter)")]
Cursor = Annotated[str | None, Query(max_length=400)]
Limit = Annotated[int, Query(ge=1, le=100)]
PersonFilter = Annotated[int | None, Query(ge=1, le=2**31 - 1, description="Only this member's (the centre)")]


def _json(model: BaseModel, status_code: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(model.model_dump_json(), status_code=status_code, headers=headers, media_type="application/json")


def _period(p: Period) -> PeriodOut:
    return PeriodOut(code=p.code, kind=p.kind, start=p.start, end=p.end)


def _member(person: Person, enterprise: str | None) -> MemberOut:
    return MemberOut(id=person.id, username=person.username, name=person.display_name,
                     party_branch=person.party_branch, enterprise=enterprise or None)


def _score(person: Person, enterprise: str | None, score: index.Score) -> ScoreOut:
    return ScoreOut(
        member=_member(person, enterprise), period=_period(score.period), total=score.total, grade=score.grade,
        parts=[PartOut(part=p.part, points=p.points, raw=p.raw, maximum=p.maximum, capped=p.capped, records=[
            LineOut(kind=line.fact.kind.value, source=line.fact.source, ref=line.fact.ref, href=record_href(line.fact),
                    day=line.fact.day, label=line.fact.label, activity_kind=line.fact.activity_kind,
                    amount=line.fact.amount, rating=line.fact.rating, points=line.points)
            for line in p.lines]) for p in score.parts],
    )


def _score_of(database, viewer: Person, person_id: int, period: str | None) -> ScoreOut:
    chosen = pioneer.check_period(period)
    with database.read() as session:
        subject = pioneer.member(session, viewer, person_id)
        enterprise = repo.enterprise_names(session, [subject.enterprise_id]).get(subject.enterprise_id)
        return _score(subject, enterprise, pioneer.score_of(session, subject.id, chosen))


@router.get("/me", response_model=ScoreOut, summary="Your own pioneer index (party members)", responses=ERRORS)
def get_my_pioneer_index(database: DatabaseDep, person: PersonDep, period: PeriodQuery = None) -> Response:
    return _json(_score_of(database, person, person.id, period))


@router.get("/me/trend", response_model=list[TrendOut], summary="Your totals over the last four quarters",
            responses=ERRORS)
def get_my_pioneer_trend(database: DatabaseDep, person: PersonDep) -> list[TrendOut]:
    with database.read() as session:
        subject = pioneer.member(session, person, person.id)
        trend = pioneer.trend_of(session, subject.id, pioneer.today())
    return [TrendOut(period=_period(s.period), total=s.total, grade=s.grade) for s in trend]


@router.get("/people/{person_id:id}", response_model=ScoreOut,
            summary="A party member's pioneer index (yours, or any for the centre)", responses=ERRORS)
def get_pioneer_index(person_id: int, database: DatabaseDep, person: PersonDep, period: PeriodQuery = None) -> Response:
    return _json(_score_of(database, person, person_id, period))


def _ranking(rows: list[pioneer.RankingRow], period: Period) -> RankingOut:
    return RankingOut(period=_period(period), rows=[
        RankingRowOut(rank=r.ranked.rank, member=_member(r.person, r.enterprise), total=r.ranked.score.total,
                      grade=r.ranked.score.grade,
                      parts={p.part.value: p.points for p in r.ranked.score.parts})
        for r in rows])


@router.get("/ranking", response_model=RankingOut, summary="Party members ranked for a period (the centre)",
            responses=ERRORS)
def get_pioneer_ranking(
    database: DatabaseDep,
    person: PersonDep,
    period: PeriodQuery = None,
    branch: Annotated[str | None, Query(max_length=100, description="A party branch, as written")] = None,
    enterprise: Annotated[int | None, Query(ge=1, le=2**31 - 1, description="An enterprise id")] = None,
) -> Response:
    pioneer.require_centre(person)
    chosen = pioneer.check_period(period)
    where = repo.MemberFilter(branch=branch.strip() if branch and branch.strip() else None, enterprise_id=enterprise)
    with database.read() as session:
        return _json(_ranking(pioneer.ranking(session, person, chosen, where), chosen))


@router.get("/shortlist", response_model=RankingOut, summary="The 创新先锋 shortlist for a period (the centre)",
            responses=ERRORS)
def get_pioneer_shortlist(database: DatabaseDep, person: PersonDep, period: PeriodQuery = None) -> Response:
    pioneer.require_centre(person)
    chosen = pioneer.check_period(period)
    with database.read() as session:
        return _json(_ranking(pioneer.shortlist(session, person, chosen), chosen))


# --- records -----------------------------------------------------------------------------------
def _hours(row) -> HoursOut:
    return HoursOut(id=row.id, day=row.day, recorded_by=row.recorded_by_id, recorded_at=row.recorded_at,
                    person_id=row.person_id, hours=row.tenths / 10, what=row.what)


def _points(row) -> PointsOut:
    return PointsOut(id=row.id, day=row.day, recorded_by=row.recorded_by_id, recorded_at=row.recorded_at,
                     person_id=row.person_id, points=row.points, reason=row.reason)


def _attendance(row, attendee_ids: list[int]) -> AttendanceOut:
    rating = row.speaker_rating_tenths / 10 if row.speaker_rating_tenths is not None else None
    return AttendanceOut(id=row.id, day=row.day, recorded_by=row.recorded_by_id, recorded_at=row.recorded_at,
                         name=row.name, kind=row.kind, speaker_id=row.speaker_id, speaker_rating=rating,
                         attendee_ids=attendee_ids)


def _created(model: BaseModel, kind: str, record_id: int) -> Response:
    return _json(model, status.HTTP_201_CREATED, {"Location": f"/api/v1/pioneer/{kind}/{record_id}"})


@router.get("/hours", response_model=HoursPage, summary="Volunteer hours, newest first (a member: their own)",
            responses=ERRORS)
def list_volunteer_hours(database: DatabaseDep, person: PersonDep, person_id: PersonFilter = None,
                         cursor: Cursor = None, limit: Limit = 50) -> Response:
    with database.read() as session:
        page = pioneer.records_page(session, person, "hours", person_id, cursor, limit)
        return _json(HoursPage(items=[_hours(r) for r in page.rows], next_cursor=page.next_cursor))


@router.post("/hours", response_model=HoursOut, status_code=201, summary="Record volunteer hours (the centre)",
             responses=ERRORS)
def record_volunteer_hours(body: HoursIn, database: DatabaseDep, person: PersonDep) -> Response:
    data = pioneer.HoursInput(body.person_id, body.day, body.hours, body.what)
    out = database.run(lambda session: _hours(pioneer.record_hours(session, person, data)))
    return _created(out, "hours", out.id)


@router.get("/hours/{record_id:id}", response_model=HoursOut, summary="One volunteer hours record", responses=ERRORS)
def get_volunteer_hours(record_id: int, database: DatabaseDep, person: PersonDep) -> Response:
    with database.read() as session:
        return _json(_hours(pioneer.record(session, person, "hours", record_id).row))


@router.get("/points", response_model=PointsPage, summary="Contribution points, newest first (a member: their own)",
            responses=ERRORS)
def list_contribution_points(database: DatabaseDep, person: PersonDep, person_id: PersonFilter = None,
                             cursor: Cursor = None, limit: Limit = 50) -> Response:
    with database.read() as session:
        page = pioneer.records_page(session, person, "points", person_id, cursor, limit)
        return _json(PointsPage(items=[_points(r) for r in page.rows], next_cursor=page.next_cursor))


@router.post("/points", response_model=PointsOut, status_code=201,
             summary="Award (positive) or deduct (negative) points, with a reason (supervisors, admins)",
             responses=ERRORS)
def award_contribution_points(body: PointsIn, database: DatabaseDep, person: PersonDep) -> Response:
    data = pioneer.PointsInput(body.person_id, body.day, body.points, body.reason)
    out = database.run(lambda session: _points(pioneer.award_points(session, person, data)))
    return _created(out, "points", out.id)


@router.get("/points/{record_id:id}", response_model=PointsOut, summary="One contribution points record",
            responses=ERRORS)
def get_contribution_points(record_id: int, database: DatabaseDep, person: PersonDep) -> Response:
    with database.read() as session:
        return _json(_points(pioneer.record(session, person, "points", record_id).row))


@router.get("/attendance", response_model=AttendancePage,
            summary="Attendance recorded by hand, newest first (a member: what they came to or spoke at)",
            responses=ERRORS)
def list_attendance_records(database: DatabaseDep, person: PersonDep, person_id: PersonFilter = None,
                            cursor: Cursor = None, limit: Limit = 50) -> Response:
    with database.read() as session:
        page = pioneer.records_page(session, person, "attendance", person_id, cursor, limit)
        items = [_attendance(r, page.attendees.get(r.id, [])) for r in page.rows]
        return _json(AttendancePage(items=items, next_cursor=page.next_cursor))


@router.post("/attendance", response_model=AttendanceOut, status_code=201,
             summary="Record an activity's attendance by hand (the centre)", responses=ERRORS)
def record_attendance(body: AttendanceIn, database: DatabaseDep, person: PersonDep) -> Response:
    data = pioneer.AttendanceInput(body.name, body.kind, body.day, list(body.attendee_ids), body.speaker_id,
                                   body.speaker_rating)

    def work(session):
        row = pioneer.record_attendance(session, person, data)
        return _attendance(row, sorted(set(data.attendee_ids)))

    out = database.run(work)
    return _created(out, "attendance", out.id)


@router.get("/attendance/{record_id:id}", response_model=AttendanceOut, summary="One attendance record",
            responses=ERRORS)
def get_attendance_record(record_id: int, database: DatabaseDep, person: PersonDep) -> Response:
    with database.read() as session:
        view = pioneer.record(session, person, "attendance", record_id)
        return _json(_attendance(view.row, view.attendee_ids))


def _withdraw(kind: str):
    def withdraw(record_id: int, body: WithdrawIn, database: DatabaseDep, person: PersonDep) -> Response:
        database.run(lambda session: pioneer.withdraw(session, person, kind, record_id, body.reason))
        return Response(status_code=status.HTTP_204_NO_CONTENT)

    withdraw.__name__ = f"withdraw_{pioneer.ENTITIES[kind]}"
    return withdraw


for _kind in ("hours", "points", "attendance"):
    router.add_api_route(f"/{_kind}/{{record_id:id}}/withdraw", _withdraw(_kind), methods=["POST"], status_code=204,
                         summary="Withdraw a record entered by mistake, with a reason", responses=ERRORS,
                         response_class=Response)
