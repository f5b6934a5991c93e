"""A person disabled, or moved out of their department, loses access on their very next
request — the page, the API with a token, the desk's poll — with nothing cached in between."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from server.app import create_app
from server.models import Person
from tests.factories import PASSWORD, build_world
from tests.requests.helpers import submit
from tests.web.conftest import csrf_from


@pytest.fixture
def world(database):
    return build_world(database)


def _signed_in(app, username):
    client = TestClient(app, base_url="http://testserver")
    token = csrf_from(client.get("/login").text)
    response = client.post("/login", data={"username": username, "password": PASSWORD, "next": "/", "csrf_token": token},
                           follow_redirects=False)
    assert response.status_code == 303
    return client


def _bearer(client, username):
    response = client.post("/api/v1/auth/token", data={"username": username, "password": PASSWORD})
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def _change(database, username, **values):
    with database.write() as session:
        person = session.scalar(select(Person).where(Person.username == username))
        for key, value in values.items():
            setattr(person, key, value)


def test_a_disabled_person_is_out_at_once(settings, database, world):
    app = create_app(settings, database)
    number = submit(database, "member1", "union.join", answers={"people": 2}).number
    browser = _signed_in(app, "staff1")
    headers = _bearer(browser, "staff1")
    assert browser.get("/desk").status_code == 200
    assert browser.get(f"/api/v1/requests/{number}", headers=headers).status_code == 200
    _change(database, "staff1", active=False)
    assert browser.get("/desk", follow_redirects=False).status_code in (303, 401)
    assert browser.get("/desk", headers={"HX-Request": "true"}, follow_redirects=False).status_code == 401
    assert browser.get(f"/api/v1/requests/{number}", headers=headers).status_code == 401


def test_a_person_moved_out_of_the_department_loses_its_queue_at_once(settings, database, world):
    app = create_app(settings, database)
    number = submit(database, "member1", "union.join", answers={"people": 2}).number
    browser = _signed_in(app, "staff1")
    headers = _bearer(browser, "staff1")
    assert number in browser.get("/desk").text
    assert browser.get(f"/api/v1/requests/{number}", headers=headers).status_code == 200
    _change(database, "staff1", department_id=world.departments["legal"].id)
    assert number not in browser.get("/desk").text
    assert browser.get(f"/requests/{number}").status_code == 404
    assert browser.get(f"/api/v1/requests/{number}", headers=headers).status_code == 404
