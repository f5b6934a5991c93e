"""The pioneer index reads organisation life and learning from the programme's check-ins and
the lectures given there ([9/12]), and the centre's hand-recorded attendance counts the same
way. A hand-computed fixture over 2026-Q3 (Beijing time), covering both sources:

member1:
- theme day 七月主题党日 (9 Jul), checked in with the code: organisation 10;
- micro-lecture 微党课：新质生产力 (12 Aug), checked in: organisation 5, learning 5;
- club activity 合唱排练 (20 Aug), checked in: nothing (club activities score nothing);
- theme day 八月主题党日 recorded by hand (13 Aug): organisation 10;
- gave the micro-lecture 微党课：党史故事 (10 Sep), speaker rated 5 and 4 → 4.5: learning
  15 × 4.5 / 5 = 13.5;
- a theme day on 8 Oct (Q4), checked in: not this quarter's.
  organisation 25, learning 18.5 → total 43.5, 一般.
member2:
- 党史故事 attended (checked in, rated the speaker 5): organisation 5, learning 5;
- micro-forum 微论坛 recorded by hand (3 Sep): organisation 5, learning 5;
- gave a lecture recorded by hand, rated 4.0: learning 12;
- gave the micro-film 微电影赏析 (17 Sep) that nobody rated: learning 15 × 3 / 5 = 9.
  organisation 10, learning 31 → capped 25 → total 35.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from server.activities import service as activities
from server.activities.rules import ActivityFields
from server.enums import ActivityAudience, ActivityKind, PioneerPart
from server.models import Activity, Person
from server.pioneer import service
from server.pioneer.periods import quarter_of
from tests.pioneer.helpers import make_party

BEIJING = ZoneInfo("Asia/Shanghai")
CREATED = datetime(2026, 7, 1, 9, tzinfo=BEIJING)


def _at(month: int, day: int, hour: int = 14) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=BEIJING)


@pytest.fixture
def party(database, world):
    return make_party(database, world)


def _activity(session, world, title: str, kind: ActivityKind, starts_at: datetime, *, speaker_id: int | None = None) -> Activity:
    organiser = session.get(Person, world["dispatcher1"].id)
    data = ActivityFields(title=title, kind=kind, starts_at=starts_at, ends_at=starts_at + timedelta(hours=1),
                          audience=ActivityAudience.party_members, organiser_department_id=world.departments["union"].id,
                          speaker_id=speaker_id)
    return activities.create(session, organiser, data, now=CREATED)


def _came(session, activity: Activity, *person_ids: int) -> None:
    for person_id in person_ids:
        person = session.get(Person, person_id)
        assert activities.check_in_with_code(session, person, activity.id, activity.checkin_code,
                                             now=activity.starts_at + timedelta(minutes=5))


@pytest.fixture
def history(database, world, party):
    m1, m2, c1 = party["member1"], party["member2"], party["contact1"]
    with database.write() as session:
        theme = _activity(session, world, "七月主题党日", ActivityKind.theme_day, _at(7, 9))
        lecture = _activity(session, world, "微党课：新质生产力", ActivityKind.micro_lecture, _at(8, 12))
        club = _activity(session, world, "合唱排练", ActivityKind.club_activity, _at(8, 20))
        given = _activity(session, world, "微党课：党史故事", ActivityKind.micro_lecture, _at(9, 10), speaker_id=m1)
        unrated = _activity(session, world, "微电影赏析", ActivityKind.micro_film, _at(9, 17), speaker_id=m2)
        october = _activity(session, world, "十月主题党日", ActivityKind.theme_day, _at(10, 8))
        for activity in (theme, lecture, club, october):
            _came(session, activity, m1)
        _came(session, given, m2, c1)
        _came(session, unrated, c1)
        after = given.ends_at + timedelta(hours=1)
        activities.rate(session, session.get(Person, m2), given.id, content=5, speaker=5, comment="", now=after)
        activities.rate(session, session.get(Person, c1), given.id, content=4, speaker=4, comment="", now=after)
        centre = session.get(Person, world["dispatcher1"].id)
        service.record_attendance(session, centre, service.AttendanceInput("八月主题党日", "theme_day", date(2026, 8, 13), [m1]))
        service.record_attendance(session, centre, service.AttendanceInput("微论坛", "micro_forum", date(2026, 9, 3), [m2]))
        service.record_attendance(session, centre, service.AttendanceInput(
            "微党课：两新组织党建", "micro_lecture", date(2026, 9, 24), [c1], m2, "4.0"))
        return {"theme": theme.id, "lecture": lecture.id, "given": given.id, "october": october.id}


def test_check_ins_and_hand_records_count_the_same_way(database, party, history):
    period = quarter_of(date(2026, 8, 1))
    with database.read() as session:
        one = service.score_of(session, party["member1"], period)
        two = service.score_of(session, party["member2"], period)
    assert [p.points for p in one.parts] == [25, 18.5, 0, 0] and one.total == 43.5 and one.grade == "fair"
    assert [p.raw for p in two.parts] == [10, 31, 0, 0]
    assert [p.points for p in two.parts] == [10, 25, 0, 0] and two.total == 35


def test_every_line_names_the_activity_or_the_record_behind_it(database, party, history):
    period = quarter_of(date(2026, 8, 1))
    with database.read() as session:
        one = service.score_of(session, party["member1"], period)
    organisation = {(line.fact.source, line.fact.label): line.points for line in one.part(PioneerPart.organisation).lines}
    assert organisation == {("activity", "七月主题党日"): 10, ("activity", "微党课：新质生产力"): 5,
                            ("attendance_record", "八月主题党日"): 10}
    [given] = [line for line in one.part(PioneerPart.learning).lines if line.fact.kind == "gave"]
    assert (given.fact.source, given.fact.ref, given.fact.rating, given.points) == ("activity", history["given"], 4.5, 13.5)


def test_a_lecture_counts_for_its_speaker_only_once_it_has_ended(database, world, party):
    with database.write() as session:
        soon = _activity(session, world, "微党课：即将开讲", ActivityKind.micro_lecture,
                         datetime.now(BEIJING).replace(microsecond=0) + timedelta(hours=1), speaker_id=party["member1"])
    with database.read() as session:
        score = service.score_of(session, party["member1"], quarter_of(soon.starts_at.astimezone(BEIJING).date()))
    assert score.part(PioneerPart.learning).lines == ()


def test_a_cancelled_activity_counts_for_nobody(database, world, party, history):
    with database.write() as session:
        # The October theme day (checked in) is called off afterwards by the centre.
        session.get(Activity, history["october"]).status = "cancelled"
    with database.read() as session:
        score = service.score_of(session, party["member1"], quarter_of(date(2026, 10, 8)))
    assert score.total == 0
