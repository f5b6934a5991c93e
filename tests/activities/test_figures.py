"""The programme's figures, computed by hand for a small history."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from server.activities import figures, service
from server.enums import ActivityKind
from server.models import Activity
from tests.activities.helpers import NOW, build, make_activity, person

PERIOD = {"start": datetime(2026, 12, 1, tzinfo=UTC), "end": datetime(2027, 1, 1, tzinfo=UTC)}


def test_held_sign_ups_attendance_and_ratings(database):
    world = build(database, members=4)
    starts = NOW + timedelta(days=1)
    lecture = make_activity(database, world, kind=ActivityKind.micro_lecture, speaker_name="李老师", starts_at=starts)
    theme = make_activity(database, world, kind=ActivityKind.theme_day, starts_at=starts)
    future = make_activity(database, world, kind=ActivityKind.theme_day, starts_at=NOW + timedelta(days=20))
    cancelled = make_activity(database, world, kind=ActivityKind.theme_day, starts_at=starts)
    with database.write() as session:
        for name in ("member1", "member2", "member3"):
            service.sign_up(session, person(session, world, name), lecture, now=NOW)
        service.sign_up(session, person(session, world, "member1"), theme, now=NOW)
        service.sign_up(session, person(session, world, "member1"), future, now=NOW)
        service.sign_up(session, person(session, world, "member1"), cancelled, now=NOW)
        service.cancel(session, person(session, world, "lead"), cancelled, now=NOW)
        code = session.get(Activity, lecture).checkin_code
        for name in ("member1", "member2", "member4"):  # member4 walks in
            service.check_in_with_code(session, person(session, world, name), lecture, code, now=starts)
        after = starts + timedelta(hours=3)
        service.rate(session, person(session, world, "member1"), lecture, content=5, speaker=4, comment="", now=after)
        service.rate(session, person(session, world, "member2"), lecture, content=3, speaker=2, comment="", now=after)
    with database.read() as session:
        result = figures.figures(session, **PERIOD, now=starts + timedelta(hours=3))
    assert (result.held, result.signed_up, result.attended, result.walk_ins) == (2, 4, 2, 1)
    assert result.attendance_rate == 0.5
    by_kind = {k.kind: k for k in result.by_kind}
    assert by_kind["micro_lecture"].attendance_rate == 2 / 3
    assert (by_kind["micro_lecture"].content_average, by_kind["micro_lecture"].speaker_average) == (4.0, 3.0)
    assert by_kind["theme_day"].attendance_rate == 0.0 and by_kind["theme_day"].content_average is None
    [speaker] = result.by_speaker
    assert (speaker.speaker, speaker.lectures, speaker.ratings, speaker.average) == ("李老师", 1, 2, 3.0)
    with database.read() as session:  # the supervision page's one-query headline says the same
        total = figures.totals(session, **PERIOD, now=starts + timedelta(hours=3))
        elsewhere = figures.totals(session, **PERIOD, now=starts + timedelta(hours=3), department_id=world.department_id + 1)
    assert (total.held, total.signed_up, total.attended, total.walk_ins, total.ratings) == (2, 4, 2, 1, 2)
    assert (total.attendance_rate, total.content_average, total.speaker_average) == (0.5, 4.0, 3.0)
    assert (elsewhere.held, elsewhere.signed_up, elsewhere.attendance_rate) == (0, 0, None)


def test_no_sign_ups_no_rate(database):
    build(database, members=1)
    with database.read() as session:
        result = figures.figures(session, **PERIOD, now=NOW)
    assert result.held == 0 and result.attendance_rate is None
    with database.read() as session:
        total = figures.totals(session, **PERIOD, now=NOW)
    assert (total.held, total.ratings, total.attendance_rate, total.content_average) == (0, 0, None, None)
