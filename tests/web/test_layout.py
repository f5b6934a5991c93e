"""The layout: who you are, your roles, the links your roles may use; headers; static files."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from server.enums import Role


def _nav_links(html: str) -> list[str]:
    nav = re.search(r'<nav class="site-nav".*?</nav>', html, re.S)
    return re.findall(r'<a href="([^"]+)"', nav.group(0)) if nav else []


def test_header_shows_the_person_roles_and_their_links(signed_in):
    client = signed_in(Role.dispatcher, Role.supervisor, username="dora")
    page = client.get("/").text
    assert '<span class="person-name">Dora</span>' in page
    assert "派单员" in page and "督办" in page
    assert _nav_links(page) == ["/requests", "/dispatch", "/supervision", "/pioneer", "/board", "/visits", "/rooms", "/activities"]
    assert "退出登录" in page


def test_member_sees_only_member_links(signed_in):
    page = signed_in(Role.member).get("/").text
    assert _nav_links(page) == ["/menu", "/requests", "/pioneer", "/board", "/rooms", "/activities", "/clubs"]
    assert "/dispatch" not in page and "/admin" not in page


def test_every_area_for_someone_with_every_role(signed_in):
    page = signed_in(*Role).get("/").text
    assert _nav_links(page) == ["/menu", "/requests", "/desk", "/dispatch", "/supervision", "/admin", "/pioneer", "/board", "/visits",
                                "/visits/log", "/rooms", "/activities", "/clubs"]


def test_home_sends_a_one_area_person_straight_there(signed_in):
    response = signed_in(Role.admin).get("/", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/admin"


def test_home_lists_the_areas_for_several(signed_in):
    page = signed_in(Role.staff, Role.dispatcher).get("/").text
    assert 'class="card" href="/desk"' in page and 'class="card" href="/dispatch"' in page


def test_person_without_roles_is_told_so(signed_in):
    page = signed_in().get("/").text
    assert "您的账号还没有角色" in page


def test_security_headers_on_pages(client):
    response = client.get("/login")
    assert response.headers["content-security-policy"] == (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'"
    )
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "same-origin"


def test_api_gets_nosniff_but_not_the_page_csp(client):
    response = client.get("/api/v1/openapi.json")
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "content-security-policy" not in response.headers


def test_personal_pages_are_not_cached(signed_in):
    assert signed_in(Role.member).get("/").headers["cache-control"] == "no-store"


def test_no_inline_script_or_style(signed_in):
    page = signed_in(Role.member, Role.staff).get("/").text
    assert all('src="/static/' in tag for tag in re.findall(r"<script[^>]*>", page))
    assert "<style" not in page and " style=" not in page and " on" + "click=" not in page
    assert '<meta name="htmx-config"' in page and '"allowEval":false' in page


def test_htmx_is_served_with_long_caching(client):
    page = client.get("/login").text
    assert '<script src="/static/vendor/htmx-2.0.11.min.js" defer></script>' in page
    response = client.get("/static/vendor/htmx-2.0.11.min.js")
    assert response.status_code == 200
    assert "max-age=31536000" in response.headers["cache-control"]
    assert b"htmx" in response.content[:200]
    assert client.get("/static/no-such-file.js").status_code == 404


def test_own_static_files_are_versioned_by_content(client):
    page = client.get("/login").text
    css = re.search(r'href="(/static/app\.css\?v=[0-9a-f]{12})"', page).group(1)
    assert client.get(css).status_code == 200


def test_api_answers_are_never_stored_and_hsts_only_over_https(client, settings, database):
    from server.app import create_app

    assert client.get("/api/v1/openapi.json").headers["cache-control"] == "no-store"
    assert "strict-transport-security" not in client.get("/login").headers
    with TestClient(create_app(settings, database), base_url="https://testserver") as secure:
        assert secure.get("/login").headers["strict-transport-security"] == "max-age=31536000"


def test_the_programme_rooms_and_clubs_share_one_menu(signed_in):
    page = signed_in(Role.member).get("/activities").text
    menu = re.search(r'<details class="nav-group( is-current)?">.*?</details>', page, re.S)
    assert menu and menu.group(1) == " is-current"  # on one of its pages
    assert "活动与阵地" in menu.group(0)
    assert re.findall(r'<a href="([^"]+)"', menu.group(0)) == ["/rooms", "/activities", "/clubs"]
    assert '<details class="nav-group">' in signed_in(Role.member).get("/menu").text  # elsewhere: not current
