"""The whole request loop in a real browser, in Chinese, as four people in four browser
contexts: a member orders with an attachment, routing dispatches it, the department queue
shows it without a reload, two staff race to claim it (one wins, the other reads "已由 … 接单"
in the row), the winner completes it with a photo, the member sees the result and rates it,
the supervisor sees it closed. Along the way: the attachment downloads as an attachment, and
staff of another department get the 404 page."""

from __future__ import annotations

import re
import struct
import zlib

import pytest

from tests.e2e.conftest import screenshot, sign_in
from tests.factories import build_world

pytestmark = pytest.mark.browser

# The desk's queue fetches itself every 15 s: a new request shows within one round.
POLL_WAIT_MS = 22_000


def tiny_png(width: int = 8, height: int = 8, rgb: tuple[int, int, int] = (200, 30, 40)) -> bytes:
    """A real, valid PNG (one flat colour) built with zlib and struct."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    row = b"\x00" + bytes(rgb) * width  # filter type 0, then the pixels
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit RGB
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(row * height))
        + chunk(b"IEND", b"")
    )


def _file(name: str, rgb: tuple[int, int, int]) -> dict:
    return {"name": name, "mimeType": "image/png", "buffer": tiny_png(rgb=rgb)}


def test_order_dispatch_race_complete_rate_in_chinese(database, new_page):
    from playwright.sync_api import expect

    build_world(database)
    member, staff1, staff2, supervisor = new_page(), new_page(), new_page(), new_page()
    sign_in(member, "member1")
    sign_in(staff1, "staff1")
    sign_in(staff2, "staff2")
    sign_in(supervisor, "supervisor1")

    # Both desks are open before the request exists.
    for desk in (staff1, staff2):
        desk.goto("/desk")
        expect(desk.locator("h1")).to_have_text("部门工作台")
        desk.evaluate("window.__same_page = true")  # gone if the page reloads

    # The member orders union.join with its fields and a photo.
    member.goto("/menu/union.join")
    member.fill("#field-answers-people", "3")
    member.locator("input[name='answers.kind'][value=new]").check()
    member.fill("#field-description", "我们部门三人想加入工会")
    member.locator("#field-attachments").set_input_files([_file("现场照片.png", (30, 120, 200))])
    member.locator(".order-form [type=submit]").click()
    number_box = member.locator(".tracking-number")
    expect(number_box).to_have_text(re.compile(r"^LX-\d{8}-\d+$"))
    number = number_box.inner_text()

    # Routing placed it at once: waiting for the union department to claim it.
    summary = member.locator(f"#summary-{number}")
    expect(summary.locator(".chip-status-dispatched")).to_have_text("待接单")
    expect(summary).to_contain_text("union部")
    expect(member.locator(".request-details")).to_contain_text("新入会")
    expect(member.locator(".request-details .file-name")).to_have_text("现场照片.png")
    screenshot(member, "loop-submitted")

    # The attachment downloads as an attachment, under its own name.
    link = member.locator(".request-details .file-list a")
    with member.expect_download() as download_info:
        link.click()
    assert download_info.value.suggested_filename == "现场照片.png"
    response = member.request.get(link.get_attribute("href"))
    assert response.ok
    disposition = response.headers["content-disposition"]
    assert disposition.startswith("attachment") and "filename" in disposition
    assert response.headers["content-type"] == "image/png"
    assert response.body() == tiny_png(rgb=(30, 120, 200))

    # Both queues show the new row by themselves (the 15 s poll), without a reload.
    rows = {page: page.locator(f"#queue-{number}") for page in (staff1, staff2)}
    for page, row in rows.items():
        expect(row).to_be_visible(timeout=POLL_WAIT_MS)
        assert page.evaluate("window.__same_page") is True

    # Both click 接单 at (about) the same time: both buttons are found first, then clicked in the
    # browser back to back, staff2 first. (With Playwright's click, which waits for each button
    # to be visible and stable, a slow machine let staff2's claim and its live update redraw
    # staff1's row, without the button, before staff1 clicked: no race left to test.) Whoever
    # wins, the other reads who has it, in the row.
    buttons = {page: rows[page].locator("button", has_text="接单").element_handle() for page in (staff2, staff1)}
    for page in (staff2, staff1):
        buttons[page].evaluate("button => button.click()")
    outcome = {}
    for page, row in rows.items():
        # The winner's row leaves the queue (a line says where it went); the loser's says why not.
        won = page.locator(".work-row-done", has_text=number)
        expect(won.or_(row.locator(".work-error"))).to_be_visible()
        outcome[page] = "won" if won.count() else "lost"
    assert sorted(outcome.values()) == ["lost", "won"], outcome
    winner = staff1 if outcome[staff1] == "won" else staff2
    loser = staff2 if winner is staff1 else staff1
    winner_name = "Staff1" if winner is staff1 else "Staff2"
    expect(rows[loser].locator(".work-error")).to_contain_text(f"已由 {winner_name} 接单")
    expect(loser.locator("h1")).to_have_text("部门工作台")  # still the desk, no error page
    assert loser.evaluate("window.__same_page") is True
    screenshot(loser, "loop-desk-claim-lost")
    # The winner's other list caught up: the task is in "my tasks".
    expect(winner.locator(f"#tasks-{number}")).to_be_visible()

    # The winner completes it on the request page with a result note and a photo.
    winner.goto(f"/requests/{number}")
    expect(winner.locator(f"#summary-{number} .chip-status-claimed")).to_have_text("办理中")
    winner.locator(".action-complete summary").click()
    winner.fill(f"#act-{number}-complete-note", "已为三位同事办理入会手续")
    winner.locator(f"#act-{number}-complete-files").set_input_files([_file("入会回执.png", (20, 160, 60))])
    winner.locator(".action-complete button").click()
    expect(winner.locator(f"#summary-{number} .chip-status-completed")).to_have_text("待评价")
    screenshot(winner, "loop-completed-staff")

    # The member sees the result note and the evidence in the history, and rates it.
    member.goto(f"/requests/{number}")
    timeline = member.locator(f"#timeline-{number}")
    completed_event = timeline.locator(".event", has_text="已为三位同事办理入会手续")
    expect(completed_event).to_be_visible()
    expect(completed_event.locator(".file-name")).to_have_text("入会回执.png")
    member.locator(".action-rate summary").click()
    member.locator(".action-rate input[value=satisfied]").check()
    member.locator(".action-rate button").click()
    expect(member.locator(f"#summary-{number} .chip-status-closed")).to_have_text("已办结")
    expect(member.locator(f"#summary-{number} .rating")).to_contain_text("满意")
    screenshot(member, "loop-rated")
    member.set_viewport_size({"width": 375, "height": 800})
    assert member.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    screenshot(member, "loop-rated-375")

    # The supervisor sees it closed.
    supervisor.goto(f"/requests/{number}")
    expect(supervisor.locator(f"#summary-{number} .chip-status-closed")).to_have_text("已办结")
    expect(supervisor.locator(f"#timeline-{number}")).to_contain_text("已为三位同事办理入会手续")

    # Staff of another department may not see it: the 404 page, not a leak.
    staff3 = new_page()
    sign_in(staff3, "staff3")
    response = staff3.goto(f"/requests/{number}")
    assert response.status == 404
    expect(staff3.locator(".error-page h1")).to_have_text("页面不存在")
    expect(staff3.locator("body")).not_to_contain_text("我们部门三人想加入工会")
