"""Live pages and the conversation in a real browser: a new task appears on the desk through the
event stream (no reload), a request's page shows a colleague's claim and a message as they
happen, and the conversation form works at 375 px."""

import pytest

from server.enums import Action
from tests.e2e.conftest import screenshot, sign_in
from tests.factories import build_world
from tests.requests.helpers import act, submit

pytestmark = pytest.mark.browser

# Counts the stream's openings and messages from the first moment of each page (the events
# bubble from the element that holds sse-connect).
COUNT_SSE = """
window.__sse = {open: 0, message: 0};
document.addEventListener("htmx:sseOpen", function () { window.__sse.open += 1; });
document.addEventListener("htmx:sseMessage", function () { window.__sse.message += 1; });
"""


def _no_sideways_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def _wait_open(page) -> None:
    page.wait_for_function("() => window.__sse && window.__sse.open > 0")


def test_a_new_task_appears_on_the_desk_through_the_stream(database, new_page):
    build_world(database)
    staff = new_page(width=375, height=800)
    staff.add_init_script(COUNT_SSE)
    sign_in(staff, "staff1")
    staff.goto("/desk")
    _wait_open(staff)
    staff.evaluate("window.__same_page = true")
    request = submit(database, "member1", "union.join", answers={"people": 2})
    staff.locator(f"#queue-{request.number}").wait_for()
    assert staff.evaluate("window.__sse.message") >= 1 and staff.evaluate("window.__same_page") is True
    assert _no_sideways_scroll(staff)


def test_the_request_page_follows_its_request_and_carries_the_conversation(database, new_page):
    build_world(database)
    request = submit(database, "member1", "union.join", answers={"people": 2})
    member = new_page(width=375, height=800)
    member.add_init_script(COUNT_SSE)
    sign_in(member, "member1")
    member.goto(f"/requests/{request.number}")
    _wait_open(member)
    act(database, "staff1", request.number, Action.claim)
    member.locator(f"#timeline-{request.number} .event", has_text="已接单").wait_for()
    # Claimed: cancelling is no longer possible, and the panels say so without a reload.
    member.locator(f"#actions-{request.number} .action-cancel").wait_for(state="detached")

    member.fill(f"#message-{request.number}-text", "请问需要带哪些材料？")
    member.locator(f"#conversation-{request.number} button[type=submit]").click()
    member.locator(f"#timeline-{request.number} .event-message", has_text="请问需要带哪些材料？").wait_for()
    assert member.input_value(f"#message-{request.number}-text") == ""  # a fresh form
    assert _no_sideways_scroll(member)
    screenshot(member, "request-375-conversation")

    staff = new_page()
    staff.add_init_script(COUNT_SSE)
    sign_in(staff, "staff1")
    staff.goto(f"/requests/{request.number}")
    _wait_open(staff)
    staff.fill(f"#message-{request.number}-text", "带身份证即可")
    staff.locator(f"#conversation-{request.number} button[type=submit]").click()
    member.locator(f"#timeline-{request.number} .event-message", has_text="带身份证即可").wait_for()


def test_the_requesters_reply_shows_on_the_handlers_desk_row(database, new_page):
    build_world(database)
    request = submit(database, "member1", "union.join", answers={"people": 2})
    act(database, "staff1", request.number, Action.claim)
    act(database, "staff1", request.number, Action.suspend, note="请补充营业执照复印件")
    staff = new_page(width=375, height=800)
    staff.add_init_script(COUNT_SSE)
    sign_in(staff, "staff1")
    staff.goto("/desk")
    _wait_open(staff)
    member = new_page()
    sign_in(member, "member1")
    member.goto(f"/requests/{request.number}")
    member.fill(f"#message-{request.number}-text", "复印件已放在前台，请查收")
    member.locator(f"#conversation-{request.number} button[type=submit]").click()
    member.locator(f"#timeline-{request.number} .event-message").wait_for()
    # The desk's "My tasks" fetches itself again on the stream's word: the reply is on the row.
    staff.locator(f"#tasks-{request.number} .reply-note", has_text="复印件已放在前台").wait_for()
    assert "已挂起" in staff.locator(f"#tasks-{request.number}").inner_text()  # still suspended
    assert _no_sideways_scroll(staff)
    screenshot(staff, "desk-375-requester-reply")


def test_a_live_update_keeps_the_form_the_handler_opened_and_their_words(database, new_page):
    """The handler opened "complete" and began the note; a supervisor urges the request, so its
    page refreshes its summary and (a new version) its action panels live. The form stays open
    with the words typed (before, the new panels came closed and the note was gone)."""
    from playwright.sync_api import expect

    build_world(database)
    request = submit(database, "member1", "union.join", answers={"people": 2})
    act(database, "staff1", request.number, Action.claim)
    staff = new_page(width=375, height=800)
    staff.add_init_script(COUNT_SSE)
    sign_in(staff, "staff1")
    staff.goto(f"/requests/{request.number}")
    _wait_open(staff)
    staff.locator(".action-complete summary").click()
    staff.fill(f"#act-{request.number}-complete-note", "已办理一半")
    staff.locator("h1").click()  # focus leaves the form: nothing else holds the refresh back
    act(database, "supervisor1", request.number, Action.urge, note="请尽快")
    staff.locator(f"#summary-{request.number}", has_text="催办").wait_for()
    # The panels were replaced (they carry the new version) and came back as they were left.
    version = staff.locator(f"#act-{request.number}-complete input[name=version]")
    expect(version).to_have_value(str(request.version + 2))  # claim and urge since the submission
    expect(staff.locator(".action-complete details")).to_have_js_property("open", True)
    expect(staff.locator(f"#act-{request.number}-complete-note")).to_have_value("已办理一半")
