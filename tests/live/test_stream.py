"""The live stream against a real uvicorn on loopback: what reaches whom, and when it ends."""

from __future__ import annotations

import pytest
from sqlalchemy import event as sa_event
from sqlalchemy import select

from server.accounts import service as account_service
from server.accounts.people_repository import person_by_username
from server.enums import Action
from server.models import Department
from server.requests import repository
from server.requests import service as request_service
from tests.requests.helpers import act, submit

pytestmark = pytest.mark.db


def test_a_new_task_reaches_the_departments_desk(open_stream, database):
    stream = open_stream("staff1", "desk")
    assert stream.status == 200 and stream.headers["content-type"].startswith("text/event-stream")
    assert stream.headers["x-accel-buffering"] == "no"
    submit(database, "member1", "union.join", answers={"people": 1})  # routed to union: staff1's
    assert stream.next_event() == "changed"


def test_another_departments_change_wakes_no_desk(open_stream, database, app):
    """legal's new task sends union's desk nothing: the first event it gets is union's."""
    stream = open_stream("staff1", "desk")
    submit(database, "member1", "legal.aid")
    submit(database, "member1", "union.join", answers={"people": 1})
    assert stream.next_event() == "changed"
    # Exactly one event came (the union one): the signal for legal was dropped without a check.
    assert [line for line in list(stream.lines.queue) if line.startswith("event:")] == []


def test_a_person_moved_out_of_the_department_stops_receiving_at_once(open_stream, database):
    stream = open_stream("staff1", "desk")

    def move(session):
        person = person_by_username(session, "staff1")
        person.department_id = session.scalar(select(Department.id).where(Department.code == "legal"))

    database.run(move)
    assert stream.next_event() == "close"
    assert stream.next_event() is None  # and the server ended the stream
    submit(database, "member1", "union.join", answers={"people": 1})


def test_signing_out_ends_the_stream(open_stream, session_of, database):
    cookie = session_of("staff1")
    stream = open_stream("staff1", "desk", cookie=cookie)
    database.run(lambda session: account_service.revoke_token(session, cookie))
    assert stream.next_event() == "close"
    assert stream.next_event() is None


def test_a_request_page_follows_its_request_and_only_for_who_may_see_it(open_stream, database):
    number = submit(database, "member1", "union.join", answers={"people": 1}).number
    stream = open_stream("member1", f"request:{number}")
    act(database, "staff1", number, Action.claim)
    assert stream.next_event() == "changed"
    stranger = open_stream("member2", f"request:{number}")
    assert stranger.status == 404


def test_an_internal_note_wakes_the_staffs_page_but_not_the_requesters(open_stream, database):
    """The requester cannot read a note for staff only, so their page is not even refreshed
    for it (its timing alone would tell them something was written); a lead's page is."""
    number = submit(database, "member1", "union.join", answers={"people": 1}).number
    act(database, "staff1", number, Action.claim)
    requester, lead = open_stream("member1", f"request:{number}"), open_stream("lead1", f"request:{number}")

    def write(username, text, internal):
        def work(session):
            person = person_by_username(session, username)
            request = repository.get_visible(session, person, number)
            request_service.post_message(session, person, request, text, internal=internal)

        database.run(work)

    write("staff1", "内部：此人上次未到场", True)
    assert lead.next_event() == "changed"
    before = requester.comments
    while requester.comments < before + 3:  # three heartbeats (0.2 s) later: still nothing
        assert not requester.ended.wait(0.1)
    assert [line for line in list(requester.lines.queue) if line.startswith("event:")] == []
    write("staff1", "请带身份证", False)
    assert requester.next_event() == "changed" and lead.next_event() == "changed"


@pytest.mark.parametrize(("username", "topic"), [("member1", "desk"), ("staff1", "board"), ("staff1", "overdue"),
                                                 ("staff1", "nonsense")])
def test_a_page_one_may_not_open_has_no_stream(open_stream, username, topic):
    assert open_stream(username, topic).status in (403, 422)


def test_streams_per_person_are_bounded(open_stream):
    first, second = open_stream("staff1", "desk"), open_stream("staff1", "desk")
    third = open_stream("staff1", "desk")
    assert (first.status, second.status, third.status) == (200, 200, 429)
    assert third.headers["retry-after"]
    first.close()
    assert first.ended.wait(5)


def test_an_idle_stream_asks_the_database_nothing(open_stream, database):
    stream = open_stream("staff1", "desk")
    statements: list[str] = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    sa_event.listen(database.engine, "before_cursor_execute", count)
    try:
        before = stream.comments
        while stream.comments < before + 3:  # three heartbeats
            assert not stream.ended.wait(0.1)
    finally:
        sa_event.remove(database.engine, "before_cursor_execute", count)
    assert statements == []


def test_without_a_session_there_is_no_stream(server_url):
    import httpx

    response = httpx.get(f"{server_url}/live", params={"topic": "desk"}, timeout=10)
    assert response.status_code in (401, 303)


@pytest.mark.postgres_only
def test_a_change_through_another_app_process_reaches_this_ones_stream(open_stream, live_settings, database):
    """Two app instances on one PostgreSQL database, each with its own pool and LISTEN
    connection: a request filed through the first one's API wakes a desk served by the second."""
    from fastapi.testclient import TestClient

    from server.app import create_app
    from server.db import Database
    from tests.factories import PASSWORD

    stream = open_stream("staff1", "desk")  # served by the uvicorn app on ``database``
    other_database = Database(database.url, live_settings)
    try:
        with TestClient(create_app(live_settings, other_database)) as other:
            token = other.post("/api/v1/auth/token", data={"username": "member1", "password": PASSWORD}).json()
            response = other.post("/api/v1/requests", headers={"Authorization": f"Bearer {token['access_token']}"},
                                  json={"service_code": "union.join", "description": "入会", "answers": {"people": 1}})
            assert response.status_code == 201, response.text
            assert stream.next_event() == "changed"
    finally:
        other_database.dispose()
