"""The header at phone width (375 px), with and without JavaScript: a member's seven areas fit
on at most two rows with the programme, rooms and clubs in one menu; the menu opens, its links
work and nothing scrolls sideways; at desktop width it drops down over the page."""

import pytest

from tests.e2e.conftest import screenshot, sign_in
from tests.factories import build_world

pytestmark = pytest.mark.browser


def _fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def _rows(page) -> int:
    """How many rows the header's top-level entries take."""
    return page.evaluate(
        "new Set([...document.querySelectorAll('.site-nav > ul > li')].map(li => Math.round(li.getBoundingClientRect().top))).size"
    )


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_a_members_header_at_375px(database, new_page, javascript):
    build_world(database)
    page = new_page(width=375, height=740, javascript=javascript)
    sign_in(page, "member1")
    page.goto("/menu")
    top = page.locator(".site-nav > ul > li")
    assert top.count() == 5  # menu, requests, pioneer, board, and the group
    assert _rows(page) <= 2 and _fits(page)
    group = page.locator("details.nav-group")
    assert not group.locator("a[href='/activities']").is_visible()
    group.locator("summary").click()
    assert group.locator("a[href='/rooms']").is_visible() and group.locator("a[href='/clubs']").is_visible()
    assert _fits(page)
    box = group.locator("a[href='/clubs']").bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 375
    screenshot(page, f"nav-open-375-{'js' if javascript else 'nojs'}")
    group.locator("a[href='/activities']").click()
    page.wait_for_url("**/activities")
    assert page.locator("details.nav-group.is-current").count() == 1
    assert page.locator("details.nav-group a[aria-current='page']").get_attribute("href") == "/activities"
    assert _fits(page)


def test_the_menu_drops_down_at_desktop_width_and_closes_on_escape(database, new_page):
    build_world(database)
    page = new_page(width=1280)
    sign_in(page, "member1")
    page.goto("/menu")
    assert _rows(page) == 1
    header = page.locator(".site-header").bounding_box()
    page.locator("details.nav-group summary").click()
    link = page.locator("details.nav-group a[href='/rooms']")
    assert link.is_visible()
    # Over the page, not pushing it down.
    assert page.locator(".site-header").bounding_box()["height"] == header["height"]
    page.keyboard.press("Escape")
    assert not link.is_visible()
