"""Helpers for the admin page tests: a client signed in as the world's admin or anyone else."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from tests.factories import PASSWORD
from tests.web.conftest import csrf_from


def sign_in(client: TestClient, username: str, password: str = PASSWORD) -> TestClient:
    token = csrf_from(client.get("/login").text)
    response = client.post("/login", data={"username": username, "password": password, "next": "/",
                                           "csrf_token": token}, follow_redirects=False)
    assert response.status_code == 303, response.text
    return client


def csrf(client: TestClient, url: str = "/admin") -> str:
    return csrf_from(client.get(url).text)


def post(client: TestClient, url: str, data: dict | None = None, **kwargs):
    """POST a form from ``url``'s page with the CSRF token, without following redirects."""
    return client.post(url, data={**(data or {}), "csrf_token": csrf(client)}, follow_redirects=False, **kwargs)


def error_next_to(html: str, field: str) -> bool:
    """True when the page marks ``field`` invalid and shows its message."""
    field_id = "field-" + field.replace(".", "-")
    return bool(re.search(rf'id="{re.escape(field_id)}"[^>]*aria-invalid="true"', html)) and f'id="{field_id}-error"' in html
