"""A member's theme party day in a real browser at phone width: sign up, check in with the
code the organiser shows in the room, rate it afterwards; the comment shows on the wall once
the organiser approves it."""

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
