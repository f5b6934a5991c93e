"""The conversation form on the request page 沟通留言: CSRF, without script, with htmx, a photo,
staff-only messages, a double click, and the requester's reply on the handler's desk row."""

from __future__ import annotations

import re

import pytest

from server.enums import Action
from tests.factories import build_world
from tests.requests.helpers import act, load, submit
from tests.requests.pages.requester_helpers import JPEG, PDF, client_for

pytestmark = pytest.mark.db


@pytest.fixture
def world(database):
    return build_world(database)


@pytest.fixture
def number(world, database):
    number = submit(database, "member1", "union.join", answers={"people": 1}).number
    act(database, "staff1", number, Action.claim)
    act(database, "staff1", number, Action.suspend, note="请带身份证")
    return number


def form_of(client, number):
    html = client.get(f"/requests/{number}").text
    section = re.search(r'<section id="conversation-.*?</section>', html, re.S).group(0)
    return {
        "csrf_token": re.search(r'name="csrf_token" value="([^"]+)"', section).group(1),
        "message_key": re.search(r'name="message_key" value="([^"]+)"', section).group(1),
    }, section


def timeline(html):
    return re.search(r'<section id="timeline-.*?</section>', html, re.S).group(0)


def test_without_script_a_message_redirects_to_the_history(app, number, database):
    client = client_for(app, "member1")
    fields, section = form_of(client, number)
    assert 'enctype="multipart/form-data"' in section and "internal" not in section  # no staff-only box
    response = client.post(f"/requests/{number}/messages", data={**fields, "text": "身份证已带来"}, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == f"/requests/{number}#timeline-{number}"
    assert "身份证已带来" in timeline(client.get(f"/requests/{number}").text)
    assert load(database, number).status == "suspended"


def test_without_the_csrf_token_nothing_is_posted(app, number):
    client = client_for(app, "member1")
    fields, _ = form_of(client, number)
    response = client.post(f"/requests/{number}/messages", data={"message_key": fields["message_key"], "text": "hi"})
    assert response.status_code == 403
    assert "hi" not in timeline(client.get(f"/requests/{number}").text)


def test_a_double_click_posts_once(app, number):
    client = client_for(app, "member1")
    fields, _ = form_of(client, number)
    for _ in range(2):
        client.post(f"/requests/{number}/messages", data={**fields, "text": "在吗"}, follow_redirects=False)
    assert timeline(client.get(f"/requests/{number}").text).count("在吗") == 1


def test_with_htmx_the_answer_is_a_fresh_form_and_the_timeline(app, number):
    client = client_for(app, "staff1")
    fields, section = form_of(client, number)
    assert 'name="internal"' in section
    response = client.post(f"/requests/{number}/messages", data={**fields, "text": "几楼?"}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert f'id="conversation-{number}"' in response.text and 'hx-swap-oob="true"' in response.text
    assert "几楼?" in response.text and fields["message_key"] not in response.text
    assert "<html" not in response.text


def test_an_empty_message_is_refused_on_its_field(app, number):
    client = client_for(app, "member1")
    fields, _ = form_of(client, number)
    response = client.post(f"/requests/{number}/messages", data={**fields, "text": "  "})
    assert response.status_code == 422 and 'aria-invalid="true"' in response.text


def test_a_photo_goes_with_the_message_and_only_a_photo(app, number):
    client = client_for(app, "member1")
    fields, _ = form_of(client, number)
    refused = client.post(f"/requests/{number}/messages", data={**fields, "text": "文件"},
                          files={"photo": ("a.pdf", PDF, "application/pdf")})
    assert refused.status_code == 422
    fields, _ = form_of(client, number)
    response = client.post(f"/requests/{number}/messages", data={**fields, "text": "漏水处"},
                           files={"photo": ("leak.jpg", JPEG, "image/jpeg")}, follow_redirects=False)
    assert response.status_code == 303
    history = timeline(client.get(f"/requests/{number}").text)
    link = re.search(r'href="(/attachments/\d+[^"]*)"', history).group(1)
    assert client.get(link).status_code == 200


def test_a_staff_only_message_and_its_photo_stay_hidden_from_the_requester(app, number):
    staff = client_for(app, "staff1")
    fields, _ = form_of(staff, number)
    staff.post(f"/requests/{number}/messages", data={**fields, "text": "内部：上次未到场", "internal": "1"},
               files={"photo": ("x.jpg", JPEG, "image/jpeg")}, follow_redirects=False)
    history = timeline(staff.get(f"/requests/{number}").text)
    assert "内部：上次未到场" in history
    link = re.search(r'href="(/attachments/\d+)[^"]*"', history).group(1)
    requester = client_for(app, "member1")
    assert "内部：上次未到场" not in requester.get(f"/requests/{number}").text
    assert requester.get(link).status_code == 404
    fields, _ = form_of(requester, number)
    forged = requester.post(f"/requests/{number}/messages", data={**fields, "text": "x", "internal": "1"})
    assert forged.status_code == 403


def test_the_handlers_desk_row_shows_the_requesters_reply(app, number, database):
    client = client_for(app, "member1")
    fields, _ = form_of(client, number)
    client.post(f"/requests/{number}/messages", data={**fields, "text": "材料已备齐"}, follow_redirects=False)
    desk = client_for(app, "staff1").get("/desk").text
    row = re.search(rf'<li class="work-row[^"]*" id="tasks-{number}".*?</li>', desk, re.S).group(0)
    assert "材料已备齐" in row and "reply-note" in row
