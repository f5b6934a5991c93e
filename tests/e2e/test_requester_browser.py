"""The requester's loop in a real browser at phone width: search the menu as you type, order,
see the tracking number; staff claim and complete through the htmx panels; the requester rates."""

import pytest

from tests.e2e.conftest import screenshot, sign_in
from tests.factories import build_world

pytestmark = pytest.mark.browser


def _fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_order_handle_and_rate_at_375px(database, new_page):
    from playwright.sync_api import expect

    build_world(database)
    member = new_page(width=375, height=800)
    sign_in(member, "member1")
    member.goto("/menu")
    member.fill("#menu-q", "legal")
    expect(member.locator("#menu-results")).not_to_contain_text("union.join")
    expect(member.locator("#menu-results")).to_contain_text("legal.aid")
    assert _fits(member)
    member.goto("/menu/union.join")
    member.fill("#field-answers-people", "2")
    member.select_option("#field-building_code", "A1")
    member.wait_for_selector("#field-floor optgroup", state="detached")
    member.select_option("#field-floor", "2")
    member.fill("#field-description", "想加入工会")
    screenshot(member, "order-375")
    assert _fits(member)
    member.locator(".order-form [type=submit]").click()
    member.wait_for_load_state("networkidle")
    number = member.locator(".tracking-number").inner_text()
    assert number.startswith("LX-") and _fits(member)
    screenshot(member, "submitted-375")

    staff = new_page(width=375, height=800)
    sign_in(staff, "staff1")
    staff.goto(f"/requests/{number}")
    staff.locator(".action-claim button").click()
    staff.wait_for_selector(".action-complete")
    assert "chip-status-claimed" in staff.locator(f"#summary-{number}").inner_html()
    staff.locator(".action-complete summary").click()
    staff.fill(f"#act-{number}-complete-note", "已办好")
    staff.locator(".action-complete button").click()
    staff.wait_for_selector(f"#summary-{number} .chip-status-completed")
    screenshot(staff, "completed-375")

    member.goto(f"/requests/{number}")
    member.locator(".action-rate summary").click()
    member.locator(".action-rate input[value=satisfied]").check()
    member.locator(".action-rate button").click()
    member.wait_for_selector(f"#summary-{number} .chip-status-closed")
    assert _fits(member)
    screenshot(member, "rated-375")
