"""The pioneer records' writes and the scores over them, on a migrated database: who may
record what, the checks on each record, the audit trail, and a score computed from the
records of every source (hand attendance, lectures given, hours, points, requests served)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from server.enums import PioneerPart, RequestStatus
from server.errors import Forbidden, InvalidInput, NotFound
from server.models import AttendanceRecordPerson, AuditEntry, Person, ServiceRequest
from server.pioneer import service
from server.pioneer.periods import Period, quarter_of
from tests.pioneer.helpers import BRANCH_A, make_party


@pytest.fixture
def party(database, world):
    return make_party(database, world)


def _today() -> date:
    return service.today()


def _get(session, username_or_id, world):
    return session.get(Person, world[username_or_id].id if isinstance(username_or_id, str) else username_or_id)


def test_the_centre_records_hours_and_they_are_audited(database, world, party):
    with database.write() as session:
        row = service.record_hours(session, _get(session, "dispatcher1", world), service.HoursInput(
            party["member1"], _today().isoformat(), "2.5", "社区垃圾分类宣传"))
        assert row.tenths == 25
    with database.read() as session:
        entry = session.scalars(select(AuditEntry).where(AuditEntry.entity == "volunteer_hours")).one()
        assert entry.action == "create" and entry.after["tenths"] == 25 and entry.actor_id == world["dispatcher1"].id


@pytest.mark.parametrize("who", ["member1", "staff1", "lead1", "contact1"])
def test_only_the_centre_records_hours_and_attendance(database, world, party, who):
    with database.write() as session:
        actor = _get(session, who, world)
        with pytest.raises(Forbidden):
            service.record_hours(session, actor, service.HoursInput(party["member1"], _today(), 1, "x"))
        with pytest.raises(Forbidden):
            service.record_attendance(session, actor, service.AttendanceInput("主题党日", "theme_day", _today(),
                                                                              [party["member1"]]))


def test_only_supervisors_and_admins_award_points(database, world, party):
    with database.write() as session:
        with pytest.raises(Forbidden):
            service.award_points(session, _get(session, "dispatcher1", world),
                                 service.PointsInput(party["member1"], _today(), 5, "带头服务"))
        row = service.award_points(session, _get(session, "supervisor1", world),
                                   service.PointsInput(party["member1"], _today(), "-3", "无故缺席主题党日"))
        assert row.points == -3


@pytest.mark.parametrize(("data", "field"), [
    ({"hours": "0"}, "hours"), ({"hours": "24.5"}, "hours"), ({"hours": "1.25"}, "hours"), ({"hours": "x"}, "hours"),
    ({"hours": "NaN"}, "hours"), ({"hours": True}, "hours"), ({"what": ""}, "what"), ({"what": "x" * 201}, "what"),
    ({"day": "2026-13-01"}, "day"), ({"day": None}, "day"), ({"day": "future"}, "day"),
    ({"person_id": "staff1"}, "person_id"), ({"person_id": None}, "person_id"), ({"person_id": 99999}, "person_id"),
])
def test_hours_are_checked_field_by_field(database, world, party, data, field):
    values = {"person_id": party["member1"], "day": _today(), "hours": "2", "what": "值班"}
    values.update(data)
    if values["day"] == "future":
        values["day"] = _today() + timedelta(days=1)
    if values["person_id"] == "staff1":  # not a party member
        values["person_id"] = world["staff1"].id
    with database.write() as session, pytest.raises(InvalidInput) as refused:
        service.record_hours(session, _get(session, "dispatcher1", world), service.HoursInput(**values))
    assert field in refused.value.errors


@pytest.mark.parametrize(("points", "reason"), [("0", "r"), ("101", "r"), ("-101", "r"), ("2.5", "r"), ("5", ""),
                                                 ("5", "  ")])
def test_points_need_a_whole_non_zero_amount_and_a_reason(database, world, party, points, reason):
    with database.write() as session, pytest.raises(InvalidInput) as refused:
        service.award_points(session, _get(session, "admin1", world),
                             service.PointsInput(party["member1"], _today(), points, reason))
    assert set(refused.value.errors) & {"points", "reason"}


def test_attendance_is_checked(database, world, party):
    with database.write() as session:
        actor = _get(session, "dispatcher1", world)
        cases = [
            (service.AttendanceInput("", "theme_day", _today(), [party["member1"]]), "name"),
            (service.AttendanceInput("x", "party", _today(), [party["member1"]]), "kind"),
            (service.AttendanceInput("x", "theme_day", _today(), []), "attendee_ids"),
            (service.AttendanceInput("x", "theme_day", _today(), [world["staff1"].id]), "attendee_ids"),
            (service.AttendanceInput("x", "micro_lecture", _today(), [party["member1"]], None, "4"), "speaker_rating"),
            (service.AttendanceInput("x", "micro_lecture", _today(), [party["member1"]], party["member2"], "6"),
             "speaker_rating"),
            (service.AttendanceInput("x", "micro_lecture", _today(), [party["member1"]], world["staff1"].id),
             "speaker_id"),
        ]
        for data, field in cases:
            with pytest.raises(InvalidInput) as refused:
                service.record_attendance(session, actor, data)
            assert field in refused.value.errors, (data, refused.value.errors)


def _quarter_day() -> date:
    """A day of this quarter that is not in the future."""
    return quarter_of(_today()).start


def test_a_score_from_every_kind_of_record(database, world, party):
    """member1 in this quarter: a theme day (10) and a lecture (5 + 5) attended, a lecture given
    rated 4.0 (15 × 4 / 5 = 12), 3 volunteer hours (6), +8 −2 points (6);
    volunteer1 served one request as a volunteer (3)."""
    day = _quarter_day()
    with database.write() as session:
        centre, boss = _get(session, "dispatcher1", world), _get(session, "supervisor1", world)
        service.record_attendance(session, centre, service.AttendanceInput("十月主题党日", "theme_day", day,
                                                                           [party["member1"], party["member2"]]))
        service.record_attendance(session, centre, service.AttendanceInput("微党课：新质生产力", "micro_lecture", day,
                                                                           [party["member1"]]))
        service.record_attendance(session, centre, service.AttendanceInput(
            "微党课：党章学习", "micro_lecture", day, [party["member2"]], party["member1"], "4.0"))
        service.record_hours(session, centre, service.HoursInput(party["member1"], day, "3", "楼宇志愿服务"))
        service.award_points(session, boss, service.PointsInput(party["member1"], day, 8, "牵头组织义诊"))
        service.award_points(session, boss, service.PointsInput(party["member1"], day, -2, "迟交学习笔记"))
        _served_request(session, world, party["volunteer1"], day)
    with database.read() as session:
        period = quarter_of(day)
        score = service.score_of(session, party["member1"], period)
        assert [p.points for p in score.parts] == [15, 17, 6, 6] and score.total == 44
        assert service.score_of(session, party["volunteer1"], period).part(PioneerPart.service).points == 3
        assert service.score_of(session, party["member2"], period).total == 20  # theme day 10, lecture 5 + 5


def _served_request(session, world, assignee_id: int, day: date) -> ServiceRequest:
    from server.models import Service

    service_row = session.get(Service, world.services["legal.aid"].id)
    at = datetime(day.year, day.month, day.day, 4, tzinfo=UTC)
    request = ServiceRequest(number=f"LX-{day:%Y%m%d}-0001", status=RequestStatus.completed, service_id=service_row.id,
                             requester_id=world["member2"].id, assignee_id=assignee_id, submitted_at=at,
                             completed_at=at, first_completed_at=at)
    session.add(request)
    session.flush()
    return request


def test_ranking_by_branch_and_the_shortlist(database, world, party):
    day = _quarter_day()
    with database.write() as session:
        centre = _get(session, "dispatcher1", world)
        service.record_hours(session, centre, service.HoursInput(party["member2"], day, "5", "x"))
        service.record_hours(session, centre, service.HoursInput(party["member1"], day, "2", "x"))
    with database.read() as session:
        viewer = _get(session, "supervisor1", world)
        rows = service.ranking(session, viewer, quarter_of(day))
        assert [(r.person.username, r.ranked.rank, r.ranked.score.total) for r in rows][:2] == [
            ("member2", 1, 10), ("member1", 2, 4)]
        assert {r.person.username for r in rows} == {"member1", "member2", "contact1", "volunteer1"}
        branch = service.ranking(session, viewer, quarter_of(day), service.repo.MemberFilter(branch=BRANCH_A))
        assert [r.person.username for r in branch] == ["member1", "contact1"]
        assert service.shortlist(session, viewer, quarter_of(day)) == []  # nobody has the minimum in every part
        with pytest.raises(Forbidden):
            service.ranking(session, _get(session, "member1", world), quarter_of(day))


def test_a_member_sees_only_their_own_score_and_records(database, world, party):
    with database.write() as session:
        row = service.record_hours(session, _get(session, "dispatcher1", world),
                                   service.HoursInput(party["member2"], _today(), "1", "x"))
        record_id = row.id
    with database.read() as session:
        member1 = _get(session, "member1", world)
        with pytest.raises(NotFound):
            service.member(session, member1, party["member2"])
        with pytest.raises(NotFound):
            service.record(session, member1, "hours", record_id)
        assert service.member(session, member1, party["member1"]).id == party["member1"]
        assert service.record(session, _get(session, "member2", world), "hours", record_id).row.id == record_id
        with pytest.raises(NotFound):  # the centre, but not a party member
            service.member(session, _get(session, "supervisor1", world), world["staff1"].id)


def test_withdrawing_a_record_needs_a_reason_and_leaves_an_audit_entry(database, world, party):
    with database.write() as session:
        centre = _get(session, "dispatcher1", world)
        row = service.record_attendance(session, centre, service.AttendanceInput(
            "主题党日", "theme_day", _today(), [party["member1"], party["member2"]]))
        record_id = row.id
    with database.write() as session, pytest.raises(InvalidInput):
        service.withdraw(session, _get(session, "dispatcher1", world), "attendance", record_id, " ")
    with database.write() as session:
        service.withdraw(session, _get(session, "dispatcher1", world), "attendance", record_id, "录入重复")
    with database.read() as session:
        assert session.scalars(select(AttendanceRecordPerson)).all() == []
        entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "delete")).one()
        assert entry.note == "录入重复" and entry.before["attendee_ids"] == sorted([party["member1"], party["member2"]])


def test_the_trend_is_four_quarters(database, world, party):
    with database.read() as session:
        trend = service.trend_of(session, party["member1"], _today())
    assert [s.period for s in trend][-1] == quarter_of(_today()) and len(trend) == 4
    assert isinstance(trend[0].period, Period)
