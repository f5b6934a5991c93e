"""An activity books its room through the rooms' own booking rules (server/rooms/service.py):
an activity on a booked slot is refused naming the booking, a booking on an activity's slot is
refused naming the activity, cancelling or moving the activity frees the room; the opening
hours and the room's size apply to activities as to anyone. Service, page and API."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from server.activities import service
from server.enums import BookingStatus
from server.errors import InvalidInput
from server.models import Activity, Booking, Building, Person, utcnow
from server.rooms import service as room_service
from server.rooms.service import BookingConflict
from tests.activities.helpers import NOW, build, fields, make_activity, person
from tests.factories import PASSWORD
from tests.rooms.helpers import create_room
from tests.web.conftest import csrf_from, sign_in

SHANGHAI = ZoneInfo("Asia/Shanghai")
EVERY_DAY = {day: [["08:00", "22:00"]] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
# NOW is Wed 2 Dec 2026 18:00 in Shanghai; the default activity runs 9 Dec 18:00–20:00.
START = NOW + timedelta(days=7)


@pytest.fixture
def world(database):
    world = build(database, members=3)
    with database.write() as session:
        session.add(Building(code="A1", name={"zh-Hans": "A1栋"}, floors=["1", "2", "3"]))
        session.flush()
        world.ids["room"] = create_room(session, "党员活动室", capacity=50, keeps_office_hours=False, hours=EVERY_DAY).id
        world.ids["hall"] = create_room(session, "报告厅", capacity=200, keeps_office_hours=False, hours=EVERY_DAY).id
    return world


def _book(database, world, who="member1", *, start=START, hours=2, room="room", now=NOW):
    with database.write() as session:
        return room_service.book(
            session, room_id=world[room], starts_at=start, ends_at=start + timedelta(hours=hours), title="公司年会彩排",
            purpose="", expected_people=20, contact_name="", contact_phone="", booked_by=person(session, world, who),
            now=now,
        ).id


def _booking_of(database, activity_id):
    with database.read() as session:
        return session.scalar(select(Booking).where(Booking.activity_id == activity_id))


# --- the service ---------------------------------------------------------------------------
def test_an_activity_with_a_room_holds_it_by_a_booking(database, world):
    activity_id = make_activity(database, world, room_id=world["room"], place="")
    booking = _booking_of(database, activity_id)
    assert (booking.room_id, booking.status, booking.starts_at, booking.title) == (
        world["room"], BookingStatus.approved, START, "主题党日：学习二十大精神")
    assert booking.expected_people == 40  # the activity's places


def test_a_booking_on_an_activitys_slot_is_refused_naming_the_activity(database, world):
    make_activity(database, world, room_id=world["room"])
    with pytest.raises(BookingConflict) as refused:
        _book(database, world, start=START + timedelta(hours=1))
    assert refused.value.conflicting_title == "主题党日：学习二十大精神"
    assert "主题党日：学习二十大精神" in refused.value.detail  # an activity's title is public


def test_an_activity_on_a_booked_slot_is_refused_naming_the_booking(database, world):
    booking_id = _book(database, world, start=START - timedelta(hours=1))
    with pytest.raises(BookingConflict) as refused:
        make_activity(database, world, "admin", room_id=world["room"])
    assert refused.value.conflicting_id == booking_id
    assert "公司年会彩排" in refused.value.detail  # the centre sees whose it is
    with pytest.raises(BookingConflict) as refused:
        make_activity(database, world, "lead", room_id=world["room"])
    # A department lead learns when the room is taken, not what someone else booked it for.
    assert "公司年会彩排" not in refused.value.detail and "17:00" in refused.value.detail
    with database.read() as session:  # nothing of the refused activities was kept
        assert session.scalars(select(Activity)).all() == []


def test_cancelling_the_activity_frees_the_room(database, world):
    activity_id = make_activity(database, world, room_id=world["room"])
    with database.write() as session:
        service.cancel(session, person(session, world, "lead"), activity_id, now=NOW)
    assert _booking_of(database, activity_id).status == BookingStatus.cancelled
    assert _book(database, world)  # the slot is free again


def test_moving_the_activity_moves_its_booking_or_keeps_both_when_refused(database, world):
    activity_id = make_activity(database, world, room_id=world["room"])
    later = START + timedelta(hours=1)
    with database.write() as session:  # an hour later in the same room: it may overlap its own old slot
        service.update(session, person(session, world, "lead"), activity_id,
                       fields(world, starts_at=later, room_id=world["room"]), now=NOW)
    with database.read() as session:
        live = session.scalars(select(Booking).where(Booking.activity_id == activity_id,
                                                     Booking.status == BookingStatus.approved)).all()
    assert [b.starts_at for b in live] == [later]
    _book(database, world, room="hall", start=START)
    with pytest.raises(BookingConflict), database.write() as session:
        service.update(session, person(session, world, "lead"), activity_id,
                       fields(world, starts_at=START, room_id=world["hall"]), now=NOW)
    with database.read() as session:  # the refused move changed nothing
        assert session.get(Activity, activity_id).starts_at == later
        assert session.scalar(select(Booking.room_id).where(Booking.activity_id == activity_id,
                                                            Booking.status == BookingStatus.approved)) == world["room"]


def test_editing_without_the_room_frees_it(database, world):
    activity_id = make_activity(database, world, room_id=world["room"])
    with database.write() as session:
        service.update(session, person(session, world, "lead"), activity_id, fields(world), now=NOW)
    assert _booking_of(database, activity_id).status == BookingStatus.cancelled


def test_the_rooms_rules_apply_to_activities(database, world):
    with pytest.raises(InvalidInput) as refused:
        make_activity(database, world, room_id=world["room"], capacity=80)
    assert "capacity" in refused.value.errors  # the room holds 50
    late = datetime.combine(START.astimezone(SHANGHAI).date(), time(21, 30), SHANGHAI)
    with pytest.raises(InvalidInput) as refused:
        make_activity(database, world, room_id=world["room"], starts_at=late, ends_at=late + timedelta(hours=1))
    assert "ends_at" in refused.value.errors or "starts_at" in refused.value.errors
    with pytest.raises(InvalidInput) as refused:
        make_activity(database, world, room_id=999_999)
    assert "room_id" in refused.value.errors


def test_each_occurrence_of_a_series_holds_the_room_where_it_is_free(database, world):
    # Weekly on Wednesdays from 9 Dec; the 23 Dec slot is taken first.
    _book(database, world, start=START + timedelta(days=14))
    activity_id = make_activity(database, world, room_id=world["room"], repeat_rule="FREQ=WEEKLY;BYDAY=WE")
    with database.read() as session:
        series_id = session.get(Activity, activity_id).series_id
        rows = session.execute(
            select(Activity.starts_at, Booking.status).outerjoin(
                Booking, (Booking.activity_id == Activity.id) & (Booking.status == BookingStatus.approved))
            .where(Activity.series_id == series_id).order_by(Activity.starts_at)
        ).all()
    held = {start.date().isoformat(): status for start, status in rows}
    assert held["2026-12-09"] == held["2026-12-16"] == held["2026-12-30"] == BookingStatus.approved
    assert held["2026-12-23"] is None  # created, without the room
    assert max(start for start, _ in rows) <= NOW + timedelta(days=90)  # as far as rooms are booked


# --- the pages and the API -----------------------------------------------------------------------
def _tomorrow_at(hour: int) -> datetime:
    day = utcnow().astimezone(SHANGHAI).date() + timedelta(days=1)
    return datetime.combine(day, time(hour), SHANGHAI)


def _form(world, start: datetime, **extra) -> dict:
    return {"title": "微党课：基层治理", "kind": "micro_lecture", "organiser": f"d-{world.department_id}",
            "starts_at": start.strftime("%Y-%m-%dT%H:%M"), "ends_at": (start + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
            "capacity": "30", "audience": "members", **extra}


def test_the_form_books_the_room_and_shows_a_conflict_beside_it(client, database, world):
    start = _tomorrow_at(12)
    _book(database, world, start=start, hours=1, now=utcnow())
    assert sign_in(client, "lead", PASSWORD).status_code == 303
    page = client.get("/activities/new")
    assert "党员活动室" in page.text and 'name="room_id"' in page.text
    refused = client.post("/activities/new", data={**_form(world, start, room_id=str(world["room"])),
                                                   "csrf_token": csrf_from(page.text)}, follow_redirects=False)
    assert refused.status_code == 409
    assert 'id="field-room_id-error"' in refused.text and "已被预约" in refused.text
    made = client.post("/activities/new", data={**_form(world, start, room_id=str(world["hall"])),
                                                "csrf_token": csrf_from(page.text)}, follow_redirects=False)
    assert made.status_code == 303
    activity_id = int(made.headers["location"].split("/")[2])
    shown = client.get(f"/activities/{activity_id}")
    assert f'href="/rooms/{world["hall"]}"' in shown.text and "报告厅" in shown.text
    # The calendar's week of the activity (its parameter is ``date``; ``day`` was ignored, so
    # the test failed whenever tomorrow was in next week: on Sundays, Shanghai time).
    calendar = client.get(f"/rooms/{world['hall']}?date={start.date().isoformat()}")
    assert "微党课：基层治理" in calendar.text


def test_the_api_refuses_a_taken_room_as_a_booking_conflict(client, database, world):
    start = _tomorrow_at(15)
    booking_id = _book(database, world, start=start, hours=1, now=utcnow())
    token = client.post("/api/v1/auth/token", data={"username": "admin", "password": PASSWORD}).json()["access_token"]
    body = {"title": "微论坛", "kind": "micro_forum", "starts_at": start.isoformat(),
            "ends_at": (start + timedelta(hours=1)).isoformat(), "organiser_department_id": world.department_id,
            "capacity": 20, "room_id": world["room"]}
    headers = {"Authorization": f"Bearer {token}"}
    refused = client.post("/api/v1/activities", json=body, headers=headers)
    assert refused.status_code == 409, refused.text
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert refused.json()["conflict"]["booking_id"] == booking_id
    made = client.post("/api/v1/activities", json={**body, "room_id": world["hall"]}, headers=headers)
    assert made.status_code == 201, made.text
    assert (made.json()["room_id"], made.json()["booking_status"]) == (world["hall"], "approved")
    with database.read() as session:
        assert session.scalar(select(Person.id).where(Person.username == "admin"))


def test_more_places_than_the_room_holds_are_refused_on_an_edit(database, world):
    activity_id = make_activity(database, world, room_id=world["room"])
    with pytest.raises(InvalidInput) as refused, database.write() as session:
        service.update(session, person(session, world, "lead"), activity_id,
                       fields(world, room_id=world["room"], capacity=80), now=NOW)
    assert "capacity" in refused.value.errors
    with database.write() as session:
        service.update(session, person(session, world, "lead"), activity_id,
                       fields(world, room_id=world["room"], capacity=45, title="主题党日（改）"), now=NOW)
    booking = _booking_of(database, activity_id)
    assert (booking.expected_people, booking.title, booking.status) == (45, "主题党日（改）", BookingStatus.approved)


def test_a_series_keeps_its_room_after_an_occurrence_without_one(database, world):
    # Weekly from 9 Dec; the last occurrence made (in the horizon) finds its slot taken.
    last = START + timedelta(weeks=11)
    _book(database, world, start=last)
    activity_id = make_activity(database, world, room_id=world["room"], repeat_rule="FREQ=WEEKLY;BYDAY=WE")
    with database.write() as session:
        series_id = session.get(Activity, activity_id).series_id
        latest = session.scalar(select(Activity).where(Activity.series_id == series_id).order_by(Activity.starts_at.desc()))
        assert latest.starts_at == last and _booking_of(database, latest.id) is None
        added = service.extend_series(session, series_id, now=NOW + timedelta(days=14))
    assert len(added) == 2
    for activity in added:
        assert _booking_of(database, activity.id).room_id == world["room"]
