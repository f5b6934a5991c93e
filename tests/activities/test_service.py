"""The programme's rules through the service, on a migrated database (SQLite, and PostgreSQL
with TEST_DATABASE_URL)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from server.activities import repository as repo
from server.activities import service
from server.enums import ActivityAudience, ActivityKind, ActivityStatus, SignupStatus
from server.errors import Conflict, Forbidden, InvalidInput
from server.models import Activity, Signup
from tests.activities.helpers import NOW, build, fields, make_activity, person


@pytest.fixture
def world(database):
    return build(database, members=6)


def _status(database, activity_id, world, name):
    with database.read() as session:
        signup = repo.signup_of(session, activity_id, world[name])
        return signup.status if signup else None


def _sign_up(database, world, name, activity_id, now=NOW):
    with database.write() as session:
        return service.sign_up(session, person(session, world, name), activity_id, now=now).status


# --- who may organise --------------------------------------------------------------------------
@pytest.mark.parametrize("who", ["admin", "dispatcher", "lead"])
def test_centre_staff_and_the_departments_lead_create_for_the_department(database, world, who):
    activity_id = make_activity(database, world, who)
    with database.read() as session:
        activity = session.get(Activity, activity_id)
        assert activity.organiser_department_id == world.department_id
        assert len(activity.checkin_code) == 6 and activity.checkin_code.isdigit()


@pytest.mark.parametrize("who", ["staff", "member1", "clublead", "contact"])
def test_others_may_not_create_for_a_department(database, world, who):
    with pytest.raises(Forbidden), database.write() as session:
        service.create(session, person(session, world, who), fields(world), now=NOW)


def test_a_club_lead_creates_for_their_club_only(database, world):
    made = make_activity(database, world, "clublead", organiser_department_id=None, organiser_club_id=world.club_id,
                         kind=ActivityKind.club_activity, audience=ActivityAudience.club_members)
    assert made
    with pytest.raises(Forbidden), database.write() as session:
        service.create(session, person(session, world, "lead"),
                       fields(world, organiser_department_id=None, organiser_club_id=world.club_id), now=NOW)


@pytest.mark.parametrize(("overrides", "field"), [
    ({"title": " "}, "title"),
    ({"kind": "party"}, "kind"),
    ({"ends_at": NOW + timedelta(days=7)}, "ends_at"),
    ({"capacity": 0}, "capacity"),
    ({"audience": "everyone"}, "audience"),
    ({"signup_closes_at": NOW + timedelta(days=8)}, "signup_closes_at"),
    ({"organiser_department_id": None}, "organiser"),
    ({"audience": ActivityAudience.club_members}, "audience"),
    ({"repeat_rule": "EVERY SECOND THURSDAY"}, "repeat_rule"),
    ({"repeat_rule": "FREQ=SECONDLY"}, "repeat_rule"),
])
def test_invalid_fields_are_refused_on_their_field(database, world, overrides, field):
    with pytest.raises(InvalidInput) as caught, database.write() as session:
        service.create(session, person(session, world, "admin"), fields(world, **overrides), now=NOW)
    assert field in caught.value.errors


# --- sign-up and the waiting list -----------------------------------------------------------------
def test_places_fill_then_the_queue_forms_and_moves_up_in_order(database, world):
    activity_id = make_activity(database, world, capacity=2)
    assert [_sign_up(database, world, f"member{i}", activity_id) for i in range(1, 5)] == [
        "signed_up", "signed_up", "waiting", "waiting"]
    with database.read() as session:
        assert repo.waiting_place(session, repo.signup_of(session, activity_id, world["member4"])) == 2
    with database.write() as session:
        promoted = service.cancel_signup(session, person(session, world, "member1"), activity_id, now=NOW)
        assert [s.person_id for s in promoted] == [world["member3"]]
    assert _status(database, activity_id, world, "member3") == SignupStatus.signed_up
    assert _status(database, activity_id, world, "member4") == SignupStatus.waiting
    with database.read() as session:
        assert repo.waiting_place(session, repo.signup_of(session, activity_id, world["member4"])) == 1
        assert repo.signup_of(session, activity_id, world["member3"]).promoted_at is not None


def test_a_person_who_comes_back_after_cancelling_goes_to_the_end(database, world):
    activity_id = make_activity(database, world, capacity=1)
    _sign_up(database, world, "member1", activity_id)
    _sign_up(database, world, "member2", activity_id)
    with database.write() as session:
        service.cancel_signup(session, person(session, world, "member1"), activity_id, now=NOW)
    assert _sign_up(database, world, "member1", activity_id) == "waiting"
    with database.read() as session:
        assert repo.signup_of(session, activity_id, world["member1"]).position == 3


def test_signing_up_twice_is_a_conflict(database, world):
    activity_id = make_activity(database, world)
    _sign_up(database, world, "member1", activity_id)
    with pytest.raises(Conflict):
        _sign_up(database, world, "member1", activity_id)


def test_cancelling_without_a_sign_up_or_after_the_start_is_refused(database, world):
    activity_id = make_activity(database, world)
    with pytest.raises(Conflict), database.write() as session:
        service.cancel_signup(session, person(session, world, "member1"), activity_id, now=NOW)
    _sign_up(database, world, "member1", activity_id)
    with pytest.raises(Conflict), database.write() as session:
        service.cancel_signup(session, person(session, world, "member1"), activity_id, now=NOW + timedelta(days=8))


def test_the_sign_up_window(database, world):
    activity_id = make_activity(database, world, signup_opens_at=NOW + timedelta(days=1),
                                signup_closes_at=NOW + timedelta(days=6))
    with pytest.raises(Conflict, match="not opened"):
        _sign_up(database, world, "member1", activity_id)
    assert _sign_up(database, world, "member1", activity_id, now=NOW + timedelta(days=2)) == "signed_up"
    with pytest.raises(Conflict, match="closed"):
        _sign_up(database, world, "member2", activity_id, now=NOW + timedelta(days=6))


def test_no_sign_up_for_a_cancelled_activity_and_its_people_are_listed_to_tell(database, world):
    activity_id = make_activity(database, world)
    _sign_up(database, world, "member1", activity_id)
    with database.write() as session:
        service.cancel(session, person(session, world, "lead"), activity_id, now=NOW)
        assert repo.signed_up_people(session, activity_id) == [world["member1"]]
    with pytest.raises(Conflict, match="cancelled"):
        _sign_up(database, world, "member2", activity_id)
    with pytest.raises(Forbidden), database.write() as session:
        service.cancel(session, person(session, world, "member1"), activity_id, now=NOW)


@pytest.mark.parametrize(("audience", "allowed", "refused"), [
    (ActivityAudience.members, "member1", "contact"),
    (ActivityAudience.enterprise_contacts, "contact", "member1"),
])
def test_the_audience_decides_who_may_sign_up(database, world, audience, allowed, refused):
    activity_id = make_activity(database, world, audience=audience)
    assert _sign_up(database, world, allowed, activity_id) == "signed_up"
    with pytest.raises(Forbidden):
        _sign_up(database, world, refused, activity_id)


def test_party_members_only_is_closed_to_whoever_is_not_one(database, world):
    activity_id = make_activity(database, world, audience=ActivityAudience.party_members)
    with pytest.raises(Forbidden, match="party members"):
        _sign_up(database, world, "member1", activity_id)


def test_a_club_activity_for_members_needs_membership(database, world):
    activity_id = make_activity(database, world, "clublead", organiser_department_id=None,
                                organiser_club_id=world.club_id, audience=ActivityAudience.club_members)
    assert _sign_up(database, world, "clublead", activity_id) == "signed_up"
    with pytest.raises(Forbidden, match="club"):
        _sign_up(database, world, "member1", activity_id)


def test_more_places_move_the_queue_up_and_fewer_than_taken_are_refused(database, world):
    activity_id = make_activity(database, world, capacity=1)
    for name in ("member1", "member2", "member3"):
        _sign_up(database, world, name, activity_id)
    with database.write() as session:
        service.update(session, person(session, world, "lead"), activity_id, fields(world, capacity=2), now=NOW)
    assert _status(database, activity_id, world, "member2") == SignupStatus.signed_up
    assert _status(database, activity_id, world, "member3") == SignupStatus.waiting
    with pytest.raises(InvalidInput) as caught, database.write() as session:
        service.update(session, person(session, world, "lead"), activity_id, fields(world, capacity=1), now=NOW)
    assert "capacity" in caught.value.errors


def test_only_the_organiser_edits(database, world):
    activity_id = make_activity(database, world)
    with pytest.raises(Forbidden), database.write() as session:
        service.update(session, person(session, world, "clublead"), activity_id, fields(world), now=NOW)


# --- check-in --------------------------------------------------------------------------------------
def _code(database, activity_id):
    with database.read() as session:
        return session.get(Activity, activity_id).checkin_code


def test_the_code_checks_in_once_during_the_activity_only(database, world):
    activity_id = make_activity(database, world)
    _sign_up(database, world, "member1", activity_id)
    code = _code(database, activity_id)
    starts = NOW + timedelta(days=7)
    with pytest.raises(Conflict), database.write() as session:
        service.check_in_with_code(session, person(session, world, "member1"), activity_id, code,
                                   now=starts - timedelta(minutes=16))
    with pytest.raises(InvalidInput), database.write() as session:
        wrong = "000000" if code != "000000" else "111111"
        service.check_in_with_code(session, person(session, world, "member1"), activity_id, wrong, now=starts)
    with database.write() as session:
        assert service.check_in_with_code(session, person(session, world, "member1"), activity_id, code,
                                          now=starts - timedelta(minutes=10)) is True
    with database.write() as session:
        assert service.check_in_with_code(session, person(session, world, "member1"), activity_id, f" {code} ",
                                          now=starts + timedelta(minutes=30)) is False
    with pytest.raises(Conflict), database.write() as session:
        service.check_in_with_code(session, person(session, world, "member2"), activity_id, code,
                                   now=starts + timedelta(hours=2, minutes=16))
    with database.read() as session:
        assert repo.attendee_count(session, activity_id) == 1


def test_a_walk_in_of_the_audience_checks_in_and_others_do_not(database, world):
    activity_id = make_activity(database, world)
    code, starts = _code(database, activity_id), NOW + timedelta(days=7)
    with database.write() as session:
        assert service.check_in_with_code(session, person(session, world, "member2"), activity_id, code, now=starts)
    with pytest.raises(Forbidden), database.write() as session:
        service.check_in_with_code(session, person(session, world, "contact"), activity_id, code, now=starts)
    with database.read() as session:
        rows = repo.signup_list(session, activity_id)
        assert [(r.person_id, r.status) for r in rows] == [(world["member2"], "walk_in")]


def test_the_organiser_ticks_names_once(database, world):
    activity_id = make_activity(database, world)
    _sign_up(database, world, "member1", activity_id)
    starts = NOW + timedelta(days=7)
    with database.write() as session:
        activity = service.get(session, activity_id)
        with pytest.raises(Conflict):
            service.tick(session, person(session, world, "lead"), activity, world["member1"], now=NOW)
        assert service.tick(session, person(session, world, "lead"), activity, world["member1"], now=starts)
        assert not service.tick(session, person(session, world, "lead"), activity, world["member1"], now=starts)
        with pytest.raises(InvalidInput):
            service.tick(session, person(session, world, "lead"), activity, world["member2"], now=starts)
    with database.read() as session:
        [row] = repo.signup_list(session, activity_id)
        assert row.method == "ticked" and row.checked_in_at is not None


# --- ratings -----------------------------------------------------------------------------------------
def _attended(database, world, speaker="李老师"):
    activity_id = make_activity(database, world, kind=ActivityKind.micro_lecture, speaker_name=speaker)
    _sign_up(database, world, "member1", activity_id)
    with database.write() as session:
        service.check_in_with_code(session, person(session, world, "member1"), activity_id,
                                   _code(database, activity_id), now=NOW + timedelta(days=7))
    return activity_id


AFTER = NOW + timedelta(days=7, hours=3)


def test_attendees_rate_once_after_the_end(database, world):
    activity_id = _attended(database, world)
    with pytest.raises(Conflict, match="ended"), database.write() as session:
        service.rate(session, person(session, world, "member1"), activity_id, content=5, speaker=5, comment="",
                     now=NOW + timedelta(days=7, hours=1))
    with pytest.raises(Forbidden), database.write() as session:
        service.rate(session, person(session, world, "member2"), activity_id, content=5, speaker=5, comment="", now=AFTER)
    with pytest.raises(InvalidInput) as caught, database.write() as session:
        service.rate(session, person(session, world, "member1"), activity_id, content=6, speaker=None, comment="", now=AFTER)
    assert set(caught.value.errors) == {"content", "speaker"}
    with database.write() as session:
        service.rate(session, person(session, world, "member1"), activity_id, content=4, speaker=5, comment="讲得好", now=AFTER)
    with pytest.raises(Conflict, match="already"), database.write() as session:
        service.rate(session, person(session, world, "member1"), activity_id, content=4, speaker=5, comment="", now=AFTER)
    with database.read() as session:
        assert repo.rating_averages(session, activity_id) == (1, 4.0, 5.0)


def test_no_speaker_no_speaker_rating(database, world):
    activity_id = _attended(database, world, speaker="")
    with database.write() as session:
        rating = service.rate(session, person(session, world, "member1"), activity_id, content=3, speaker=5,
                              comment="", now=AFTER)
        assert rating.speaker is None


def test_the_wall_shows_only_approved_comments(database, world):
    activity_id = _attended(database, world)
    with database.write() as session:
        rating_id = service.rate(session, person(session, world, "member1"), activity_id, content=5, speaker=5,
                                 comment="收获很大", now=AFTER).id
    with database.read() as session:
        assert repo.ratings(session, activity_id, approved_only=True) == []
    with database.write() as session:
        service.set_comment_approved(session, service.get(session, activity_id), rating_id, True)
    with database.read() as session:
        assert [e.comment for e in repo.ratings(session, activity_id, approved_only=True)] == ["收获很大"]


def test_speaker_ratings_over_time_and_the_pioneer_facts(database, world):
    activity_id = make_activity(database, world, kind=ActivityKind.micro_lecture, speaker_id=world["lead"])
    _sign_up(database, world, "member1", activity_id)
    with database.write() as session:
        service.check_in_with_code(session, person(session, world, "member1"), activity_id,
                                   _code(database, activity_id), now=NOW + timedelta(days=7))
        service.rate(session, person(session, world, "member1"), activity_id, content=4, speaker=3, comment="", now=AFTER)
    year = (datetime(2026, 1, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC))
    with database.read() as session:
        [month] = repo.speaker_ratings(session, start=year[0], end=year[1])
        assert (month.speaker_id, month.speaker_name, month.month, month.ratings, month.average) == (
            world["lead"], "Lead", "2026-12", 1, 3.0)
        [fact] = repo.attendance_by_person(session, world["member1"], start=year[0], end=year[1])
        assert (fact.activity_id, fact.kind, fact.method) == (activity_id, "micro_lecture", "code")
        assert repo.attendance_by_person(session, world["member1"], start=year[0], end=year[1], kinds=["theme_day"]) == []
        [lecture] = repo.lectures_given(session, world["lead"], start=year[0], end=year[1], now=AFTER)
        assert (lecture.activity_id, lecture.ratings, lecture.speaker_average) == (activity_id, 1, 3.0)
        assert repo.lectures_given(session, world["lead"], start=year[0], end=year[1], now=NOW) == []


# --- repeats -----------------------------------------------------------------------------------------
def test_the_second_thursday_monthly_is_created_ahead_once(database, world):
    # 2026-12-10 is the second Thursday of December; 14:30 in Beijing is 06:30 UTC.
    first = datetime(2026, 12, 10, 6, 30, tzinfo=UTC)
    activity_id = make_activity(database, world, starts_at=first, repeat_rule="FREQ=MONTHLY;BYDAY=+2TH",
                                signup_closes_at=first - timedelta(days=1))
    with database.read() as session:
        series_id = session.get(Activity, activity_id).series_id
        starts = list(session.scalars(select(Activity.starts_at).where(Activity.series_id == series_id).order_by(Activity.starts_at)))
        closes = session.scalars(select(Activity.signup_closes_at).where(Activity.series_id == series_id)).all()
    assert [s.date().isoformat() for s in starts] == ["2026-12-10", "2027-01-14", "2027-02-11"]
    assert {s.time().isoformat() for s in starts} == {"06:30:00"}
    assert all(c is not None for c in closes)
    with database.write() as session:
        assert service.extend_all_series(session, now=NOW) == 0
    with database.write() as session:
        added = service.extend_series(session, series_id, now=NOW + timedelta(days=31))
        assert [a.starts_at.date().isoformat() for a in added] == ["2027-03-11"]
        assert len({a.checkin_code for a in added} | {"x"}) == 2


def test_a_cancelled_occurrence_is_not_made_again(database, world):
    first = datetime(2026, 12, 10, 6, 30, tzinfo=UTC)
    activity_id = make_activity(database, world, starts_at=first, repeat_rule="FREQ=MONTHLY;BYDAY=+2TH")
    with database.write() as session:
        last = session.scalars(select(Activity).where(Activity.series_id.is_not(None)).order_by(Activity.starts_at.desc())).first()
        service.cancel(session, person(session, world, "lead"), last.id, now=NOW)
    with database.write() as session:
        assert service.extend_all_series(session, now=NOW) == 0
        assert session.scalar(select(Activity.status).where(Activity.id == last.id)) == ActivityStatus.cancelled
    assert activity_id


# --- the calendar feed ------------------------------------------------------------------------------
def test_a_new_feed_address_replaces_the_old(database, world):
    with database.write() as session:
        old = service.new_feed_token(session, person(session, world, "member1"))
    with database.write() as session:
        new = service.new_feed_token(session, person(session, world, "member1"))
    with database.read() as session:
        assert service.feed_owner(session, old) is None
        assert service.feed_owner(session, new).id == world["member1"]
        assert service.feed_owner(session, "x" * 500) is None


def test_my_activities_lists_signed_up_and_waiting(database, world):
    a = make_activity(database, world, capacity=1)
    b = make_activity(database, world, capacity=1, title="微党课")
    _sign_up(database, world, "member2", b)
    _sign_up(database, world, "member1", a)
    _sign_up(database, world, "member1", b)
    with database.read() as session:
        mine = repo.my_activities(session, world["member1"], since=NOW)
        assert [(m.activity.id, m.status) for m in mine] == [(a, "signed_up"), (b, "waiting")]
        assert session.scalar(select(Signup.position).where(Signup.activity_id == b, Signup.person_id == world["member1"])) == 2


def test_the_sweeper_creates_the_next_occurrences(database, world):
    from server.sweeper import sweep_programme

    first = datetime(2026, 12, 10, 6, 30, tzinfo=UTC)
    make_activity(database, world, starts_at=first, repeat_rule="FREQ=MONTHLY;BYDAY=+2TH")
    assert sweep_programme(database, NOW) == 0
    assert sweep_programme(database, NOW + timedelta(days=31)) == 1
    assert sweep_programme(database, NOW + timedelta(days=31)) == 0


def test_the_day_before_reminder_goes_once_to_those_with_a_place(database):
    from server.models import Notification
    from server.sweeper import sweep_programme

    world = build(database, members=3)
    soon = make_activity(database, world, capacity=2, starts_at=NOW + timedelta(hours=20))
    later = make_activity(database, world, starts_at=NOW + timedelta(hours=30))
    called_off = make_activity(database, world, starts_at=NOW + timedelta(hours=10))
    with database.write() as session:
        for name in ("member1", "member2", "member3"):  # member3 waits
            service.sign_up(session, person(session, world, name), soon, now=NOW)
        for activity_id in (later, called_off):
            service.sign_up(session, person(session, world, "member1"), activity_id, now=NOW)
        service.cancel(session, person(session, world, "lead"), called_off, now=NOW)

    def reminded() -> list[tuple[int, str]]:
        with database.read() as session:
            return sorted(session.execute(
                select(Notification.person_id, Notification.link).where(Notification.event_type == "activity.reminder")
            ).all())

    sweep_programme(database, NOW)
    assert reminded() == sorted([(world["member1"], f"/activities/{soon}"), (world["member2"], f"/activities/{soon}")])
    sweep_programme(database, NOW + timedelta(minutes=5))  # the next sweep: nothing twice
    assert len(reminded()) == 2
    sweep_programme(database, NOW + timedelta(hours=7))  # the later one is within a day now
    assert (world["member1"], f"/activities/{later}") in reminded() and len(reminded()) == 3


def test_a_moved_activity_is_reminded_again_for_its_new_day(database):
    from server.models import Notification
    from server.sweeper import sweep_programme

    world = build(database, members=1)
    soon = make_activity(database, world, starts_at=NOW + timedelta(hours=20))
    with database.write() as session:
        service.sign_up(session, person(session, world, "member1"), soon, now=NOW)
    sweep_programme(database, NOW)
    with database.write() as session:
        service.update(session, person(session, world, "lead"), soon,
                       fields(world, starts_at=NOW + timedelta(days=3)), now=NOW)
    sweep_programme(database, NOW + timedelta(days=2, hours=6))
    with database.read() as session:
        count = session.scalar(select(func.count()).select_from(Notification).where(Notification.event_type == "activity.reminder"))
    assert count == 2
