"""GET /api/v1/notifications and marking read: the caller's own only, problem+json errors."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from server.app import create_app
from server.models import Notification, Person
from server.notifications import service as notifications
from tests.factories import PASSWORD, build_world


@pytest.fixture
def api(settings, database):
    build_world(database)
    with TestClient(create_app(settings, database)) as client:
        yield client


def bearer(api, username):
    token = api.post("/api/v1/auth/token", data={"username": username, "password": PASSWORD}).json()["access_token"]
    return {"Authorization": f"Bearer {token}"}


def _notify(database, username, count=1):
    with database.write() as session:
        person = session.scalar(select(Person).where(Person.username == username))
        for i in range(count):
            notifications.emit(session, "activity.promoted", ctx={"person_id": person.id}, link="/activities/1",
                               params={"title": f"活动{i}"})
        session.flush()
        return list(session.scalars(select(Notification.id).where(Notification.person_id == person.id)
                                    .order_by(Notification.id)))


def test_list_is_the_callers_own_in_their_language(api, database):
    _notify(database, "member1", 3)
    _notify(database, "member2", 1)
    answer = api.get("/api/v1/notifications", headers={**bearer(api, "member1"), "Accept-Language": "en"})
    assert answer.status_code == 200
    body = answer.json()
    assert body["unread"] == 3 and [i["text"] for i in body["items"]] == [
        "A place came free, it is yours: 活动2", "A place came free, it is yours: 活动1",
        "A place came free, it is yours: 活动0"]
    zh = api.get("/api/v1/notifications", headers={**bearer(api, "member1"), "Accept-Language": "zh-CN"}).json()
    assert zh["items"][0]["text"].startswith("有空位了")


def test_paging_and_unread_filter(api, database):
    ids = _notify(database, "member1", 5)
    headers = bearer(api, "member1")
    first = api.get("/api/v1/notifications?limit=2", headers=headers).json()
    assert len(first["items"]) == 2 and first["next_cursor"]
    rest = api.get(f"/api/v1/notifications?limit=10&cursor={first['next_cursor']}", headers=headers).json()
    assert len(rest["items"]) == 3 and rest["next_cursor"] is None
    assert api.post(f"/api/v1/notifications/{ids[0]}/read", headers=headers).status_code == 204
    unread = api.get("/api/v1/notifications?unread=true", headers=headers).json()
    assert ids[0] not in [i["id"] for i in unread["items"]] and unread["unread"] == 4
    bad = api.get("/api/v1/notifications?cursor=nonsense", headers=headers)
    assert bad.status_code == 422 and bad.headers["content-type"].startswith("application/problem+json")


def test_mark_read_refuses_anothers(api, database):
    theirs = _notify(database, "member2")
    headers = bearer(api, "member1")
    answer = api.post(f"/api/v1/notifications/{theirs[0]}/read", headers=headers)
    assert answer.status_code == 404 and answer.headers["content-type"].startswith("application/problem+json")
    with database.read() as session:
        assert session.get(Notification, theirs[0]).read_at is None


def test_mark_all_read(api, database):
    _notify(database, "member1", 4)
    headers = bearer(api, "member1")
    assert api.post("/api/v1/notifications/read", headers=headers).json() == {"marked": 4}
    assert api.get("/api/v1/notifications", headers=headers).json()["unread"] == 0


def test_signed_out_is_401(api):
    assert api.get("/api/v1/notifications").status_code == 401
