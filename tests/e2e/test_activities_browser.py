"""A member's theme party day in a real browser at phone width: sign up, check in with the
code the organiser shows in the room, rate it afterwards; the comment shows on the wall once
the organiser approves it. And the whole path with rooms: the theme day booked in a room, the
member booking another slot of it for their own meeting."""

from datetime import timedelta

import pytest

from server.enums import ActivityKind
from server.models import Activity, utcnow
from tests.activities.helpers import build, make_activity
from tests.e2e.conftest import screenshot, sign_in

pytestmark = pytest.mark.browser


def _fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_sign_up_check_in_and_rate_a_theme_day_at_375px(database, new_page):
    world = build(database, members=2)
    now = utcnow()
    activity_id = make_activity(database, world, now=now, kind=ActivityKind.theme_day, title="主题党日：重温入党誓词",
                                starts_at=now + timedelta(minutes=2), ends_at=now + timedelta(minutes=3),
                                speaker_name="马书记")
    member = new_page(width=375, height=800)
    sign_in(member, "member1")
    member.goto("/activities")
    member.get_by_role("link", name="主题党日：重温入党誓词").click()
    member.locator("#signup button").click()
    member.wait_for_selector(".alert-success")
    assert "报名成功" in member.locator(".alert-success").inner_text()
    assert _fits(member)
    screenshot(member, "activity-signed-up-375")

    organiser = new_page(width=375, height=800)
    sign_in(organiser, "lead")
    organiser.goto(f"/activities/{activity_id}/manage")
    code = organiser.locator(".checkin-code").inner_text().strip()
    assert len(code) == 6 and _fits(organiser)

    member.goto(f"/activities/{activity_id}")
    member.fill("#field-code", code)
    member.locator("#checkin button").click()
    member.wait_for_selector(".alert-success")
    assert "签到成功" in member.locator(".alert-success").inner_text()

    with database.write() as session:  # the activity is over
        activity = session.get(Activity, activity_id)
        activity.starts_at, activity.ends_at = now - timedelta(hours=2), now - timedelta(minutes=30)
    member.goto(f"/activities/{activity_id}")
    member.locator("#rate input[name=content][value='5']").check()
    member.locator("#rate input[name=speaker][value='4']").check()
    member.fill("#field-comment", "重温誓词，很受教育。")
    member.locator("#rate button").click()
    member.wait_for_selector(".alert-success")
    assert "感谢" in member.locator(".alert-success").inner_text() and _fits(member)
    screenshot(member, "activity-rated-375")

    organiser.goto(f"/activities/{activity_id}/manage")
    organiser.locator("#ratings button").click()
    member.goto(f"/activities/{activity_id}")
    assert "重温誓词，很受教育。" in member.locator("#wall").inner_text()


def test_a_member_books_a_room_and_comes_to_a_theme_day_held_in_another_at_375px(database, new_page):
    """[9/12]'s whole path in a browser at phone width: the organiser creates a theme day in a
    room (the form's room choice books it); the member finds that slot taken on the room's
    calendar, books a free one for their own meeting, signs up for the theme day, checks in with
    the code and rates it."""
    from datetime import datetime, time
    from zoneinfo import ZoneInfo

    from sqlalchemy import select

    from server.models import Booking, Building
    from tests.rooms.helpers import create_room

    world = build(database, members=2)
    every_day = {d: [["08:00", "22:00"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
    with database.write() as session:
        session.add(Building(code="A1", name={"zh-Hans": "A1栋"}, floors=["1", "2", "3"]))
        session.flush()
        hall = create_room(session, "党群活动室", capacity=60, keeps_office_hours=False, hours=every_day)
    shanghai = ZoneInfo("Asia/Shanghai")
    tomorrow = utcnow().astimezone(shanghai).date() + timedelta(days=1)
    start = datetime.combine(tomorrow, time(14), shanghai)

    organiser = new_page(width=375, height=800)
    sign_in(organiser, "lead")
    organiser.goto("/activities/new")
    organiser.fill("#field-title", "主题党日：走进红色阵地")
    organiser.select_option("#field-organiser", f"d-{world.department_id}")
    organiser.fill("#field-starts_at", start.strftime("%Y-%m-%dT%H:%M"))
    organiser.fill("#field-ends_at", (start + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"))
    organiser.select_option("#field-room_id", str(hall.id))
    organiser.fill("#field-capacity", "40")
    organiser.locator("form.activity-form button[type=submit]").click()
    organiser.wait_for_url("**/manage?done=saved")
    assert "党群活动室" in organiser.locator("#activity-room").inner_text() and _fits(organiser)
    with database.read() as session:
        activity_id = session.scalar(select(Activity.id).where(Activity.title == "主题党日：走进红色阵地"))
        assert session.scalar(select(Booking.status).where(Booking.activity_id == activity_id)) == "approved"

    member = new_page(width=375, height=800)
    sign_in(member, "member1")
    member.goto(f"/rooms/{hall.id}?view=day&date={tomorrow.isoformat()}")
    assert member.locator(".slots .slot-booked").count() == 4  # 14:00–16:00, the theme day
    assert member.locator("a.slot-free[href$='start=14:00']").count() == 0
    member.locator("a.slot-free[href$='start=10:00']").click()
    member.fill("#field-title", "党小组学习会")
    member.fill("#field-expected_people", "8")
    member.locator("form.booking-form button[type=submit]").click()
    member.wait_for_selector("#booking-notice")
    assert _fits(member)
    screenshot(member, "room-booked-375")
    with database.read() as session:
        mine = session.scalar(select(Booking).where(Booking.title == "党小组学习会"))
        assert (mine.status, mine.starts_at.astimezone(shanghai).hour) == ("approved", 10)

    member.goto(f"/activities/{activity_id}")
    assert "党群活动室" in member.locator(".facts").inner_text()
    member.locator("#signup button").click()
    member.wait_for_selector(".alert-success")

    now = utcnow()
    with database.write() as session:  # the theme day begins
        activity = session.get(Activity, activity_id)
        activity.starts_at, activity.ends_at = now - timedelta(minutes=1), now + timedelta(hours=1)
    organiser.goto(f"/activities/{activity_id}/manage")
    code = organiser.locator(".checkin-code").inner_text().strip()
    member.goto(f"/activities/{activity_id}")
    member.fill("#field-code", code)
    member.locator("#checkin button").click()
    member.wait_for_selector(".alert-success")
    assert "签到成功" in member.locator(".alert-success").inner_text()

    with database.write() as session:  # and ends
        activity = session.get(Activity, activity_id)
        activity.starts_at, activity.ends_at = now - timedelta(hours=2), now - timedelta(minutes=30)
    member.goto(f"/activities/{activity_id}")
    member.locator("#rate input[name=content][value='4']").check()  # no speaker: content only
    member.locator("#rate button").click()
    member.wait_for_selector(".alert-success")
    assert "感谢" in member.locator(".alert-success").inner_text() and _fits(member)
