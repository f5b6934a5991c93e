"""The forced password change after an admin reset: sign-in lands on the change page, every
other page redirects there, the API answers 403, and all is normal once it is changed."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from server.accounts import people as people_service
from server.app import create_app
from server.models import Person
from tests.admin.pages import error_next_to, sign_in
from tests.factories import PASSWORD
from tests.web.conftest import csrf_from


@pytest.fixture
def client(settings, database, world):
    with TestClient(create_app(settings, database), base_url="http://testserver") as c:
        yield c


@pytest.fixture
def temporary(database, world, admin):
    with database.write() as session:
        return people_service.reset_password(session, admin, session.get(Person, world["member1"].id))


def _login(client, password):
    token = csrf_from(client.get("/login").text)
    return client.post("/login", data={"username": "member1", "password": password, "next": "/requests",
                                       "csrf_token": token}, follow_redirects=False)


def _change(client, current, new, repeat=None):
    page = client.get("/account/password")
    return client.post("/account/password", data={
        "current_password": current, "new_password": new, "repeat_password": new if repeat is None else repeat,
        "next": "/requests", "csrf_token": csrf_from(page.text)}, follow_redirects=False)


def test_forced_change_flow(client, temporary):
    assert _login(client, PASSWORD).status_code == 401  # the old password is gone
    response = _login(client, temporary)
    assert response.status_code == 303 and response.headers["location"].startswith("/account/password")
    assert 'id="password-forced"' in client.get(response.headers["location"]).text
    blocked = client.get("/requests", follow_redirects=False)
    assert blocked.status_code == 303 and blocked.headers["location"].startswith("/account/password")
    assert client.get("/", headers={"HX-Request": "true"}, follow_redirects=False).headers["HX-Redirect"]
    assert client.get("/api/v1/auth/me").status_code == 403
    assert client.get("/lang/en", follow_redirects=False).status_code == 303

    client.get("/lang/zh-Hans")
    response = _change(client, temporary, "short")
    assert response.status_code == 422 and error_next_to(response.text, "new_password")
    assert "密码至少需要 8 个字符" in response.text
    for common in ("password1", "woaini1314"):
        response = _change(client, temporary, common)
        assert response.status_code == 422 and "这是最常见的密码之一" in response.text
    response = _change(client, temporary, "member1-pass-9")
    assert response.status_code == 422 and "密码不能包含用户名" in response.text
    response = _change(client, "wrong-1234", "better-pass-2")
    assert response.status_code == 422 and error_next_to(response.text, "current_password")
    response = _change(client, temporary, "better-pass-2", "better-pass-3")
    assert response.status_code == 422 and error_next_to(response.text, "repeat_password")

    response = _change(client, temporary, "better-pass-2")
    assert response.status_code == 303 and response.headers["location"] == "/requests"
    assert client.get("/api/v1/auth/me").status_code == 200
    assert client.get("/admin", follow_redirects=False).status_code == 403  # normal rules again, no redirect


def test_bearer_token_gets_403_until_changed(client, temporary):
    response = client.post("/api/v1/auth/token", data={"username": "member1", "password": temporary})
    assert response.status_code == 200
    headers = {"Authorization": f"Bearer {response.json()['access_token']}"}
    answer = client.get("/api/v1/auth/me", headers=headers)
    assert answer.status_code == 403 and "password" in answer.json()["detail"]


def test_anyone_may_change_their_own_password(client, world):
    sign_in(client, "member2")
    assert 'id="password-forced"' not in client.get("/account/password").text
    page = client.get("/account/password")
    response = client.post("/account/password", data={
        "current_password": PASSWORD, "new_password": "another-pass-9", "repeat_password": "another-pass-9",
        "next": "/", "csrf_token": csrf_from(page.text)}, follow_redirects=False)
    assert response.status_code == 303
    client.cookies.clear()
    assert sign_in(client, "member2", "another-pass-9")


def test_signed_out_visitors_are_sent_to_sign_in(client):
    response = client.get("/account/password", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/login")
