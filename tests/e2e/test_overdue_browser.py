"""The overdue list on a 375 px phone: a supervisor ticks two overdue requests, writes a note,
urges them in one press (a double click urges once) and reads the confirmation."""

from datetime import timedelta

import pytest

from server.models import utcnow
from tests.e2e.conftest import screenshot, sign_in
from tests.factories import build_world
from tests.requests.helpers import load, submit

pytestmark = pytest.mark.browser


def test_supervisor_urges_two_on_a_phone(database, new_page):
    build_world(database)
    late = [submit(database, "member1", "union.join", answers={"people": n}, now=utcnow() - timedelta(days=d))
            for n, d in ((1, 6), (2, 4), (3, 3))]
    page = new_page(width=375, height=800)
    sign_in(page, "supervisor1")
    page.goto("/supervision/overdue")
    assert page.locator("h1").inner_text() == "超时督办"
    rows = page.locator(".overdue-rows .work-row")
    assert rows.count() == 3
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")  # no sideways scroll

    page.check(f"#pick-{late[0].number}")
    page.check(f"#pick-{late[1].number}")
    page.fill("textarea[name=note]", "请今天下班前接单")
    page.locator(".urge-form button[type=submit]").dblclick()
    page.wait_for_load_state("networkidle")
    result = page.locator(".overdue-result")
    result.wait_for()
    # The second click of the two may be the answer shown: it says what the first one did.
    assert "已催办 2 件" in result.inner_text() or "当时催办了 2 件" in result.inner_text()
    screenshot(page, "overdue-375-urged")
    assert [load(database, r.number).urge_count for r in late] == [1, 1, 0]  # once each, despite the double click
    assert "被催办 1 次" in page.locator(f"#overdue-{late[0].number}").inner_text()
