"""Graceful shutdown of the real server (`lianxin serve`, uvicorn on loopback):
SIGTERM stops accepting connections but lets a request in flight finish and answer; open live
streams end at once instead of holding the stop for --shutdown-timeout; a rolling restart of 2
workers (SIGHUP: each replaced by a new one that serves before the old stops) under steady
submissions loses no acknowledged request and files none twice (PostgreSQL: several processes)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import threading
import time
import uuid
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.pool import NullPool

from server.accounts import service as account_service
from server.accounts.people_repository import person_by_username
from server.http.session import SESSION_COOKIE
from server.models import IdempotencyKey, ServiceRequest
from tests.factories import PASSWORD, build_world
from tests.processes import free_port, start_serve

# Several processes on one database, or a request held by a table lock: PostgreSQL's case.
postgres_only = pytest.mark.postgres_only

BODY = {"service_code": "union.join", "description": "graceful", "answers": {"people": 2, "kind": "new"}}


def _serve(db_url: str, data_dir: Path, port: int, *args: str) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": db_url, "LIANXIN_DATA_DIR": str(data_dir),
           "LIANXIN_PASSWORD_HASHING": "fast", "LIANXIN_SWEEP_INTERVAL_SECONDS": "0", "LIANXIN_LOG_LEVEL": "WARNING"}
    return start_serve(env, port, *args, ready_within=60)


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.kill()
        process.wait()


def _token(base: str) -> dict:
    answer = httpx.post(f"{base}/api/v1/auth/token", data={"username": "member1", "password": PASSWORD}).json()
    return {"Authorization": f"Bearer {answer['access_token']}"}


def _refuses_connections(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return False
    except OSError:
        return True


def _workers(supervisor: int) -> set[int]:
    """The supervisor's worker processes (not multiprocessing's helpers)."""
    try:
        children = Path(f"/proc/{supervisor}/task/{supervisor}/children").read_text().split()
    except OSError:
        return set()
    found = set()
    for pid in children:
        try:
            if b"spawn_main" in Path(f"/proc/{pid}/cmdline").read_bytes():
                found.add(int(pid))
        except OSError:
            continue
    return found


def _numbers(database) -> tuple[set[str], int]:
    with database.read() as session:
        numbers = set(session.scalars(select(ServiceRequest.number)).all())
        keyed = session.scalar(select(func.count()).select_from(IdempotencyKey).where(IdempotencyKey.request_id.is_not(None)))
    return numbers, keyed


@postgres_only
def test_sigterm_finishes_the_request_in_flight_and_accepts_no_new_one(database, db_url, tmp_path):
    build_world(database)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    process = _serve(db_url, tmp_path / "data", port)
    blocker = create_engine(db_url, poolclass=NullPool)
    try:
        headers = _token(base)
        answers: list[httpx.Response] = []
        with blocker.connect() as conn:
            # Hold the submission inside the server: its history insert waits for this lock.
            conn.execute(text("LOCK TABLE request_event IN SHARE MODE"))
            submitting = threading.Thread(target=lambda: answers.append(httpx.post(
                f"{base}/api/v1/requests", json=BODY, headers={**headers, "Idempotency-Key": "in-flight"}, timeout=60)))
            submitting.start()
            for _ in range(200):
                conn.execute(text("SELECT pg_stat_clear_snapshot()"))  # else one snapshot per transaction
                waiting = conn.execute(text(
                    "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
                    " AND datname = current_database()")).scalar()
                if waiting:
                    break
                time.sleep(0.05)
            assert waiting, "the submission never reached the server"

            process.send_signal(signal.SIGTERM)
            for _ in range(100):
                if _refuses_connections(port):
                    break
                time.sleep(0.1)
            assert _refuses_connections(port), "still accepting connections after SIGTERM"
            assert submitting.is_alive() and process.poll() is None  # the request is still in flight
            conn.rollback()  # let it finish
        submitting.join(timeout=60)
        assert [a.status_code for a in answers] == [201]
        assert process.wait(timeout=30) in (0, -signal.SIGTERM)
        numbers, _ = _numbers(database)
        assert numbers == {answers[0].json()["number"]}
    finally:
        blocker.dispose()
        _stop(process)


def test_open_live_streams_do_not_hold_a_sigterm(database, db_url, tmp_path):
    """Two pages open on the live stream: SIGTERM ends both streams and the process exits in
    seconds, not after the 30 s --shutdown-timeout. The streams end without ``event: close``,
    so the browsers reconnect to the worker that serves next instead of giving up."""
    build_world(database)
    cookie = database.run(lambda session: account_service.issue_token(
        session, person_by_username(session, "staff1"), kind="session")[0])
    port = free_port()
    process = _serve(db_url, tmp_path / "data", port)
    received: list[list[str]] = [[], []]
    opened = threading.Barrier(3, timeout=20)

    def follow(lines: list[str]) -> None:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", cookies={SESSION_COOKIE: cookie},
                          timeout=httpx.Timeout(10, read=60)) as client, \
                client.stream("GET", "/live", params={"topic": "desk"}) as response:
            lines.append(str(response.status_code))
            opened.wait()
            lines.extend(response.iter_lines())

    readers = [threading.Thread(target=follow, args=(lines,), daemon=True) for lines in received]
    try:
        for reader in readers:
            reader.start()
        opened.wait()
        time.sleep(0.3)  # both streams are past their first line
        started = time.monotonic()
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=20) in (0, -signal.SIGTERM)
        took = time.monotonic() - started
        for reader in readers:
            reader.join(timeout=5)
            assert not reader.is_alive(), "a stream was still open after the server stopped"
    finally:
        _stop(process)
    print(f"SIGTERM with 2 live streams open: stopped in {took:.2f} s")
    assert took < 10, f"SIGTERM took {took:.1f} s with live streams open"
    for lines in received:
        assert lines[0] == "200" and ": connected" in lines
        assert "event: close" not in lines


@postgres_only
def test_a_rolling_restart_of_two_workers_loses_no_acknowledged_submission(database, db_url, tmp_path):
    build_world(database)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    process = _serve(db_url, tmp_path / "data", port, "--workers", "2")
    acknowledged: dict[str, str] = {}
    retries: list[str] = []
    failures: list[str] = []
    stop = threading.Event()
    lock = threading.Lock()
    try:
        headers = _token(base)

        def submit_until_stopped() -> None:
            with httpx.Client(base_url=base, headers=headers, timeout=30) as client:
                while not stop.is_set():
                    key = uuid.uuid4().hex
                    for _attempt in range(50):  # a client retries what it never heard back about
                        try:
                            response = client.post("/api/v1/requests", json=BODY, headers={"Idempotency-Key": key})
                        except httpx.TransportError as exc:
                            retries.append(type(exc).__name__)
                            time.sleep(0.05)
                            continue
                        if response.status_code in (200, 201):
                            with lock:
                                acknowledged[key] = response.json()["number"]
                        else:
                            failures.append(f"{response.status_code} {response.text[:200]}")
                        break
                    else:
                        failures.append(f"no answer for {key}")

        writers = [threading.Thread(target=submit_until_stopped) for _ in range(4)]
        for writer in writers:
            writer.start()
        deadline = time.monotonic() + 60
        while len(_workers(process.pid)) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        old = _workers(process.pid)
        assert len(old) == 2
        time.sleep(1)
        before_restart = len(acknowledged)
        process.send_signal(signal.SIGHUP)  # replace both workers, one at a time
        deadline = time.monotonic() + 120
        while (old & _workers(process.pid) or len(_workers(process.pid)) < 2) and time.monotonic() < deadline:
            time.sleep(0.1)
        new = _workers(process.pid)
        time.sleep(1)
        stop.set()
        for writer in writers:
            writer.join(timeout=60)
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=60) in (0, -signal.SIGTERM)
    finally:
        stop.set()
        _stop(process)

    print(f"rolling restart: {len(acknowledged)} acknowledged ({before_restart} before SIGHUP), retries {retries}")
    assert not (old & new) and len(new) == 2, (old, new)  # both workers really were replaced
    assert failures == []
    assert before_restart > 0 and len(acknowledged) > before_restart  # submissions ran throughout
    numbers, keyed = _numbers(database)
    assert numbers == set(acknowledged.values())  # every acknowledged one saved, nothing else
    assert len(numbers) == len(acknowledged) == keyed  # one request per key, retries included
