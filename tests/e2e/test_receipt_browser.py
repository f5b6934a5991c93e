"""The receipt 回执 in a real browser: reached from the request page's link, printed (print
media) without the site's header and menus, and saved as a one-page PDF."""

import re

import pytest

from server.enums import Action, Rating
from tests.e2e.conftest import ARTIFACTS, screenshot, sign_in
from tests.factories import build_world
from tests.requests.helpers import act, submit

pytestmark = pytest.mark.browser


def test_the_receipt_prints_without_the_navigation(database, new_page):
    from playwright.sync_api import expect

    build_world(database)
    number = submit(database, "member1", "union.join", answers={"people": 2}).number
    act(database, "staff1", number, Action.claim)
    act(database, "staff1", number, Action.complete, note="已为您办理入会手续")
    act(database, "member1", number, Action.rate, rating=Rating.satisfied)

    page = new_page()
    sign_in(page, "member1")
    screenshot(page, "home-member")  # signed in: the member's home (请评价)
    page.goto(f"/requests/{number}")
    page.get_by_role("link", name="打印回执").click()
    page.wait_for_url(f"**/requests/{number}/receipt")
    expect(page.locator(".site-nav")).to_be_visible()  # on screen the way back is there

    page.emulate_media(media="print")
    for hidden in (".site-header", ".site-nav", ".receipt-tools", "[data-print]"):
        expect(page.locator(hidden)).to_be_hidden()
    expect(page.locator(".receipt-number")).to_have_text(number)
    expect(page.locator(".receipt-url")).to_contain_text(f"/requests/{number}")
    expect(page.locator(".receipt")).to_contain_text("已为您办理入会手续")
    large = page.eval_on_selector(".receipt-number", "e => parseFloat(getComputedStyle(e).fontSize)")
    body = page.eval_on_selector("body", "e => parseFloat(getComputedStyle(e).fontSize)")
    assert large >= 2 * body

    screenshot(page, "receipt-print")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    pdf = page.pdf(path=str(ARTIFACTS / "receipt.pdf"), format="A4", print_background=True)
    assert pdf.startswith(b"%PDF") and len(re.findall(rb"/Type\s*/Page(?!s)", pdf)) == 1  # one sheet
