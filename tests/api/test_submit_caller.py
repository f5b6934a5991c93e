"""Submission checks its caller inside its own write transaction, the request list inside
its read (server.api.deps.Caller): still a revoked token, a deactivated account, a cookie
without the page's token or a password to change is refused at once, and nothing is filed."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select, update

from server.accounts import service as account_service
from server.enums import Role
from server.models import AuthToken, Person, PersonRole, ServiceRequest, utcnow
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


def test_the_list_checks_its_caller_in_its_read(client, auth, database):
    headers = auth("member1")
    assert client.get("/api/v1/requests", headers=headers).status_code == 200
    database.run(lambda s: s.execute(update(Person).where(Person.username == "member1").values(active=False)))
    problem(client.get("/api/v1/requests", headers=headers), 401)
    problem(client.get("/api/v1/requests"), 401)


def test_an_expired_token_files_nothing(client, auth, database):
    headers = auth("member1")
    database.run(lambda s: s.execute(update(AuthToken).values(expires_at=utcnow() - timedelta(seconds=1))))
    problem(client.post("/api/v1/requests", json=BODY, headers=headers), 401)
    assert _filed(database) == 0


def test_the_core_lookup_builds_the_person_the_orm_loads(database, world):
    """token_person and resolve_session (Core rows, the write's first statement) and
    resolve_token (the ORM) give the same person and token: every column, the roles in order, none for a person without any."""
    with database.write() as session:
        person = session.scalar(select(Person).where(Person.username == "member1"))
        person.role_rows = []
        lead = session.scalar(select(Person).where(Person.username != "member1").order_by(Person.id))
        lead.role_rows = [PersonRole(role=Role.supervisor), PersonRole(role=Role.admin), PersonRole(role=Role.lead)]
        secrets = [account_service.issue_token(session, p)[0] for p in (person, lead)]
    for secret in secrets:
        with database.read() as session:
            built = account_service.token_person(session, secret)
            loaded, _ = account_service.resolve_token(session, secret)
            assert built not in session  # detached: a rollback cannot expire it
            assert [getattr(built, c.key) for c in Person.__table__.columns] == \
                [getattr(loaded, c.key) for c in Person.__table__.columns]
            assert [r.role for r in built.role_rows] == [r.role for r in loaded.role_rows]
            assert built.roles == loaded.roles
    with database.write() as session:
        secret, _ = account_service.issue_token(session, lead, kind="session")
    with database.read() as session:
        loaded, loaded_token = account_service.resolve_token(session, secret, kind="session")
        columns = [(c.key, getattr(loaded, c.key)) for c in Person.__table__.columns]
        token_columns = [(c.key, getattr(loaded_token, c.key)) for c in AuthToken.__table__.columns]
        roles = [r.role for r in loaded.role_rows]
    with database.read() as session:
        person, token, unread = account_service.resolve_session(session, secret)
        assert person in session and token in session  # as loaded there: the page may expunge it
        assert [(c.key, getattr(person, c.key)) for c in Person.__table__.columns] == columns
        assert [(c.key, getattr(token, c.key)) for c in AuthToken.__table__.columns] == token_columns
        assert [r.role for r in person.role_rows] == roles and token.csrf_token and unread == 0
        assert account_service.resolve_session(session, secrets[0]) is None  # an API token
    assert len(built.roles) >= 2
    with database.read() as session:
        assert account_service.token_person(session, "no such secret") is None
        assert account_service.token_person(session, "") is None
        assert account_service.token_person(session, secrets[0], kind="session") is None
