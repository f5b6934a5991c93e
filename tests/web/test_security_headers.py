"""The security headers are added once, by the outermost layer (server.request_log with
server.web.security): every kind of answer carries them — a page, its 304, the API, a static
file, an error page, a refused body, a streamed export, the error middleware's 500 — and an
answer's own header of the same name stays."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from server.web.security import CONTENT_SECURITY_POLICY, STRICT_TRANSPORT_SECURITY
from tests.requests.helpers import submit
from tests.requests.pages import worklist_support
from tests.requests.pages.worklist_support import HTMX

world = worklist_support.world
as_user = worklist_support.as_user


def assert_page_headers(response) -> None:
    assert response.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "same-origin"
    assert response.headers["x-request-id"]
    # Each once: added in one place, not by two layers.
    for name in ("content-security-policy", "x-content-type-options", "referrer-policy", "x-request-id"):
        assert len(response.headers.get_list(name)) == 1, name


def test_a_page_and_its_304(database, as_user):
    submit(database, "member1", "union.join", answers={"people": 2})
    client = as_user("staff1")
    page = client.get("/desk")
    assert page.status_code == 200
    assert_page_headers(page)
    poll = client.get("/desk?part=queue", headers=HTMX)
    unchanged = client.get("/desk?part=queue", headers={**HTMX, "If-None-Match": poll.headers["ETag"]})
    assert unchanged.status_code == 304
    assert_page_headers(unchanged)


def test_the_api_is_not_stored_and_gets_no_page_policy(as_user):
    answer = as_user("staff1").get("/api/v1/requests")
    assert answer.status_code == 200
    assert answer.headers["cache-control"] == "no-store"
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert "content-security-policy" not in answer.headers


def test_a_static_file_keeps_its_own_caching(client):
    answer = client.get("/static/app.css")
    assert answer.status_code == 200
    assert_page_headers(answer)
    assert answer.headers.get_list("cache-control") == ["public, max-age=31536000, immutable"]


@pytest.mark.parametrize("method, path, headers", [
    ("GET", "/no-such-page", {}),
    ("POST", "/login", {"Content-Length": str(10**9), "Content-Type": "application/x-www-form-urlencoded"}),
])
def test_error_pages(client, method, path, headers):
    answer = client.request(method, path, headers=headers, content=b"x" if method == "POST" else None)
    assert answer.status_code in (404, 413)
    assert_page_headers(answer)


def test_a_streamed_export(as_user):
    with as_user("supervisor1").stream("GET", "/requests/export", params={"format": "csv"}) as answer:
        assert answer.status_code == 200
        assert_page_headers(answer)


def test_hsts_over_https(app):
    with TestClient(app, base_url="https://testserver") as client:
        page = client.get("/login")
        api = client.get("/api/v1/openapi.json")
    assert page.headers["strict-transport-security"] == STRICT_TRANSPORT_SECURITY
    assert api.headers["strict-transport-security"] == STRICT_TRANSPORT_SECURITY
    with TestClient(app, base_url="http://testserver") as client:
        assert "strict-transport-security" not in client.get("/login").headers
