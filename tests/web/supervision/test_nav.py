"""Who gets the links to the supervision pages and the public board, and where each signs in to."""

from __future__ import annotations

import re

from tests.factories import PASSWORD
from tests.web.conftest import sign_in


def nav_links(html: str) -> list[str]:
    nav = re.search(r'<nav class="site-nav".*?</nav>', html, re.S)
    return re.findall(r'<a href="([^"]+)"', nav.group(0)) if nav else []


def test_a_supervisor_signs_in_to_the_dashboard(client, world):
    assert sign_in(client, "supervisor1", PASSWORD).headers["location"] == "/"
    home = client.get("/", follow_redirects=False)
    assert home.status_code == 303 and home.headers["location"] == "/supervision"
    assert nav_links(client.get("/supervision").text) == ["/requests", "/supervision", "/pioneer", "/board", "/visits", "/rooms", "/activities"]


def test_a_lead_gets_a_home_with_the_desk_link_and_the_figures_link(as_user):
    client = as_user("lead1")
    home = client.get("/", follow_redirects=False)
    assert home.status_code == 200 and 'href="/desk"' in home.text and 'id="home-tasks"' in home.text
    assert nav_links(client.get("/desk").text) == ["/requests", "/desk", "/supervision", "/board", "/visits", "/rooms", "/activities"]


def test_an_admin_keeps_the_admin_home(as_user):
    client = as_user("admin1")
    assert client.get("/", follow_redirects=False).headers["location"] == "/admin"
    assert "/supervision" in nav_links(client.get("/board").text)


def test_staff_and_members_get_the_board_but_not_the_figures(as_user):
    for username in ("staff1", "member1", "dispatcher1"):
        links = nav_links(as_user(username).get("/board").text)
        assert "/board" in links and "/supervision" not in links, username
