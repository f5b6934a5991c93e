"""Chinese typography in a real browser: a CJK font draws Chinese pages (so full-width
punctuation looks right), and the due-soon tag is a warning, not another blue status chip."""

import pytest

from tests.e2e.conftest import sign_in
from tests.factories import build_world
from tests.requests.helpers import submit

pytestmark = pytest.mark.browser


def _first_font(page, selector: str) -> str:
    families = page.eval_on_selector(selector, "e => getComputedStyle(e).fontFamily")
    return families.split(",")[0].strip().strip('"')


@pytest.mark.parametrize(("lang", "font"), [("zh-Hans", "PingFang SC"), ("zh-Hant", "PingFang TC")])
def test_chinese_pages_put_a_chinese_font_first(database, new_page, live_server, lang, font):
    page = new_page()
    page.goto(f"{live_server}/lang/{lang}?next=/login")
    assert page.eval_on_selector("html", "e => e.lang") == lang
    assert _first_font(page, "body") == font


def test_english_pages_keep_the_system_font_first(database, new_page, live_server):
    page = new_page()
    page.goto(f"{live_server}/lang/en?next=/login")
    assert _first_font(page, "body") == "system-ui"


def test_the_due_soon_tag_does_not_look_like_a_status(database, new_page, live_server):
    build_world(database)
    submit(database, "member1", "union.join", answers={"people": 2})
    page = new_page()
    sign_in(page, "staff1")
    page.goto(f"{live_server}/desk")
    page.eval_on_selector("body", """b => b.insertAdjacentHTML('beforeend',
        '<span class="chip chip-flag-blue" id="t-flag">临期</span><span class="chip chip-status-dispatched" id="t-status">待接单</span>')""")
    style = "e => [getComputedStyle(e).backgroundColor, getComputedStyle(e).color, getComputedStyle(e, '::before').content]"
    flag = page.eval_on_selector("#t-flag", style)
    status = page.eval_on_selector("#t-status", style)
    assert flag[0] != status[0] and flag[1] != status[1]
    assert "⏱" in flag[2]
