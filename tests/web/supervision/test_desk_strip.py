"""A lead's department figures at the top of the desk: the last 30 days, linked to the
dashboard filtered to their department; staff see no figures."""

from __future__ import annotations

import re
from html import unescape

from tests.requests.helpers import submit


def strip(html: str) -> str | None:
    match = re.search(r'<section class="sv-strip".*?</section>', html, re.S)
    return match.group(0) if match else None


def test_a_lead_sees_their_departments_last_30_days(database, as_user):
    for _ in range(2):
        submit(database, "member1", "union.join", answers={"people": 2})
    submit(database, "member1", "legal.aid")
    html = as_user("lead1").get("/desk").text
    shown = strip(html)
    assert shown and "我的部门（近 30 天）" in shown
    submitted = re.search(r'<dt>已提交</dt>\s*<dd>\s*<a class="sv-value" href="([^"]*)"[^>]*>([^<]*)</a>', shown)
    assert submitted.group(2) == "2"  # union's two, not legal's
    assert "&department=union" in unescape(submitted.group(1)) and unescape(submitted.group(1)).startswith("/requests?from=")
    assert 'href="/supervision?period=30d&amp;department=union"' in shown
    assert 'href="/supervision/overdue">超时清单</a>' in shown  # their department's overdue list
    assert "<dt>响应率</dt>" in shown and ">—<" in shown  # nothing claimed or due yet: no rate
    assert html.index("sv-strip") < html.index('id="desk-queue"')


def test_staff_see_no_figures_on_the_desk(as_user):
    html = as_user("staff1").get("/desk").text
    assert strip(html) is None and "supervision.css" not in html


def test_the_desks_live_parts_carry_no_strip(as_user):
    part = as_user("lead1").get("/desk?part=queue", headers={"HX-Request": "true"}).text
    assert strip(part) is None
