"""The order form's submission resolves the session inside its own write transaction
(server.http.session.page_person_in), not in a read before it: still a revoked session, a
password to change, a missing or wrong CSRF token and no sign-in are refused at once, as on
every other page, and nothing is filed; a form refused before its write is answered as before."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select, update

from server.http.csrf import LEFT_TO_PAGE_MARK
from server.http.password_guard import CHANGE_PATH
from server.models import AuthToken, Person, ServiceRequest
from tests.factories import build_world
from tests.requests.pages.requester_helpers import (
    client_for,
    csrf_from,
    idempotency_key,
    number_from,
)

NO_FILES = [("attachments", ("", b"", "application/octet-stream"))]


@pytest.fixture
def world(database):
    return build_world(database)


def _filed(database) -> int:
    with database.read() as session:
        return session.scalar(select(func.count()).select_from(ServiceRequest))


def _form(client, code: str = "legal.aid") -> dict:
    page = client.get(f"/menu/{code}").text
    return {"csrf_token": csrf_from(page), "idempotency_key": idempotency_key(page),
            "description": "请帮忙", "contact_phone": "13800138000"}


def _post(client, body: dict, code: str = "legal.aid", **kwargs):
    return client.post(f"/menu/{code}", data=body, files=NO_FILES, follow_redirects=False, **kwargs)


def test_the_form_files_with_the_session_checked_in_its_write(app, world, database, count_queries):
    client = client_for(app, "member1")
    union = {"answers.people": "3", "answers.kind": "new"}  # an open queue's service, as bench/run.py files
    # The catalogue and the figures' rows of the day are there after a first submission.
    assert number_from(_post(client, {**_form(client, "union.join"), **union}, code="union.join"))
    body = {**_form(client, "union.join"), **union, "description": "另一件事"}
    with count_queries(database) as counter:
        response = _post(client, body, code="union.join")
    assert number_from(response)
    lookups = [i for i, s in enumerate(counter.statements) if "FROM auth_token" in s]
    assert len(lookups) == 1, counter
    if database.is_sqlite:
        # One transaction: the write's; the session's lookup is its first statement.
        begins = [i for i, s in enumerate(counter.statements) if s.startswith("BEGIN")]
        assert [counter.statements[i] for i in begins] == ["BEGIN IMMEDIATE"], counter.statements
        assert lookups[0] == begins[0] + 1
    # The fixed cost of a submission: a new statement on this path fails here (update the
    # figure when one is meant; bench.submit_cpu --sql lists them).
    assert counter.count == 13, str(counter)


def test_a_revoked_session_files_nothing(app, world, database):
    client = client_for(app, "member1")
    body = _form(client)
    database.run(lambda s: s.execute(update(AuthToken).values(revoked_at=func.now())))
    response = _post(client, body)
    # As before: the form's token was the session's, and there is no session any more.
    assert response.status_code == 403
    assert _filed(database) == 0


def test_a_deactivated_account_files_nothing(app, world, database):
    client = client_for(app, "member1")
    body = _form(client)
    database.run(lambda s: s.execute(update(Person).where(Person.username == "member1").values(active=False)))
    assert _post(client, body).status_code == 403
    assert _filed(database) == 0


@pytest.mark.parametrize("htmx", [False, True])
def test_a_password_to_change_is_changed_first(app, world, database, htmx):
    client = client_for(app, "member1")
    body = _form(client)
    database.run(lambda s: s.execute(
        update(Person).where(Person.username == "member1").values(must_change_password=True)))
    response = _post(client, body, headers={"HX-Request": "true"} if htmx else {})
    if htmx:
        assert response.status_code == 204 and response.headers["HX-Redirect"] == CHANGE_PATH
    else:
        assert response.status_code == 303 and response.headers["location"] == CHANGE_PATH
    assert _filed(database) == 0


def test_a_password_to_change_comes_before_a_refused_form(app, world, database):
    """Refused before its write (a field longer than any allows): still the guard first."""
    client = client_for(app, "member1")
    body = _form(client)
    database.run(lambda s: s.execute(
        update(Person).where(Person.username == "member1").values(must_change_password=True)))
    response = _post(client, {**body, "description": "长" * 6000})
    assert response.status_code == 303 and response.headers["location"] == CHANGE_PATH


@pytest.mark.parametrize("token", [None, "made-up"])
def test_the_sessions_csrf_token_is_required(app, world, database, token):
    client = client_for(app, "member1")
    body = _form(client)
    body.pop("csrf_token")
    if token:
        body["csrf_token"] = token
    assert _post(client, body).status_code == 403
    assert _filed(database) == 0
    # The same form with the session's token files.
    assert number_from(_post(client, _form(client)))


def test_another_sessions_token_is_refused(app, world, database):
    first = client_for(app, "member1")
    other = client_for(app, "member2")
    body = {**_form(first), "csrf_token": _form(other)["csrf_token"]}
    assert _post(first, body).status_code == 403
    assert _filed(database) == 0


def test_without_a_session_nothing_is_filed(app, world, database):
    client = client_for(app, "member1")
    body = _form(client)
    client.cookies.clear()
    assert _post(client, body).status_code == 403  # no session: its token is no token
    client.cookies.set("lianxin_session", "not-a-session")
    assert _post(client, body).status_code == 403
    assert _filed(database) == 0


def test_a_form_refused_before_its_write_keeps_the_persons_page(app, world, database):
    client = client_for(app, "member1")
    body = _form(client)
    response = _post(client, {**body, "description": "长" * 6000})
    assert response.status_code == 422
    # The page of the signed-in person: their session's token, the way to sign out.
    assert csrf_from(response.text) == body["csrf_token"]
    assert 'action="/logout"' in response.text
    assert _filed(database) == 0
    # An unknown service: the 404 page, for the signed-in person.
    missing = _post(client, _form(client), code="no.such")
    assert missing.status_code == 404
    assert _filed(database) == 0


def test_the_request_log_names_who_filed(app, world, database, caplog):
    client = client_for(app, "member1")
    body = _form(client)
    with caplog.at_level("INFO", logger="lianxin.http"):
        assert number_from(_post(client, body))
    lines = [r for r in caplog.records if r.name == "lianxin.http" and r.method == "POST"]
    assert lines and lines[-1].user == "member1"


def test_only_marked_pages_have_their_session_left_to_them(app):
    """The middleware leaves the session by method and path; every route those reach must be
    one that resolves it (csrf_protect refuses the others, but they would be broken)."""
    from server.http import session as sessions
    from tests.route_table import all_routes

    assert sessions._RESOLVED_IN_UNIT_OF_WORK  # the order form registered itself
    marked = 0
    for info in all_routes(app):
        concrete = re.sub(r"\{[^}]+\}", "12", info.path)  # a path this route answers
        for method in info.methods:
            if any(method == m and pattern.match(concrete) for m, pattern in sessions._RESOLVED_IN_UNIT_OF_WORK):
                assert getattr(info.route.endpoint, LEFT_TO_PAGE_MARK, False), (method, info.path)
                marked += 1
    assert marked == 2  # the order form's submission and the desk (GET /desk)


def test_a_page_not_marked_never_skips_the_check(app, world, database, monkeypatch):
    """Were a path left to a page that does not resolve the session, its CSRF check would still
    refuse (not pass unchecked)."""
    from starlette.routing import compile_path

    from server.http import session as sessions

    client = client_for(app, "member1")
    number = number_from(_post(client, _form(client)))
    token = _form(client)["csrf_token"]
    monkeypatch.setattr(sessions, "_RESOLVED_IN_UNIT_OF_WORK",
                        [*sessions._RESOLVED_IN_UNIT_OF_WORK, ("POST", compile_path("/requests/{number}/messages")[0])])
    response = client.post(f"/requests/{number}/messages", data={"csrf_token": token, "text": "在吗"},
                           follow_redirects=False)
    assert response.status_code == 403


@pytest.mark.parametrize("cookie", ["not-a-session", None])
def test_files_are_not_stored_for_an_unchecked_asker(app, world, database, monkeypatch, cookie):
    # Staging stores a file (local folder or object store) before the write: a made-up cookie
    # or a missing CSRF token must be refused before any file is received.
    from server.attachments.storage import Staging

    received = []
    real = Staging.receive
    monkeypatch.setattr(Staging, "receive", lambda self, *a, **k: received.append(a) or real(self, *a, **k))
    client = client_for(app, "member1")
    body = _form(client)
    if cookie:
        client.cookies.clear()
        client.cookies.set("lianxin_session", cookie)
    else:
        body.pop("csrf_token")
    png = b"\x89PNG\r\n\x1a\n" + b"\0" * 64
    response = client.post("/menu/legal.aid", data=body, files=[("attachments", ("a.png", png, "image/png"))],
                           follow_redirects=False)
    assert response.status_code == 403
    assert received == [] and _filed(database) == 0
