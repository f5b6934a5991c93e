"""The bell, /notifications and /account/notifications: what a person sees, marking read
with CSRF and with JavaScript off, and that nobody reaches another's notifications."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from server.enums import Role
from server.models import Notification, Person
from server.notifications import service as notifications
from tests.web.conftest import csrf_from


def _notify(database, username: str, count: int = 1, *, link: str = "/requests/LX-20261203-0001") -> list[int]:
    with database.write() as session:
        person = session.scalar(select(Person).where(Person.username == username))
        for i in range(count):
            notifications.emit(session, "activity.promoted", ctx={"person_id": person.id},
                               params={"title": f"主题党日 {i}"}, link=link)
        session.flush()
        return list(session.scalars(select(Notification.id).where(Notification.person_id == person.id)
                                    .order_by(Notification.id)))


def _bell(html: str) -> str | None:
    match = re.search(r'<span class="bell-count">([^<]+)<', html)
    return match.group(1) if match else None


def test_the_bell_counts_unread_on_every_page(database, signed_in):
    client = signed_in(Role.member, username="mia")
    assert _bell(client.get("/").text) is None
    _notify(database, "mia", 3)
    assert _bell(client.get("/").text) == "3"
    assert _bell(client.get("/rooms").text) == "3"


def test_the_bell_stops_at_99(database, signed_in):
    client = signed_in(Role.member, username="mia")
    _notify(database, "mia", 101)
    assert _bell(client.get("/").text) == "99+"


def test_the_page_lists_newest_first_and_opening_one_marks_it_read(database, signed_in):
    client = signed_in(Role.member, username="mia")
    ids = _notify(database, "mia", 2)
    page = client.get("/notifications")
    assert page.status_code == 200
    assert page.text.index("主题党日 1") < page.text.index("主题党日 0")
    response = client.post(f"/notifications/{ids[0]}/open", data={"csrf_token": csrf_from(page.text)},
                           follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/requests/LX-20261203-0001"
    assert _bell(client.get("/notifications").text) == "1"


def test_mark_one_and_mark_all_read(database, signed_in):
    client = signed_in(Role.member, username="mia")
    ids = _notify(database, "mia", 3)
    token = csrf_from(client.get("/notifications").text)
    assert client.post(f"/notifications/{ids[1]}/read", data={"csrf_token": token}, follow_redirects=False).status_code == 303
    assert _bell(client.get("/").text) == "2"
    assert client.post("/notifications/read-all", data={"csrf_token": token}, follow_redirects=False).status_code == 303
    assert _bell(client.get("/").text) is None
    assert "Mark read" not in client.get("/notifications?unread=true").text


def test_marking_needs_the_csrf_token(database, signed_in):
    client = signed_in(Role.member, username="mia")
    ids = _notify(database, "mia")
    assert client.post(f"/notifications/{ids[0]}/read", data={}).status_code == 403
    assert client.post("/notifications/read-all", data={}).status_code == 403
    assert _bell(client.get("/").text) == "1"


def test_nobody_reads_or_marks_anothers(database, signed_in, make_person):
    make_person("other", Role.member)
    ids = _notify(database, "other")
    client = signed_in(Role.member, username="mia")
    assert "主题党日" not in client.get("/notifications").text
    token = csrf_from(client.get("/notifications").text)
    assert client.post(f"/notifications/{ids[0]}/open", data={"csrf_token": token}).status_code == 404
    assert client.post(f"/notifications/{ids[0]}/read", data={"csrf_token": token}).status_code == 404
    with database.read() as session:
        assert session.get(Notification, ids[0]).read_at is None


@pytest.mark.parametrize("link", ["//evil.example/x", "/\\evil.example/x", "/\tevil", "https://evil.example/"])
def test_a_link_elsewhere_is_never_followed(database, signed_in, link):
    client = signed_in(Role.member, username="mia")
    ids = _notify(database, "mia", link=link)
    token = csrf_from(client.get("/notifications").text)
    response = client.post(f"/notifications/{ids[0]}/open", data={"csrf_token": token}, follow_redirects=False)
    assert response.headers["location"] == "/notifications"


def test_the_list_pages_by_cursor(database, signed_in):
    client = signed_in(Role.member, username="mia")
    _notify(database, "mia", 25)
    first = client.get("/notifications").text
    assert first.count('class="notification ') + first.count('class="notification"') == 20
    cursor = re.search(r'href="/notifications\?cursor=([^"&]+)"', first).group(1)
    second = client.get(f"/notifications?cursor={cursor}", headers={"HX-Request": "true"}).text
    assert second.count("主题党日") == 5 and "<html" not in second
    assert client.get("/notifications?cursor=bogus").status_code == 422


def test_signed_out_is_sent_to_sign_in(client):
    assert client.get("/notifications", follow_redirects=False).status_code in (302, 303)


def test_choices_are_saved_and_respected(database, signed_in):
    client = signed_in(Role.member, username="mia")
    page = client.get("/account/notifications")
    assert page.status_code == 200 and 'name="in_app:activity.promoted"' in page.text
    # Everything on in the app but the promotion; e-mail for the cancellation only.
    form = {"csrf_token": csrf_from(page.text), "email:activity.cancelled": "1"}
    form.update({f"in_app:{name}": "1" for name in notifications.table.EVENT_TYPES if name != "activity.promoted"})
    assert client.post("/account/notifications", data=form, follow_redirects=False).status_code == 303
    page = client.get("/account/notifications").text
    assert 'name="in_app:activity.promoted" value="1" aria-label' in page
    assert re.search(r'name="in_app:activity.promoted"[^>]*checked', page) is None
    assert re.search(r'name="email:activity.cancelled"[^>]*checked', page)
    assert re.search(r'name="email:booking_approved"[^>]*checked', page) is None
    assert _notify(database, "mia") == []  # the promotion no longer reaches mia in the app


def test_the_bell_costs_no_query_of_its_own(database, signed_in, count_queries):
    client = signed_in(Role.member, username="mia")
    client.get("/rooms")
    with count_queries(database) as none:
        client.get("/rooms")
    _notify(database, "mia", 5)
    with count_queries(database) as some:
        assert _bell(client.get("/rooms").text) == "5"
    assert some.count == none.count, f"{none}\n---\n{some}"
