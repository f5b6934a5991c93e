"""CSRF on pages and on cookie-authenticated API writes; bearer tokens are not affected."""

from __future__ import annotations

from fastapi.routing import APIRoute

from server.enums import Role
from server.http.csrf import CSRF_COOKIE, csrf_protect
from tests.web.conftest import PASSWORD, csrf_from


def _session_token(client) -> str:
    return csrf_from(client.get("/").text)


def test_sign_in_form_needs_the_double_submit_token(client, make_person):
    make_person("mei", Role.member)
    client.get("/login")
    data = {"username": "mei", "password": PASSWORD}
    assert client.post("/login", data=data, follow_redirects=False).status_code == 403
    assert client.post("/login", data={**data, "csrf_token": "made-up"}, follow_redirects=False).status_code == 403


def test_tampered_csrf_cookie_is_refused(client, make_person):
    make_person("mei", Role.member)
    token = csrf_from(client.get("/login").text)
    # An attacker who can plant cookies cannot sign them.
    client.cookies.set(CSRF_COOKIE, "chosen.0000")
    data = {"username": "mei", "password": PASSWORD, "csrf_token": "chosen"}
    assert client.post("/login", data=data, follow_redirects=False).status_code == 403
    assert token != "chosen"


def test_header_token_works_for_htmx(signed_in):
    client = signed_in(Role.member)
    token = _session_token(client)
    assert client.post("/logout", headers={"X-CSRF-Token": token}, follow_redirects=False).status_code == 303


def test_the_token_is_in_hx_headers_on_body(signed_in):
    client = signed_in(Role.member)
    page = client.get("/").text
    assert f"<body hx-headers='{{\"X-CSRF-Token\": \"{_session_token(client)}\"}}'>" in page


def test_cookie_authenticated_api_write_needs_the_header(signed_in):
    client = signed_in(Role.member)
    response = client.post("/api/v1/auth/revoke")
    assert response.status_code == 403
    assert response.headers["content-type"] == "application/problem+json"
    ok = client.post("/api/v1/auth/revoke", headers={"X-CSRF-Token": _session_token(client)})
    assert ok.status_code == 204


def test_cookie_authenticated_api_read_needs_no_token(signed_in):
    client = signed_in(Role.member, username="mei")
    response = client.get("/api/v1/auth/me")
    assert response.status_code == 200 and response.json()["username"] == "mei"


def test_bearer_tokens_are_unaffected(client, make_person):
    make_person("bot", Role.member)
    token = client.post("/api/v1/auth/token", data={"username": "bot", "password": PASSWORD}).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/auth/me", headers=headers).json()["username"] == "bot"
    assert client.post("/api/v1/auth/revoke", headers=headers).status_code == 204
    assert client.get("/api/v1/auth/me", headers=headers).status_code == 401


def test_every_unsafe_page_route_is_behind_csrf(app):
    """A page router mounted anywhere but server.web.site would skip the check: catch that."""
    for route in app.routes:
        if not isinstance(route, APIRoute) or route.path.startswith("/api/"):
            continue
        if route.methods & {"POST", "PUT", "PATCH", "DELETE"}:
            calls = {dep.call for dep in route.dependant.dependencies}
            assert csrf_protect in calls, f"{route.path} has no CSRF check"
