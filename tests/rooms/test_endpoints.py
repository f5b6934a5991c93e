"""The rooms API: rooms, a room's bookings (others' without details), booking with its 409
naming the conflict, my bookings, cancel, approve and refuse, as problem+json errors."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from server.app import create_app
from tests.factories import PASSWORD, build_world
from tests.rooms.helpers import SHANGHAI, create_room
from tests.rooms.test_pages import booking_day


@pytest.fixture
def api(settings, database):
    build_world(database)
    with TestClient(create_app(settings, database)) as client:
        yield client


@pytest.fixture
def auth(api):
    tokens: dict[str, dict[str, str]] = {}

    def headers(username: str) -> dict[str, str]:
        if username not in tokens:
            response = api.post("/api/v1/auth/token", data={"username": username, "password": PASSWORD})
            assert response.status_code == 200, response.text
            tokens[username] = {"Authorization": f"Bearer {response.json()['access_token']}"}
        return tokens[username]

    return headers


@pytest.fixture
def rooms(database, api) -> dict[str, int]:
    with database.write() as session:
        return {"room": create_room(session).id,
                "hall": create_room(session, "报告厅", capacity=120, needs_approval=True).id}


def at(hour: int, minute: int = 0, days: int = 0) -> str:
    from datetime import datetime

    day = booking_day() + timedelta(days=days)
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=SHANGHAI).isoformat()


def body(room_id: int, start: str, end: str, **extra) -> dict:
    return {"room_id": room_id, "starts_at": start, "ends_at": end, "title": "支部学习", "expected_people": 10, **extra}


def problem(response, status: int) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    return response.json()


def test_rooms_and_a_booking_with_its_conflict(api, auth, rooms):
    listed = api.get("/api/v1/rooms", headers={**auth("member1"), "Accept-Language": "en"}).json()
    assert [r["name"] for r in listed] == ["Room 党员活动室", "Room 报告厅"]
    assert listed[0]["opening_hours"]["mon"] == [["09:00", "12:00"], ["13:30", "21:00"]]
    response = api.post("/api/v1/bookings", json=body(rooms["room"], at(10), at(11)), headers=auth("member1"))
    assert response.status_code == 201, response.text
    booking = response.json()
    assert booking["status"] == "approved" and booking["contact_phone"] == "13800138000"
    assert response.headers["location"] == f"/api/v1/bookings/{booking['id']}"

    refused = problem(api.post("/api/v1/bookings", json=body(rooms["room"], at(10, 30), at(12)), headers=auth("member2")), 409)
    assert refused["type"] == "/problems/booking-conflict"
    assert refused["detail"] == f"The room is already booked from {booking_day():%Y-%m-%d} 10:00 to 11:00."
    assert refused["conflict"]["booking_id"] == booking["id"] and refused["conflict"]["title"] is None

    # Others see the slot taken, without its details; the booker sees everything.
    day = booking_day().isoformat()
    theirs = api.get(f"/api/v1/rooms/{rooms['room']}/bookings?from={day}&to={day}", headers=auth("member2")).json()
    assert theirs == [{"id": booking["id"], "room_id": rooms["room"], "starts_at": theirs[0]["starts_at"],
                       "ends_at": theirs[0]["ends_at"], "status": "approved", "details": False, "version": None,
                       "title": None, "purpose": None, "expected_people": None, "contact_name": None,
                       "contact_phone": None, "decision_reason": None, "activity_id": None, "created_at": None}]
    problem(api.get(f"/api/v1/bookings/{booking['id']}", headers=auth("member2")), 404)
    mine = api.get("/api/v1/bookings/mine", headers=auth("member1")).json()
    assert [b["title"] for b in mine["items"]] == ["支部学习"]


def test_validation_and_crafted_input(api, auth, rooms):
    errors = problem(api.post("/api/v1/bookings", json=body(rooms["room"], at(11), at(14), expected_people=500),
                              headers=auth("member1")), 422)["errors"]
    assert set(errors) == {"starts_at", "expected_people"}
    far = body(rooms["room"], "9999-12-31T23:00:00+00:00", "9999-12-31T23:30:00+00:00")
    assert problem(api.post("/api/v1/bookings", json=far, headers=auth("member1")), 422)["errors"]
    naive = body(rooms["room"], "2026-12-10T10:00:00", "2026-12-10T11:00:00")
    problem(api.post("/api/v1/bookings", json=naive, headers=auth("member1")), 422)
    problem(api.post("/api/v1/bookings", json=body(999_999, at(10), at(11)), headers=auth("member1")), 404)
    problem(api.get(f"/api/v1/rooms/{rooms['room']}/bookings?from=2026-01-01&to=2026-12-31", headers=auth("member1")), 422)
    problem(api.get(f"/api/v1/rooms/{rooms['room']}/bookings?from=soon", headers=auth("member1")), 422)
    problem(api.get("/api/v1/bookings/mine?cursor=nonsense", headers=auth("member1")), 422)
    problem(api.get("/api/v1/rooms"), 401)


def test_the_centre_decides_and_the_booker_cancels(api, auth, rooms):
    waiting = api.post("/api/v1/bookings", json=body(rooms["hall"], at(14), at(16)), headers=auth("member1")).json()
    assert waiting["status"] == "requested"
    problem(api.get("/api/v1/bookings/pending", headers=auth("member1")), 403)
    pending = api.get("/api/v1/bookings/pending", headers=auth("dispatcher1")).json()
    assert [b["id"] for b in pending["items"]] == [waiting["id"]]
    problem(api.post(f"/api/v1/bookings/{waiting['id']}/approve", headers=auth("member1")), 403)
    problem(api.post(f"/api/v1/bookings/{waiting['id']}/refuse", json={"reason": ""}, headers=auth("dispatcher1")), 422)
    stale = problem(api.post(f"/api/v1/bookings/{waiting['id']}/approve", json={"version": 99}, headers=auth("dispatcher1")), 409)
    assert "changed this booking" in stale["detail"]
    approved = api.post(f"/api/v1/bookings/{waiting['id']}/approve", json={"version": waiting["version"]},
                        headers=auth("dispatcher1")).json()
    assert approved["status"] == "approved"
    again = problem(api.post(f"/api/v1/bookings/{waiting['id']}/refuse", json={"reason": "不行"},
                             headers=auth("dispatcher1")), 409)
    assert again["booking_status"] == "approved" and again["status"] == 409
    cancelled = api.post(f"/api/v1/bookings/{waiting['id']}/cancel", headers=auth("member1")).json()
    assert cancelled["status"] == "cancelled"
    # The slot is free again.
    assert api.post("/api/v1/bookings", json=body(rooms["hall"], at(14), at(16)), headers=auth("member2")).status_code == 201


def test_the_api_is_in_the_openapi_document(api):
    paths = api.get("/api/v1/openapi.json").json()["paths"]
    assert {"/api/v1/rooms", "/api/v1/rooms/{room_id}/bookings", "/api/v1/bookings", "/api/v1/bookings/mine",
            "/api/v1/bookings/{booking_id}/refuse"} <= set(paths)
    assert "409" in paths["/api/v1/bookings"]["post"]["responses"]
