"""Submission checks its caller inside its own write transaction (server.api.deps.Caller):
still a revoked token, a deactivated account, a cookie without the page's token or a
password to change is refused at once, and nothing is filed."""

from __future__ import annotations

from sqlalchemy import func, select, update

from server.models import Person, ServiceRequest
from tests.api.test_requests_api import BODY, problem
from tests.factories import PASSWORD
from tests.web.conftest import csrf_from, sign_in


def _filed(database) -> int:
    with database.read() as session:
        return session.scalar(select(func.count()).select_from(ServiceRequest))


def test_a_revoked_token_files_nothing(client, auth, database):
    headers = auth("member1")
    assert client.post("/api/v1/requests", json=BODY, headers=headers).status_code == 201
    assert client.post("/api/v1/auth/revoke", headers=headers).status_code == 204
    before = _filed(database)
    problem(client.post("/api/v1/requests", json=BODY, headers=headers), 401)
    assert _filed(database) == before


def test_a_deactivated_account_files_nothing(client, auth, database):
    headers = auth("member1")
    database.run(lambda s: s.execute(update(Person).where(Person.username == "member1").values(active=False)))
    problem(client.post("/api/v1/requests", json=BODY, headers=headers), 401)
    assert _filed(database) == 0


def test_a_password_to_change_blocks_filing(client, auth, database):
    headers = auth("member1")
    database.run(lambda s: s.execute(
        update(Person).where(Person.username == "member1").values(must_change_password=True)))
    problem(client.post("/api/v1/requests", json=BODY, headers=headers), 403)
    assert _filed(database) == 0


def test_the_session_cookie_files_only_with_the_pages_token(client, world, database):
    assert sign_in(client, "member1", PASSWORD).status_code == 303
    problem(client.post("/api/v1/requests", json=BODY), 403)
    assert _filed(database) == 0
    token = csrf_from(client.get("/").text)
    response = client.post("/api/v1/requests", json=BODY, headers={"X-CSRF-Token": token})
    assert response.status_code == 201, response.text
    assert response.json()["requester"]["username"] == "member1"
