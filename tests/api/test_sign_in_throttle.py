"""Sign-in throttling (server/accounts/throttle.py), counted in the database so every worker
shares it: per account a back-off after 5 failures (not a lock), per client address a limit
across usernames, and a browser that signed in to the account before is never held back."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient

from server.accounts import throttle
from server.app import create_app
from server.db import Database
from server.models import utcnow
from tests.factories import PASSWORD
from tests.web.conftest import csrf_from

T0 = utcnow()


def _attempt(username="staff1", address="10.0.0.1", trusted=False):
    return throttle.Attempt(username, address, trusted)


def _fail(database, times, **kwargs):
    with database.write() as session:
        for at in times:
            throttle.failed(session, _attempt(**kwargs), at)


def _wait(database, at, **kwargs) -> int:
    with database.read() as session:
        return throttle.retry_after(session, _attempt(**kwargs), at)


def test_an_account_backs_off_after_five_failures_doubling_to_fifteen_minutes(database):
    seconds = [T0 + timedelta(seconds=s) for s in range(5)]
    _fail(database, seconds[:4])
    assert _wait(database, seconds[4]) == 0  # four failures: no wait
    _fail(database, seconds[4:])
    assert _wait(database, seconds[4] + timedelta(seconds=1)) == 30  # 30 s after the fifth
    assert _wait(database, seconds[4] + timedelta(seconds=31)) == 0
    _fail(database, [seconds[4] + timedelta(seconds=31)])  # the sixth: 60 s
    assert _wait(database, seconds[4] + timedelta(seconds=32)) == 60
    _fail(database, [seconds[4] + timedelta(seconds=100 + i) for i in range(6)])  # twelve in all
    assert _wait(database, seconds[4] + timedelta(seconds=106)) == 15 * 60  # capped
    # the same name whatever its case and spaces; other accounts untouched
    assert _wait(database, seconds[4] + timedelta(seconds=106), username=" STAFF1") > 0
    assert _wait(database, seconds[4] + timedelta(seconds=106), username="staff2", address="10.0.0.2") == 0
    # a browser the account signed in from before is not held back
    assert _wait(database, seconds[4] + timedelta(seconds=106), trusted=True) == 0


def test_one_address_trying_many_accounts_is_slowed(database):
    with database.write() as session:
        for i in range(throttle.ADDRESS_FAILURES):
            throttle.failed(session, _attempt(username=f"user{i}"), T0 + timedelta(seconds=i))
    later = T0 + timedelta(seconds=60)
    assert _wait(database, later, username="fresh-name") == 15 * 60 - 60 + 1
    assert _wait(database, later, username="fresh-name", address="10.0.0.9") == 0


def test_failures_are_shared_by_every_worker(database, db_url, settings):
    other_worker = Database(db_url, settings)
    try:
        _fail(database, [T0 + timedelta(seconds=s) for s in range(5)])
        with other_worker.read() as session:
            assert throttle.retry_after(session, _attempt(), T0 + timedelta(seconds=5)) > 0
    finally:
        other_worker.dispose()


def test_old_failures_are_forgotten_and_deleted(database):
    _fail(database, [T0 + timedelta(seconds=s) for s in range(5)])
    _fail(database, [T0 + timedelta(minutes=16)], username="other")
    assert _wait(database, T0 + timedelta(minutes=16)) == 0
    with database.read() as session:
        from sqlalchemy import func, select

        from server.models import SignInFailure
        assert session.scalar(select(func.count()).select_from(SignInFailure)) == 1


def test_the_api_answers_429_with_retry_after_then_lets_the_owner_in_later(client, world):
    for _ in range(throttle.ACCOUNT_FAILURES):
        assert client.post("/api/v1/auth/token", data={"username": "staff1", "password": "nope"}).status_code == 401
    held = client.post("/api/v1/auth/token", data={"username": "staff1", "password": PASSWORD})
    assert held.status_code == 429
    assert held.headers["content-type"] == "application/problem+json"
    assert 0 < int(held.headers["retry-after"]) <= 30
    assert "try again in 1 minutes" in held.json()["detail"]
    # other accounts are not affected
    assert client.post("/api/v1/auth/token", data={"username": "staff2", "password": PASSWORD}).status_code == 200


def test_a_success_clears_the_account_count(client, world):
    for _ in range(throttle.ACCOUNT_FAILURES - 1):
        client.post("/api/v1/auth/token", data={"username": "staff1", "password": "nope"})
    assert client.post("/api/v1/auth/token", data={"username": "staff1", "password": PASSWORD}).status_code == 200
    for _ in range(throttle.ACCOUNT_FAILURES - 1):
        client.post("/api/v1/auth/token", data={"username": "staff1", "password": "nope"})
    assert client.post("/api/v1/auth/token", data={"username": "staff1", "password": PASSWORD}).status_code == 200


def sign_in(client, username, password=PASSWORD):
    token = csrf_from(client.get("/login").text)
    return client.post("/login", data={"username": username, "password": password, "next": "/", "csrf_token": token},
                       follow_redirects=False)


def test_an_attacker_cannot_keep_the_owner_out_of_their_own_browser(settings, database, world):
    app = create_app(settings, database)
    with TestClient(app, base_url="http://testserver") as owner, TestClient(app, base_url="http://testserver") as attacker:
        assert sign_in(owner, "staff1").status_code == 303  # the owner's browser now carries the device cookie
        owner.cookies.delete("lianxin_session")  # signed out later; the device cookie stays
        for _ in range(throttle.ACCOUNT_FAILURES + 2):
            sign_in(attacker, "staff1", password="guess-123")
        assert sign_in(attacker, "staff1").status_code == 429  # even the right password waits there
        assert sign_in(owner, "staff1").status_code == 303
