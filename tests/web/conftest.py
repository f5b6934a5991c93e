"""Fixtures for page tests: the app on this test's database, a browser-like client, people."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient

from server.accounts import people
from server.accounts.passwords import hash_password
from server.app import create_app
from server.config import Settings
from server.db import Database
from server.enums import Role
from server.models import Department, Enterprise, Person

PASSWORD = "web-pass-1"
CSRF_INPUT = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_from(html: str) -> str:
    match = CSRF_INPUT.search(html)
    assert match, "no csrf_token field in the page"
    return match.group(1)


@pytest.fixture
def app(settings: Settings, database: Database):
    return create_app(settings, database)


@pytest.fixture
def client(app) -> Iterator[TestClient]:
    with TestClient(app, base_url="http://testserver") as c:
        yield c


@pytest.fixture
def make_person(database: Database) -> Callable[..., str]:
    """make_person("lily", Role.staff) → the username; staff and leads get a department,
    contacts an enterprise. With no roles at all (which the people service refuses) the row is
    made directly, for the pages that must cope with such an account."""

    def make(username: str, *roles: Role, locale: str | None = None) -> str:
        with database.write() as session:
            department_id = enterprise_id = None
            if {Role.staff, Role.lead} & set(roles):
                department = Department(code=f"d-{username}", name={"zh-Hans": "部门"}, kind="government")
                session.add(department)
                session.flush()
                department_id = department.id
            if Role.contact in roles:
                enterprise = Enterprise(name=f"{username} 企业")
                session.add(enterprise)
                session.flush()
                enterprise_id = enterprise.id
            if roles:
                person = people.add(session, people.PersonInput(
                    username=username, display_name=username.title(), roles=set(roles),
                    department_id=department_id, enterprise_id=enterprise_id,
                ), password_hash=hash_password(PASSWORD))
            else:
                person = Person(username=username, display_name=username.title(), password_hash=hash_password(PASSWORD))
                session.add(person)
            person.locale = locale
        return username

    return make


def sign_in(client: TestClient, username: str, password: str = PASSWORD, next: str = "/"):
    token = csrf_from(client.get("/login").text)
    return client.post(
        "/login", data={"username": username, "password": password, "next": next, "csrf_token": token},
        follow_redirects=False,
    )


@pytest.fixture
def signed_in(client: TestClient, make_person) -> Callable[..., TestClient]:
    """signed_in(Role.member) → the client, signed in as a new person with those roles."""
    counter = iter(range(1000))

    def go(*roles: Role, username: str | None = None) -> TestClient:
        name = make_person(username or f"user{next(counter)}", *roles)
        response = sign_in(client, name)
        assert response.status_code == 303, response.text
        return client

    return go
