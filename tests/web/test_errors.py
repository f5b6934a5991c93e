"""Error pages: HTML in the layout and language for pages, problem+json for /api."""

from __future__ import annotations

from typing import Annotated

import pytest
from fastapi import Depends
from fastapi.testclient import TestClient

from server.enums import Role
from server.errors import Conflict, InvalidInput, Msg
from server.models import Person
from server.web.deps import require_roles

PROBLEM = "application/problem+json"


@pytest.fixture
def app_with_faults(app):
    @app.get("/_test/admin-only")
    def admin_only(person: Annotated[Person, Depends(require_roles(Role.admin))]):
        return {"ok": True}

    @app.get("/_test/conflict")
    def conflict():
        raise Conflict("Someone else changed this request first; reload it and try again.")

    @app.get("/_test/invalid")
    def invalid():
        raise InvalidInput("Some answers need attention.", {"room": Msg("At most {limit} characters.", limit=40)})

    @app.get("/_test/number")
    def number(n: int):
        return {"n": n}

    @app.get("/_test/boom")
    @app.get("/api/v1/_test/boom")
    def boom():
        raise RuntimeError("kaput")

    return app


@pytest.fixture
def faulty(app_with_faults):
    with TestClient(app_with_faults, raise_server_exceptions=False) as c:
        yield c


def _is_layout(html: str) -> bool:
    return html.startswith("<!doctype html>") and 'class="site-header"' in html and "<main" in html


def test_404_page_is_html_in_the_layout(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert _is_layout(response.text)
    assert "<h1>页面不存在</h1>" in response.text


def test_404_page_in_english(client):
    response = client.get("/no/such/page", headers={"Accept-Language": "en"})
    assert '<html lang="en">' in response.text and "<h1>Page not found</h1>" in response.text


def test_api_paths_keep_problem_json(client):
    response = client.get("/api/v1/no/such/thing")
    assert response.status_code == 404
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["status"] == 404
    unauthenticated = client.get("/api/v1/auth/me")
    assert unauthenticated.status_code == 401 and unauthenticated.headers["content-type"] == PROBLEM
    assert unauthenticated.headers["WWW-Authenticate"] == "Bearer"


def test_403_page_for_a_missing_role(faulty, make_person):
    from tests.web.conftest import sign_in

    make_person("mei", Role.member)
    sign_in(faulty, "mei")
    response = faulty.get("/_test/admin-only")
    assert response.status_code == 403 and _is_layout(response.text)
    assert "<h1>无权访问</h1>" in response.text
    assert "您无权打开此页面。" in response.text and "admin" not in response.text.split("<main")[1]


def test_401_on_a_page_redirects_to_sign_in(faulty):
    response = faulty.get("/_test/admin-only", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/_test/admin-only"


def test_409_and_422_pages_translate_the_message(faulty):
    conflict = faulty.get("/_test/conflict")
    assert conflict.status_code == 409 and _is_layout(conflict.text)
    assert "工单已被他人先行更改，请刷新后重试。" in conflict.text
    invalid = faulty.get("/_test/invalid", headers={"Accept-Language": "zh-TW"})
    assert invalid.status_code == 422
    assert "部分填寫內容需要修改。" in invalid.text and "最多 40 個字元。" in invalid.text
    bad_query = faulty.get("/_test/number", params={"n": "abc"})
    assert bad_query.status_code == 422 and "提交的部分内容无效。" in bad_query.text


def test_500_page_is_html_and_keeps_the_security_headers(faulty):
    response = faulty.get("/_test/boom")
    assert response.status_code == 500 and _is_layout(response.text)
    assert "系统出现问题" in response.text and "kaput" not in response.text
    assert "script-src 'self'" in response.headers["content-security-policy"]


def test_500_under_api_is_problem_json(faulty):
    response = faulty.get("/api/v1/_test/boom")
    assert response.status_code == 500 and response.headers["content-type"] == PROBLEM
    assert "kaput" not in response.text


def test_htmx_errors_are_retargeted_to_the_alert_region(faulty):
    response = faulty.get("/_test/conflict", headers={"HX-Request": "true"})
    assert response.status_code == 409
    assert response.headers["HX-Retarget"] == "#alerts" and response.headers["HX-Reswap"] == "innerHTML"
    assert "<html" not in response.text and 'role="alert"' in response.text


def test_an_oversized_form_gets_the_413_page(monkeypatch, database):
    from fastapi.testclient import TestClient

    from server.app import create_app
    from server.config import get_settings

    monkeypatch.setenv("LIANXIN_MAX_REQUEST_UPLOAD_BYTES", "1000")
    get_settings.cache_clear()
    with TestClient(create_app(get_settings(), database)) as client:
        response = client.post("/menu/anything", content=b"x" * (get_settings().max_body_bytes + 1),
                               headers={"Content-Type": "application/x-www-form-urlencoded"})
    get_settings.cache_clear()
    assert response.status_code == 413
    assert response.headers["content-type"].startswith("text/html")
    assert "<html" in response.text


def test_a_413_keeps_the_person_in_their_layout_and_names_the_limits(settings, database):

    from server.app import create_app
    from tests.factories import build_world
    from tests.requests.pages.requester_helpers import client_for, token

    small = settings.model_copy(update={"max_request_upload_bytes": 3 * 1024 * 1024, "max_upload_bytes": 2 * 1024 * 1024})
    build_world(database)
    with client_for(create_app(small, database), "member1") as client:
        csrf = token(client, "/menu/union.join")
        response = client.post("/menu/union.join", data={"csrf_token": csrf, "description": "x"},
                               files=[("attachments", ("大文件.pdf", b"%PDF" + b"0" * (5 * 1024 * 1024), "application/pdf"))])
    assert response.status_code == 413
    page = response.text
    assert "Member1" in page and 'href="/menu"' in page  # still signed in, with their menu
    assert "每个文件不超过 2 MB，合计不超过 3 MB" in page and "没有保存" in page
    assert response.headers["content-security-policy"]  # the web's headers on the refusal too
