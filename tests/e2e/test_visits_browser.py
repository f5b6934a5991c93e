"""[10/12]'s loop in a real browser, in Chinese: staff log a visit to an enterprise with a need
found, file the need as a request for the enterprise in one step, the department serves it,
the enterprise's contact rates it, and the supervision page's visit figures move at each step
(visits, coverage, needs found, resolved, rated satisfied). The visit's page shows the
request's state as it goes."""

from __future__ import annotations

import pytest

from server.visits.service import today
from tests.e2e.conftest import screenshot, sign_in
from tests.factories import build_world

pytestmark = pytest.mark.browser


def _visit_figures(page) -> dict[str, str]:
    page.goto("/supervision?period=month")
    figures = page.locator("#sv-visit-figures .sv-figure")
    return {figures.nth(i).locator("dt").inner_text(): figures.nth(i).locator("dd").inner_text()
            for i in range(figures.count())}


def test_a_visit_need_becomes_a_request_served_rated_and_counted(database, new_page):
    from playwright.sync_api import expect

    build_world(database)
    staff, contact, supervisor = new_page(width=375, height=800), new_page(), new_page()
    sign_in(staff, "staff1")
    sign_in(contact, "contact1")
    sign_in(supervisor, "supervisor1")
    before = _visit_figures(supervisor)
    assert before["发现需求"] == "0" and before["走访"] == "0"

    # Staff log the visit (375 px): who went, whom they met, what they found.
    staff.goto("/visits/new")
    staff.select_option("#field-enterprise_id", label="一号企业")
    staff.fill("#field-visited_on", today().isoformat())
    staff.locator("input[name=staff_ids]").first.check()
    staff.fill("#field-met_with", "王总（总经理）")
    staff.fill("#field-findings", "新入职三名员工，希望加入工会")
    staff.locator("form.visit-form button[type=submit]").click()
    staff.wait_for_url("**/visits/*")
    assert staff.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    visit_url = staff.url.split("?")[0]

    # The need, filed as a request for the enterprise in one step.
    staff.select_option("form.need-pick select[name=service]", "union.join")
    staff.locator("form.need-pick button").click()
    staff.fill("#field-answers-people", "3")
    staff.locator("input[name='answers.kind'][value=new]").check()
    staff.fill("#field-description", "三名新员工入会")
    staff.locator("form.order-form button[type=submit]").click()
    staff.goto(visit_url)
    row = staff.locator("#visit-needs .need-row")
    expect(row).to_have_count(1)
    number = row.locator("a").inner_text()
    expect(row.locator(".chip-status-dispatched")).to_be_visible()  # routed to the union department
    moved = _visit_figures(supervisor)
    assert (moved["走访"], moved["发现需求"]) == ("1", "1")
    assert moved["走访覆盖率"] != before["走访覆盖率"]

    # The enterprise's contact sees it among theirs, with "from visit" in its history.
    contact.goto(f"/requests/{number}")
    expect(contact.locator(f"#timeline-{number}")).to_contain_text("走访")

    # The department serves it: claim, complete with a note.
    staff.goto(f"/requests/{number}")
    staff.locator(".action-claim button").click()
    expect(staff.locator(f"#summary-{number} .chip-status-claimed")).to_be_visible()
    # The claim's own live refresh can land just after the chip shows and replace the actions,
    # closing a form opened a moment before (seen once in CI under load): open it again then.
    note = staff.locator(f"#act-{number}-complete-note")
    for _ in range(3):
        if note.is_visible():
            break
        staff.locator(".action-complete summary").click()
        staff.wait_for_timeout(300)
    staff.fill(f"#act-{number}-complete-note", "已为三名新员工办理入会")
    staff.locator(".action-complete button").click()
    expect(staff.locator(f"#summary-{number} .chip-status-completed")).to_be_visible()
    assert _visit_figures(supervisor)["需求已解决"].startswith("1")

    # The contact rates it satisfied; the visit's page and the figures follow.
    contact.goto(f"/requests/{number}")
    contact.locator(".action-rate summary").click()
    contact.locator(".action-rate input[value=satisfied]").check()
    contact.locator(".action-rate button").click()
    expect(contact.locator(f"#summary-{number} .chip-status-closed")).to_be_visible()
    staff.goto(visit_url)
    expect(staff.locator("#visit-needs .need-row .chip-status-closed")).to_be_visible()
    screenshot(staff, "visit-need-closed-375")
    after = _visit_figures(supervisor)
    assert after["评价满意"].startswith("1/1")
    screenshot(supervisor, "supervision-visits-moved")
