"""Shared by the desk and dispatch board tests: people of ``build_world`` signed in through
the real /login form, each with a client of their own, and posts as htmx or a plain form
would send them."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from tests.factories import PASSWORD, build_world
from tests.web.conftest import csrf_from, sign_in

HTMX = {"HX-Request": "true"}


@pytest.fixture
def world(database):
    return build_world(database)


@pytest.fixture
def as_user(app, world):
    """as_user("staff1") → a client of its own, signed in as that person of the world."""
    clients = []

    def go(username: str) -> TestClient:
        client = TestClient(app, base_url="http://testserver")
        client.__enter__()
        clients.append(client)
        assert sign_in(client, username, PASSWORD).status_code == 303
        # The session's token, as the layout gives it to htmx and to every form.
        client.csrf = csrf_from(client.get("/").text)
        return client

    yield go
    for client in clients:
        client.__exit__(None, None, None)


def hx_post(client: TestClient, url: str, data: dict):
    """What htmx sends: its header, and the token from the layout's hx-headers."""
    return client.post(url, data=data, headers={**HTMX, "X-CSRF-Token": client.csrf})


def form_post(client: TestClient, url: str, data: dict):
    """What a browser without script sends: the form, with its csrf_token field."""
    return client.post(url, data={**data, "csrf_token": client.csrf}, follow_redirects=False)


def section(html: str, section_id: str) -> str:
    """The HTML of one <section> of a page, by its id."""
    match = re.search(rf'<section id="{section_id}".*?</section>', html, re.S)
    assert match, f"no section {section_id}"
    return match.group(0)
