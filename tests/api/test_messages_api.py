"""POST /api/v1/requests/{number}/messages: the conversation 沟通留言 through the API."""

from __future__ import annotations

import pytest

from server.enums import Action
from tests.requests.helpers import act, submit

pytestmark = pytest.mark.db


@pytest.fixture
def number(world, database):
    number = submit(database, "member1", "union.join", answers={"people": 1}).number
    act(database, "staff1", number, Action.claim)
    return number


def test_a_message_is_listed_with_the_events_and_changes_nothing(client, auth, number):
    before = client.get(f"/api/v1/requests/{number}", headers=auth("member1")).json()
    response = client.post(f"/api/v1/requests/{number}/messages", json={"text": "几楼?"}, headers=auth("staff1"))
    assert response.status_code == 201, response.text
    body = response.json()
    assert (body["action"], body["note"], body["public"], body["from_status"], body["to_status"]) == (
        "message", "几楼?", True, "claimed", "claimed")
    after = client.get(f"/api/v1/requests/{number}", headers=auth("member1")).json()
    assert (after["status"], after["version"]) == (before["status"], before["version"])
    events = client.get(f"/api/v1/requests/{number}/events", headers=auth("member1")).json()
    assert events[-1]["id"] == body["id"] and events[-1]["action"] == "message"


def test_an_internal_message_is_never_in_the_requesters_events(client, auth, number):
    response = client.post(f"/api/v1/requests/{number}/messages", json={"text": "staff note", "internal": True},
                           headers=auth("staff1"))
    assert response.status_code == 201 and response.json()["public"] is False
    mine = client.get(f"/api/v1/requests/{number}/events", headers=auth("member1")).json()
    assert "staff note" not in [e["note"] for e in mine]
    theirs = client.get(f"/api/v1/requests/{number}/events", headers=auth("lead1")).json()
    assert "staff note" in [e["note"] for e in theirs]


def test_refusals_are_problem_json(client, auth, number):
    url = f"/api/v1/requests/{number}/messages"
    internal = client.post(url, json={"text": "x", "internal": True}, headers=auth("member1"))
    assert internal.status_code == 403 and internal.headers["content-type"].startswith("application/problem+json")
    stranger = client.post(url, json={"text": "x"}, headers=auth("member2"))
    assert stranger.status_code == 404 and stranger.headers["content-type"].startswith("application/problem+json")
    blank = client.post(url, json={"text": "   "}, headers=auth("member1"))
    assert blank.status_code == 422 and blank.headers["content-type"].startswith("application/problem+json")
    unknown = client.post(url, json={"text": "x", "colour": "red"}, headers=auth("member1"))
    assert unknown.status_code in (400, 422)


def test_the_same_idempotency_key_posts_once(client, auth, number):
    url = f"/api/v1/requests/{number}/messages"
    headers = {**auth("member1"), "Idempotency-Key": "msg-1"}
    first = client.post(url, json={"text": "谢谢"}, headers=headers)
    again = client.post(url, json={"text": "谢谢"}, headers=headers)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"] and again.headers["Idempotent-Replayed"] == "true"
    other = client.post(url, json={"text": "另一句"}, headers=headers)
    assert other.status_code == 422
    events = client.get(f"/api/v1/requests/{number}/events", headers=auth("member1")).json()
    assert [e["note"] for e in events if e["action"] == "message"] == ["谢谢"]


def test_message_is_not_an_action_url(client, auth, number):
    response = client.post(f"/api/v1/requests/{number}/message", json={"note": "x"}, headers=auth("member1"))
    assert response.status_code == 404
