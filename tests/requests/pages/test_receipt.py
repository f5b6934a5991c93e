"""The printable receipt 回执: what it says, what it leaves out, who may see it (the request
page's visibility), and the link to it on the request page."""

from __future__ import annotations

import re

import pytest

from server.enums import Action, Rating
from tests.factories import build_world
from tests.requests.helpers import act, submit
from tests.requests.pages.requester_helpers import client_for


@pytest.fixture
def world(database):
    return build_world(database)


def _rated(database) -> str:
    number = submit(database, "member1", "union.join", answers={"people": 2}).number
    act(database, "staff1", number, Action.claim)
    act(database, "staff1", number, Action.complete, note="已为您办理入会手续")
    act(database, "member1", number, Action.rate, rating=Rating.satisfied, note="很及时")
    return number


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_the_receipt_shows_the_request_without_its_actions(app, world, database):
    number = _rated(database)
    response = client_for(app, "member1").get(f"/requests/{number}/receipt")
    assert response.status_code == 200
    html = response.text
    text = _text(html)
    assert f'<p class="receipt-number">{number}</p>' in html
    for shown in ("服务union.join", "Member1", "一号企业", "union部", "Staff1", "已为您办理入会手续", "满意", "很及时",
                  "提交时间", "接单时间", "办结时间"):
        assert shown in text, shown
    assert f"http://testserver/requests/{number}" in text  # the paper leads back
    assert "/actions/" not in html and "action-panels" not in html
    assert re.search(r'<link rel="stylesheet" href="/static/print\.css[^"]*" media="print">', html)


def test_an_open_request_says_what_is_still_to_come(app, world, database):
    number = submit(database, "member1", "legal.aid").number
    text = _text(client_for(app, "member1").get(f"/requests/{number}/receipt").text)
    assert "尚未办结" in text and "尚未评价" in text


@pytest.mark.parametrize("username", ["member2", "contact2", "staff3"])
def test_those_who_may_not_see_the_request_get_the_404(app, world, database, username):
    number = submit(database, "member1", "union.join", answers={"people": 2}).number
    client = client_for(app, username)
    assert client.get(f"/requests/{number}").status_code == 404
    assert client.get(f"/requests/{number}/receipt").status_code == 404


def test_its_enterprise_contact_and_the_department_may_print_it(app, world, database):
    number = submit(database, "member1", "union.join", answers={"people": 2}).number
    for username in ("contact1", "staff2", "dispatcher1"):
        assert client_for(app, username).get(f"/requests/{number}/receipt").status_code == 200, username


def test_the_request_page_links_to_its_receipt(app, world, database):
    number = submit(database, "member1", "legal.aid").number
    page = client_for(app, "member1").get(f"/requests/{number}").text
    assert f'<a href="/requests/{number}/receipt">打印回执</a>' in page


def test_an_unknown_number_is_a_404(app, world):
    assert client_for(app, "member1").get("/requests/LX-20990101-0001/receipt").status_code == 404
