"""Signing in holds no transaction while the password is checked (Argon2: ~250 ms of CPU).
Inside a write it held SQLite's write lock, so every other writer of the process (a staff
member claiming, a member submitting) waited a quarter of a second per sign-in. And each try
counts for the throttle before its password is checked, so tries made at the same time all count."""

from __future__ import annotations

import threading

from sqlalchemy import func, select

from server.accounts import service as account_service
from server.models import Person, SignInFailure
from tests.factories import PASSWORD


def _during_the_password_check(monkeypatch, look):
    """Run ``look()`` in the middle of each password check of the doors; returns what it saw."""
    seen = []
    real = account_service.verify_password

    def verify(password, password_hash):
        seen.append(look())
        return real(password, password_hash)

    monkeypatch.setattr(account_service, "verify_password", verify)
    return seen


def _in_another_thread(work) -> bool:
    """Whether ``work()`` runs to its end in another thread right now (within 10 s): a write
    unit there waits while this thread holds SQLite's write lock."""
    done = threading.Event()

    def run():
        work()
        done.set()

    threading.Thread(target=run, daemon=True).start()
    return done.wait(10)


def _other_writer_finishes(database) -> bool:
    def write():
        with database.write() as session:
            session.execute(select(func.count()).select_from(Person))

    return _in_another_thread(write)


def test_no_connection_is_held_while_the_password_is_checked(client, world, database, monkeypatch):
    seen = _during_the_password_check(
        monkeypatch, lambda: (database.engine.pool.checkedout(), _other_writer_finishes(database))
    )
    assert client.post("/api/v1/auth/token", data={"username": "staff1", "password": PASSWORD}).status_code == 200
    assert client.post("/api/v1/auth/token", data={"username": "staff1", "password": "wrong-1"}).status_code == 401
    assert seen == [(0, True), (0, True)]


def test_a_try_counts_before_its_password_is_checked_and_success_clears_it(client, world, database, monkeypatch):
    def failures():
        with database.read() as session:
            return session.scalar(select(func.count()).select_from(SignInFailure).where(SignInFailure.account == "staff1"))

    seen = _during_the_password_check(monkeypatch, failures)
    assert client.post("/api/v1/auth/token", data={"username": "staff1", "password": "wrong-1"}).status_code == 401
    assert client.post("/api/v1/auth/token", data={"username": "staff1", "password": PASSWORD}).status_code == 200
    # the wrong try was counted while it was checked; the right one was counted too, then cleared
    assert seen == [1, 2]
    assert failures() == 0


def test_an_account_disabled_during_the_check_is_refused(client, world, database, monkeypatch):
    def disable():
        with database.write() as session:
            session.get(Person, world["staff1"].id).active = False

    seen = _during_the_password_check(monkeypatch, lambda: _in_another_thread(disable))
    response = client.post("/api/v1/auth/token", data={"username": "staff1", "password": PASSWORD})
    assert seen == [True]
    assert response.status_code == 401


def test_a_password_changed_during_the_check_is_refused(client, world, database, monkeypatch):
    from server.accounts.passwords import hash_password

    def change():
        with database.write() as session:
            session.get(Person, world["staff1"].id).password_hash = hash_password("another-one-77")

    seen = _during_the_password_check(monkeypatch, lambda: _in_another_thread(change))
    response = client.post("/api/v1/auth/token", data={"username": "staff1", "password": PASSWORD})
    assert seen == [True]
    assert response.status_code == 401
