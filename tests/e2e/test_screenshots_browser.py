"""Screenshots of every main page, at a desktop width and at a phone width, for people to
look at (tests/artifacts/page-<name>-<width>.png). Each page must also fit the phone without
sideways scrolling."""

from __future__ import annotations

import pytest

from server.enums import Action
from tests.e2e.conftest import screenshot, sign_in
from tests.factories import build_world
from tests.requests.helpers import act, submit

pytestmark = pytest.mark.browser


def _overflow(page) -> int:
    """How many pixels the page is wider than the window (0: no sideways scrolling)."""
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


@pytest.mark.parametrize("width", [1280, 375])
def test_main_pages(database, new_page, width):
    from playwright.sync_api import expect

    build_world(database)
    mine = submit(database, "member1", "union.join", answers={"people": 2, "kind": "new"},
                  description="我们部门两人想加入工会，请告知需要准备的材料。")
    done = submit(database, "member1", "union.join", answers={"people": 5}, description="五人集体入会")
    act(database, "staff1", done.number, Action.claim)
    act(database, "staff1", done.number, Action.complete, note="已办理，会员证下周发放。")
    submit(database, "member1", "misc.other", description="想借用活动室开展主题党日")
    taken = submit(database, "member2", "union.join", answers={"people": 1})
    act(database, "lead1", taken.number, Action.assign, assignee="staff2")
    back = submit(database, "member2", "union.join", answers={"people": 3})
    act(database, "staff1", back.number, Action.return_, note="这是法律问题，请改派法律服务部门")

    height = 900 if width > 600 else 800
    overflowing: dict[str, int] = {}

    def shot(page, name: str) -> None:
        page.wait_for_load_state("networkidle")
        screenshot(page, f"page-{name}-{width}")
        if (extra := _overflow(page)) > 0:
            overflowing[name] = extra

    anonymous = new_page(width=width, height=height)
    anonymous.goto("/login")
    shot(anonymous, "login")

    member = new_page(width=width, height=height)
    sign_in(member, "member1")
    member.goto("/")
    shot(member, "home")
    member.goto("/menu")
    shot(member, "menu")
    member.goto("/menu/union.join")
    shot(member, "order")
    # The browser's own checks would stop an empty form: let the server answer it.
    member.evaluate("document.querySelector('.order-form').noValidate = true")
    member.fill("#field-answers-people", "")
    member.fill("#field-contact_phone", "")
    member.locator(".order-form [type=submit]").click()
    expect(member.locator("#order-errors")).to_be_visible()
    shot(member, "order-errors")
    member.goto("/requests")
    shot(member, "my-requests")
    member.goto(f"/requests/{done.number}")
    member.locator(".action-rate summary").click()
    shot(member, "request-member")
    response = member.goto("/desk")
    assert response.status == 403
    shot(member, "403")
    response = member.goto("/requests/LX-20000101-9999")
    assert response.status == 404
    shot(member, "404")

    staff = new_page(width=width, height=height)
    sign_in(staff, "staff1")
    staff.goto("/desk")
    shot(staff, "desk-staff")
    staff.goto(f"/requests/{mine.number}")
    staff.locator(".action-return summary").click()
    shot(staff, "request-staff")

    lead = new_page(width=width, height=height)
    sign_in(lead, "lead1")
    lead.goto("/desk")
    shot(lead, "desk-lead")
    lead.goto(f"/requests/{taken.number}")
    shot(lead, "request-lead")

    dispatcher = new_page(width=width, height=height)
    sign_in(dispatcher, "dispatcher1")
    dispatcher.goto("/dispatch")
    shot(dispatcher, "dispatch")

    admin = new_page(width=width, height=height)
    sign_in(admin, "admin1")
    admin.goto("/admin")
    shot(admin, "admin")

    english = new_page(locale="en-US", width=width, height=height)
    sign_in(english, "member1")
    english.goto("/menu/union.join")
    shot(english, "order-en")

    assert not overflowing, f"wider than the window at {width} px: {overflowing}"
