"""The dispatcher's path in a real browser, in English: a request for a service without a
department is dispatched by hand, returned by the department with a reason, dispatched
again and transferred onward, completed by whoever the new department assigns, and the
member sees it completed. The member's browser asks for English; the dispatcher switches
to English with the language switcher."""

from __future__ import annotations

import re

import pytest

from tests.e2e.conftest import screenshot, sign_in
from tests.factories import build_world

pytestmark = pytest.mark.browser

RETURN_REASON = "Not a union matter: this needs a home visit."


def test_dispatch_return_transfer_complete_in_english(database, new_page):
    from playwright.sync_api import expect

    build_world(database)
    member = new_page(locale="en-US")
    sign_in(member, "member1")
    member.goto("/menu/misc.other")
    expect(member.locator(".order-form [type=submit]")).to_have_text("Submit the request")
    member.fill("#field-description", "An elderly colleague needs help at home")
    member.locator(".order-form [type=submit]").click()
    number_box = member.locator(".tracking-number")
    expect(number_box).to_have_text(re.compile(r"^LX-"))
    number = number_box.inner_text()
    summary = member.locator(f"#summary-{number}")
    expect(summary.locator(".chip-status-submitted")).to_have_text("Awaiting dispatch")
    expect(summary).to_contain_text("Not dispatched yet")

    # The dispatcher's browser speaks Chinese; the switcher turns the site to English.
    dispatcher = new_page(locale="zh-CN")
    sign_in(dispatcher, "dispatcher1")
    dispatcher.goto("/dispatch")
    expect(dispatcher.locator("h1")).to_have_text("派单台")
    dispatcher.locator(".lang-switch a[hreflang=en]").click()
    expect(dispatcher.locator("h1")).to_have_text("Dispatch board")
    expect(dispatcher.locator("html")).to_have_attribute("lang", "en")

    # Dispatched by hand to the union.
    row = dispatcher.locator(f"#new-{number}")
    row.locator("select[name=department]").select_option("union")
    row.locator("button", has_text="Dispatch").click()
    # The row's number, then what happened: the number is not said twice.
    expect(dispatcher.locator(".work-row-done")).to_have_text(re.compile(rf"^\s*{number}\s+Dispatched to \S.*\.\s*$"))

    # Staff1 returns it with a reason, on the request page.
    staff1 = new_page(locale="en-US")
    sign_in(staff1, "staff1")
    staff1.goto(f"/requests/{number}")
    expect(staff1.locator(f"#summary-{number} .chip-status-dispatched")).to_have_text("Awaiting claim")
    staff1.locator(".action-return summary").click()
    staff1.fill(f"#act-{number}-return-note", RETURN_REASON)
    staff1.locator(".action-return button").click()
    # It has left the department's sight: back to the desk, which says so (not a 404).
    expect(staff1).to_have_url(re.compile(r"/desk\?"))
    expect(staff1.locator(".alert-info")).to_have_text(f"{number} is returned to the dispatchers.")
    expect(staff1.locator(f"#queue-{number}")).to_have_count(0)

    # The dispatcher finds it among the returned ones, with the reason and who returned it.
    dispatcher.goto("/dispatch")
    returned = dispatcher.locator(f"#returned-{number}")
    expect(returned.locator(".chip-returned")).to_have_text("Returned")
    expect(returned.locator(".return-note")).to_contain_text("Reason for returning:")
    expect(returned.locator(".return-note")).to_contain_text(RETURN_REASON)
    expect(returned.locator(".return-note")).to_contain_text("Staff1")
    screenshot(dispatcher, "dispatcher-returned-en")

    # Dispatched again, then transferred onward to care, which assigns at once (least loaded).
    returned.locator("select[name=department]").select_option("union")
    returned.locator("button", has_text="Dispatch").click()
    expect(dispatcher.locator("#board-returned .work-row-done")).to_contain_text("Dispatched to ")
    moving = dispatcher.locator(f"#dispatched-{number}")  # the list fetched itself again
    expect(moving).to_be_visible()
    moving.locator("select[name=department]").select_option("care")
    moving.locator("input[name=note]").fill("Home visits are done by the care team.")
    moving.locator("button", has_text="Transfer").click()
    expect(dispatcher.locator("#board-dispatched .work-row-done")).to_contain_text("Transferred to ")

    dispatcher.goto(f"/requests/{number}")
    timeline = dispatcher.locator(f"#timeline-{number}")
    for label in ("Submitted", "Dispatched", "Returned", "Transferred", "Assigned"):
        expect(timeline.locator(".event-head strong", has_text=label).first).to_be_visible()
    handler = dispatcher.locator(f"#summary-{number} dt:has-text('Handled by') + dd").inner_text()
    assert handler in ("Staff5", "Staff6")

    # The care assignee completes it.
    assignee = new_page(locale="en-US")
    sign_in(assignee, handler.lower())
    assignee.goto(f"/requests/{number}")
    expect(assignee.locator(f"#summary-{number} .chip-status-claimed")).to_have_text("In progress")
    assignee.locator(".action-complete summary").click()
    assignee.fill(f"#act-{number}-complete-note", "Visited at home; the paperwork is done.")
    assignee.locator(".action-complete button").click()
    expect(assignee.locator(f"#summary-{number} .chip-status-completed")).to_have_text("Awaiting rating")

    # The member sees it completed, the department and the result note.
    member.goto(f"/requests/{number}")
    summary = member.locator(f"#summary-{number}")
    expect(summary.locator(".chip-status-completed")).to_have_text("Awaiting rating")
    expect(summary).to_contain_text("care dept")
    expect(member.locator(f"#timeline-{number}")).to_contain_text("Visited at home; the paperwork is done.")
    expect(member.locator(".action-rate summary")).to_have_text("Rate")
    screenshot(member, "dispatcher-path-member-en")
