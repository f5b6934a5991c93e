"""The rooms pages as people see them: the list, a room's calendar (others' bookings only as
"booked"), booking a free slot and the refusals, my bookings, cancelling, the centre's
approvals, and the admin's rooms. Query counts fixed on the calendar and the lists."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from server.enums import BookingStatus
from server.models import AuditEntry, Booking, Category, Room
from server.worktime import _package_is_workday
from tests.factories import build_world, create_service
from tests.requests.pages.requester_helpers import client_for, csrf_from
from tests.rooms.helpers import create_room


def booking_day() -> date:
    """A working day at least two days ahead (the tests run on the real clock)."""
    day = date.today() + timedelta(days=2)
    while day.weekday() >= 5 or not _package_is_workday(day):
        day += timedelta(days=1)
    return day


@pytest.fixture
def world(database):
    return build_world(database)


@pytest.fixture
def room_id(database, world) -> int:
    with database.write() as session:
        return create_room(session, "党员活动室", capacity=30).id


def post_booking(client, room_id, day, start, end, **fields):
    token = csrf_from(client.get(f"/rooms/{room_id}/book?date={day}&start={start}").text)
    data = {"csrf_token": token, "date": day.isoformat(), "start": start, "end": end, "title": "支部学习",
            "purpose": "学习党章", "expected_people": "12", "contact_name": "张三", "contact_phone": "13900001111",
            **fields}
    return client.post(f"/rooms/{room_id}/book", data=data, follow_redirects=False)


def test_members_see_the_rooms_and_a_free_week(app, room_id, count_queries, database):
    member = client_for(app, "member1")
    page = member.get("/rooms").text
    assert "党员活动室" in page and f'href="/rooms/{room_id}"' in page and "投影仪" in page
    assert 'href="/rooms"' in page  # the nav entry
    day = booking_day() + timedelta(days=7)  # a week wholly ahead
    with count_queries(database) as counter:
        page = member.get(f"/rooms/{room_id}?date={day}").text
    # The session's person, the room, its building, the week's bookings.
    assert counter.count <= 4, counter
    assert f'href="/rooms/{room_id}/book?date={day}&amp;start=09:00"' in page
    assert page.count("<p class=\"muted\">不开放</p>") == 2  # the weekend
    assert len(re.findall(r'slot-free" href=', page)) == 5 * 21  # Mon–Fri, 09:00–12:00 and 13:30–21:00


def test_a_member_books_a_free_slot_and_sees_it_in_my_bookings(app, room_id, database):
    member = client_for(app, "member1")
    day = booking_day()
    form = member.get(f"/rooms/{room_id}/book?date={day}&start=10:00").text
    # The contact defaults to the member's own, like the order form's phone.
    assert 'value="13800138000"' in form and 'value="11:00"' in form
    response = post_booking(member, room_id, day, "10:00", "11:30")
    assert response.status_code == 303
    detail = member.get(response.headers["location"]).text
    assert "支部学习" in detail and "已预约" in detail and "张三 · 13900001111" in detail
    mine = member.get("/bookings").text
    assert "支部学习" in mine and f"{day:%Y-%m-%d} 10:00–11:30" in mine
    # Another member sees only "booked", neither the title nor who booked it.
    other = client_for(app, "member2").get(f"/rooms/{room_id}?date={day}&view=day").text
    assert "支部学习" not in other and "张三" not in other
    assert re.findall(r'slot-booked">(\d\d:\d\d)', other) == ["10:00", "10:30", "11:00"]
    assert "start=10:00" not in other and "start=11:30" in other


def test_a_taken_time_is_refused_naming_the_booking_in_the_way(app, room_id, database):
    day = booking_day()
    assert post_booking(client_for(app, "member1"), room_id, day, "10:00", "11:00").status_code == 303
    response = post_booking(client_for(app, "member2"), room_id, day, "10:30", "12:00")
    assert response.status_code == 409
    assert f"该场地 {day:%Y-%m-%d} 10:00 至 11:00 已被预约。" in response.text
    assert 'value="10:30"' in response.text  # the form keeps what was typed


def test_refusals_come_back_on_their_fields(app, room_id):
    member = client_for(app, "member1")
    day = booking_day()
    response = post_booking(member, room_id, day, "11:00", "14:00", expected_people="31", title="")
    assert response.status_code == 422
    page = response.text
    assert "不在该场地当天的开放时间内（09:00–12:00, 13:30–21:00）" in page
    assert "该场地最多容纳 30 人" in page and "请填写预约主题" in page
    response = post_booking(member, room_id, day, "later", "11:00", expected_people="二")
    assert response.status_code == 422
    assert "请按 14:30 的格式填写时间" in response.text and "请填写整数" in response.text
    assert member.get(f"/rooms/{room_id}?date=2026-13-40").status_code == 422
    assert member.get(f"/rooms/{room_id}?date=9999-12-31").status_code == 422
    assert member.get("/rooms/999999").status_code == 404


def test_the_booker_cancels_and_the_slot_is_free_again(app, room_id, database):
    member = client_for(app, "member1")
    day = booking_day()
    location = post_booking(member, room_id, day, "09:00", "10:00").headers["location"]
    booking_id = int(re.search(r"/bookings/(\d+)", location).group(1))
    page = member.get(location).text
    assert client_for(app, "member2").get(location).status_code == 404  # not theirs to see
    response = member.post(f"/bookings/{booking_id}/cancel", data={"csrf_token": csrf_from(page), "version": "1"},
                           follow_redirects=False)
    assert response.status_code == 303
    assert "预约已取消" in member.get(response.headers["location"]).text
    assert post_booking(client_for(app, "member2"), room_id, day, "09:00", "10:00").status_code == 303


def test_the_centre_approves_or_refuses_with_a_reason(app, database, world, count_queries):
    with database.write() as session:
        hall = create_room(session, "报告厅", capacity=120, needs_approval=True).id
    day = booking_day()
    member = client_for(app, "member1")
    location = post_booking(member, hall, day, "14:00", "16:00").headers["location"]
    assert "党群服务中心将审批" in member.get(location).text
    post_booking(member, hall, day, "16:00", "17:00", title="第二场")
    assert client_for(app, "member2").get("/bookings/pending").status_code == 404
    dispatcher = client_for(app, "dispatcher1")
    with count_queries(database) as counter:
        page = dispatcher.get("/bookings/pending").text
    assert counter.count <= 3, counter
    assert "支部学习" in page and "第二场" in page and "13900001111" in page
    with database.read() as session:
        first, second = session.scalars(select(Booking).order_by(Booking.id)).all()
    token = csrf_from(page)
    response = dispatcher.post(f"/bookings/{first.id}/approve",
                               data={"csrf_token": token, "version": str(first.version), "next": "/bookings/pending"},
                               follow_redirects=False)
    assert response.status_code == 303
    response = dispatcher.post(f"/bookings/{second.id}/refuse", data={"csrf_token": token, "reason": ""},
                               follow_redirects=False)
    assert response.status_code == 422 and "请填写理由" in response.text
    dispatcher.post(f"/bookings/{second.id}/refuse", data={"csrf_token": token, "reason": "当天场地检修"})
    with database.read() as session:
        statuses = [b.status for b in session.scalars(select(Booking).order_by(Booking.id))]
    assert statuses == [BookingStatus.approved, BookingStatus.refused]
    assert "当天场地检修" in member.get(f"/bookings/{second.id}").text


def test_admins_keep_the_rooms(app, database, world):
    admin = client_for(app, "admin1")
    assert 'href="/admin/rooms"' in admin.get("/admin").text
    form = admin.get("/admin/rooms/new").text
    with database.read() as session:
        building_id = session.scalar(select(Room.building_id)) or 1
    data = {"csrf_token": csrf_from(form), "name.zh-Hans": "多功能厅", "building_id": str(building_id), "floor": "1",
            "capacity": "80", "equipment": "投影仪，音响", "hours.mon": "09:00-18:00", "hours.tue": "bad",
            "active": "1", "needs_approval": "1"}
    response = admin.post("/admin/rooms/new", data=data, follow_redirects=False)
    assert response.status_code == 422 and "开放时间请按顺序填写" in response.text
    data["hours.tue"] = ""
    response = admin.post("/admin/rooms/new", data=data, follow_redirects=False)
    assert response.status_code == 303
    with database.read() as session:
        room = session.scalar(select(Room))
        assert room.equipment == ["投影仪", "音响"] and room.needs_approval
        assert session.scalar(select(AuditEntry.action).where(AuditEntry.entity == "room")) == "create"
    assert "多功能厅" in admin.get("/admin/rooms").text
    assert client_for(app, "member1").get("/admin/rooms").status_code == 403


def test_the_menu_s_venue_booking_leads_to_the_rooms(app, database, world):
    with database.write() as session:
        category = session.scalar(select(Category))
        create_service(session, "resources.venue-booking", category, None)
    member = client_for(app, "member1")
    page = member.get("/menu").text
    assert 'href="/rooms" aria-label="预约场地：服务resources.venue-booking"' in page
    assert 'href="/menu/resources.venue-booking"' not in page
    response = member.get("/menu/resources.venue-booking", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/rooms"


def test_room_use_is_for_the_centre_and_its_supervisors(app, room_id):
    assert client_for(app, "member1").get("/rooms/use").status_code == 403
    supervisor = client_for(app, "supervisor1")
    assert 'href="/rooms/use"' in supervisor.get("/rooms").text
    page = supervisor.get("/rooms/use?from=2026-09-21&to=2026-09-27").text
    assert "党员活动室" in page and "<td>42</td>" in page and "<td>0.0%</td>" in page
    assert supervisor.get("/rooms/use?from=2026-09-27&to=2026-09-21").status_code == 422
