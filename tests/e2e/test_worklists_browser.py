"""The desk and the board in a real browser: htmx swaps the row in place (no reload), the
other lists catch up, a lost claim race reads "already claimed by", and both pages fit a
375 px phone without sideways scrolling."""

import pytest

from server.enums import Action
from tests.e2e.conftest import screenshot, sign_in
from tests.factories import build_world
from tests.requests.helpers import act, submit

pytestmark = pytest.mark.browser


def _no_sideways_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_claim_in_place_and_lose_a_race(database, new_page):
    build_world(database)
    first = submit(database, "member1", "union.join", answers={"people": 2})
    second = submit(database, "member1", "union.join", answers={"people": 4})
    staff1, staff2 = new_page(), new_page(width=375, height=800)
    sign_in(staff1, "staff1")
    sign_in(staff2, "staff2")
    # staff2's desk without its live stream (as behind a proxy that buffers it): the claimed
    # row stays until the poll, so staff2 can still click it and lose the race. With the
    # stream the row leaves at once (tests/e2e/test_live_browser.py).
    staff2.route("**/live?*", lambda route: route.abort())
    staff1.goto("/desk")
    staff2.goto("/desk")
    staff1.evaluate("window.__same_page = true")  # gone if the page reloads

    staff1.locator(f"#queue-{first.number} button", has_text="接单").click()
    # The row leaves the queue at once: a line saying where it went stands in its place.
    staff1.locator(".work-row-done", has_text=first.number).wait_for()
    assert staff1.locator(f"#queue-{first.number}").count() == 0
    assert staff1.evaluate("window.__same_page") is True
    # My tasks fetched itself again after the claim.
    staff1.locator(f"#tasks-{first.number}").wait_for()

    staff2.locator(f"#queue-{first.number} button", has_text="接单").click()
    error = staff2.locator(f"#queue-{first.number} .work-error")
    error.wait_for()
    assert "已由 Staff1 接单" in error.inner_text()
    assert staff2.locator("h1").inner_text() == "部门工作台"  # still the desk, not an error page
    assert _no_sideways_scroll(staff2)
    screenshot(staff2, "desk-375-claim-lost")
    assert staff2.locator(f"#queue-{second.number}").count() == 1


def test_lead_desk_and_dispatch_board_fit_a_phone(database, new_page):
    build_world(database)
    for people in (1, 2):
        request = submit(database, "member1", "union.join", answers={"people": people})
    act(database, "lead1", request.number, Action.assign, assignee="staff2")
    unplaced = submit(database, "member1", "misc.other")
    back = submit(database, "member2", "union.join", answers={"people": 3})
    act(database, "staff1", back.number, Action.return_, note="这是法律问题，请改派法律服务部门")

    lead = new_page(width=375, height=800)
    sign_in(lead, "lead1")
    lead.goto("/desk")
    assert lead.locator("#desk-team").count() == 1 and _no_sideways_scroll(lead)
    screenshot(lead, "desk-375-lead")

    dispatcher = new_page(width=375, height=800)
    sign_in(dispatcher, "dispatcher1")
    dispatcher.goto("/dispatch")
    assert _no_sideways_scroll(dispatcher)
    screenshot(dispatcher, "board-375")
    row = dispatcher.locator(f"#new-{unplaced.number}")
    row.locator("select[name=department]").select_option("care")
    row.locator("button", has_text="派单").click()
    done = dispatcher.locator(".work-row-done", has_text=unplaced.number)
    done.wait_for()
    # The dispatched list fetched itself again; a care request is assigned at once, so it is not there.
    reject = dispatcher.locator(f"#returned-{back.number}")
    reject.locator("summary", has_text="驳回").click()
    reject.locator("textarea[name=note]").fill("不在服务范围内")
    reject.locator("button", has_text="确认驳回").click()
    dispatcher.locator(".work-row-done", has_text=back.number).wait_for()
    screenshot(dispatcher, "board-375-after")


def test_a_refresh_after_show_more_keeps_the_rows_appended(database, new_page, monkeypatch):
    # The queue's poll (and a live update, and the refresh a few seconds after acting in it)
    # fetches the whole section again: the rows "Show more" appended stay, as the list is now.
    from server.requests import worklists

    monkeypatch.setattr(worklists, "PAGE_SIZE", 2)
    build_world(database)
    numbers = [submit(database, "member1", "union.join", answers={"people": 2}).number for _ in range(5)]
    staff = new_page()
    sign_in(staff, "staff1")
    staff.route("**/live?*", lambda route: route.abort())  # the refresh below is the test's own
    staff.goto("/desk?sort=oldest")
    rows = staff.locator("#desk-queue .work-row")
    assert rows.count() == 2
    staff.locator("#desk-queue .work-more a").click()
    staff.locator(f"#queue-{numbers[3]}").wait_for()
    assert rows.count() == 4

    act(database, "staff2", numbers[0], Action.claim)  # claimed elsewhere: it leaves the list
    staff.evaluate("document.getElementById('desk-queue').__old = true")
    with staff.expect_response(lambda r: "part=queue" in r.url) as answer:
        # What the poll does, without its wait of a few seconds after the click.
        staff.evaluate("""() => {
            const queue = document.getElementById('desk-queue');
            queue.removeAttribute('data-acted-at');
            htmx.trigger(queue, 'refresh-now');
        }""")
    assert answer.value.status == 200
    staff.wait_for_function("() => !document.getElementById('desk-queue').__old")
    staff.locator(f"#queue-{numbers[0]}").wait_for(state="detached")
    assert staff.locator("#desk-queue .work-row").count() == 4  # not back to a page of 2
    assert [staff.locator("#desk-queue .work-row").nth(i).get_attribute("id") for i in range(4)] == [
        f"queue-{n}" for n in numbers[1:5]]
    assert staff.locator("#desk-queue .work-more").count() == 0
