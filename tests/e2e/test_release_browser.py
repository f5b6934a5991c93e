"""放弃 with a reason at the department desk, on a 375 px phone, with htmx: the button opens a
form, an empty reason is not sent (the browser's required field) and the confirming button
sends the typed one; the row says where the task went, in place, without a reload, and the
queue shows it again."""

import pytest

from server.enums import Action, RequestStatus
from tests.e2e.conftest import screenshot, sign_in
from tests.factories import build_world
from tests.requests.helpers import act, load, submit

pytestmark = pytest.mark.browser


def test_release_with_a_reason_at_the_desk_on_a_phone(database, new_page):
    build_world(database)
    held = submit(database, "member1", "union.join", answers={"people": 2})
    act(database, "staff1", held.number, Action.claim)
    page = new_page(width=375, height=800)
    sign_in(page, "staff1")
    page.goto("/desk")
    page.evaluate("window.__same_page = true")  # gone if the page reloads

    row = page.locator(f"#tasks-{held.number}")
    form = row.locator("details.reason-release")
    assert form.locator("textarea").is_visible() is False  # closed until asked for
    form.locator("summary", has_text="放弃").click()
    reason = form.locator("textarea[name=note]")
    assert reason.is_visible() and reason.get_attribute("required") is not None
    assert "工单将回到本部门的待接单队列" in form.inner_text()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    screenshot(page, "desk-375-release-reason")

    # Confirming with an empty reason sends nothing: the required field stops it.
    form.locator("button", has_text="确认放弃").click()
    assert reason.evaluate("el => el.validity.valueMissing") is True
    assert load(database, held.number).status == RequestStatus.claimed

    reason.fill("下周出差，请同事接手")
    form.locator("button", has_text="确认放弃").click()
    done = page.locator(".work-row-done", has_text=held.number)
    done.wait_for()
    assert "已放弃，工单回到union部的待接单队列。" in done.inner_text()
    assert page.evaluate("window.__same_page") is True
    # The queue fetched itself again: the task waits there for a colleague.
    page.locator(f"#queue-{held.number}").wait_for()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    screenshot(page, "desk-375-released")
    after = load(database, held.number)
    assert after.status == RequestStatus.dispatched and after.assignee_id is None
