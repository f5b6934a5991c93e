"""The programme's API: the same rules and refusals as the pages, as problem+json."""

from __future__ import annotations

from datetime import timedelta

import pytest

from server.models import Activity, utcnow
from tests.activities.helpers import build, make_activity
from tests.factories import PASSWORD


@pytest.fixture
def world(database):
    return build(database, members=3)


@pytest.fixture
def auth(client, world):
    tokens: dict[str, dict[str, str]] = {}

    def headers(username: str) -> dict[str, str]:
        if username not in tokens:
            response = client.post("/api/v1/auth/token", data={"username": username, "password": PASSWORD})
            assert response.status_code == 200, response.text
            tokens[username] = {"Authorization": f"Bearer {response.json()['access_token']}"}
        return tokens[username]

    return headers


def _soon(database, world, **overrides):
    now = utcnow()
    overrides.setdefault("starts_at", now + timedelta(days=1))
    return make_activity(database, world, now=now, **overrides)


def test_the_programme_and_one_activity(client, auth, database, world):
    activity_id = _soon(database, world, capacity=2)
    listed = client.get("/api/v1/activities", headers=auth("member1"))
    assert listed.status_code == 200
    [item] = listed.json()
    assert (item["id"], item["places_left"], item["my_status"]) == (activity_id, 2, None)
    assert client.get(f"/api/v1/activities/{activity_id}", headers=auth("contact")).status_code == 200
    missing = client.get("/api/v1/activities/999999", headers=auth("member1"))
    assert missing.status_code == 404 and missing.headers["content-type"].startswith("application/problem+json")
    assert client.get("/api/v1/activities").status_code == 401
    bad = client.get("/api/v1/activities?from=2026-12-01T00:00:00Z&to=2027-12-01T00:00:00Z", headers=auth("member1"))
    assert bad.status_code == 422


def test_sign_up_wait_cancel_and_move_up(client, auth, database, world):
    activity_id = _soon(database, world, capacity=1)
    first = client.post(f"/api/v1/activities/{activity_id}/signup", headers=auth("member1"))
    assert first.status_code == 201 and first.json()["status"] == "signed_up"
    second = client.post(f"/api/v1/activities/{activity_id}/signup", headers=auth("member2"))
    assert second.json()["status"] == "waiting" and second.json()["waiting_place"] == 1
    again = client.post(f"/api/v1/activities/{activity_id}/signup", headers=auth("member2"))
    assert again.status_code == 409
    refused = client.post(f"/api/v1/activities/{activity_id}/signup", headers=auth("contact"))
    assert refused.status_code == 403
    assert client.delete(f"/api/v1/activities/{activity_id}/signup", headers=auth("member1")).status_code == 204
    assert client.get(f"/api/v1/activities/{activity_id}/signup", headers=auth("member2")).json()["status"] == "signed_up"
    assert client.get(f"/api/v1/activities/{activity_id}/signup", headers=auth("member1")).status_code == 404


def test_the_sign_up_list_is_for_the_organiser(client, auth, database, world):
    activity_id = _soon(database, world)
    client.post(f"/api/v1/activities/{activity_id}/signup", headers=auth("member1"))
    assert client.get(f"/api/v1/activities/{activity_id}/signups", headers=auth("member1")).status_code == 403
    rows = client.get(f"/api/v1/activities/{activity_id}/signups", headers=auth("lead")).json()
    assert [(r["name"], r["status"]) for r in rows] == [("Member1", "signed_up")]


def test_create_check_in_rate_and_approve(client, auth, database, world):
    now = utcnow()
    body = {"title": "微党课", "kind": "micro_lecture", "starts_at": (now + timedelta(minutes=5)).isoformat(),
            "ends_at": (now + timedelta(minutes=6)).isoformat(), "capacity": 10, "speaker_name": "王老师",
            "organiser_department_id": world.department_id}
    assert client.post("/api/v1/activities", json=body, headers=auth("member1")).status_code == 403
    assert client.post("/api/v1/activities", json={**body, "capacity": True}, headers=auth("lead")).status_code == 422
    made = client.post("/api/v1/activities", json=body, headers=auth("lead"))
    assert made.status_code == 201, made.text
    activity_id = made.json()["id"]
    client.post(f"/api/v1/activities/{activity_id}/signup", headers=auth("member1"))
    with database.read() as session:
        code = session.get(Activity, activity_id).checkin_code
    wrong = client.post(f"/api/v1/activities/{activity_id}/checkin", json={"code": "x"}, headers=auth("member1"))
    assert wrong.status_code == 422 and "code" in wrong.json()["errors"]
    ok = client.post(f"/api/v1/activities/{activity_id}/checkin", json={"code": code}, headers=auth("member1"))
    assert ok.json() == {"recorded": True}
    with database.write() as session:
        activity = session.get(Activity, activity_id)
        activity.starts_at, activity.ends_at = now - timedelta(hours=2), now - timedelta(hours=1)
    rating = client.post(f"/api/v1/activities/{activity_id}/ratings", json={"content": 5, "speaker": 4, "comment": "好"},
                         headers=auth("member1"))
    assert rating.status_code == 201, rating.text
    assert client.get(f"/api/v1/activities/{activity_id}/ratings", headers=auth("member2")).json() == []
    approved = client.put(f"/api/v1/activities/{activity_id}/ratings/{rating.json()['id']}/approval",
                          json={"approved": True}, headers=auth("lead"))
    assert approved.status_code == 200
    assert [r["comment"] for r in client.get(f"/api/v1/activities/{activity_id}/ratings", headers=auth("member2")).json()] == ["好"]
    assert client.post(f"/api/v1/activities/{activity_id}/ratings", json={"content": 5, "speaker": 4},
                       headers=auth("member2")).status_code == 403
    figures = client.get(f"/api/v1/activities/figures?from={(now - timedelta(days=1)).isoformat()}&to={(now + timedelta(days=1)).isoformat()}".replace("+", "%2B"),
                         headers=auth("admin"))
    assert figures.status_code == 200, figures.text
    assert (figures.json()["held"], figures.json()["attendance_rate"]) == (1, 1.0)
    assert client.get("/api/v1/activities/figures?from=2026-12-01T00:00:00Z&to=2026-12-02T00:00:00Z",
                      headers=auth("member1")).status_code == 403


def test_clubs(client, auth, world):
    clubs = client.get("/api/v1/clubs", headers=auth("member1")).json()
    assert [c["name"] for c in clubs] == ["合唱团"]
    club_id = clubs[0]["id"]
    assert client.post(f"/api/v1/clubs/{club_id}/membership", headers=auth("member1")).json()["status"] == "member"
    assert client.post(f"/api/v1/clubs/{club_id}/membership", headers=auth("member1")).status_code == 409
    assert client.get(f"/api/v1/clubs/{club_id}", headers=auth("member1")).json()["my_status"] == "member"
    assert client.delete(f"/api/v1/clubs/{club_id}/membership", headers=auth("member1")).status_code == 204
    assert client.get("/api/v1/clubs/424242", headers=auth("member1")).status_code == 404
