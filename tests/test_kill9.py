"""The kill -9 test: the real server (``lianxin serve``) takes submissions without pause and is
SIGKILLed at random moments, then started again. Every request a client was told was saved
(201) is there, none is there twice — a key retried after the crash files nothing new — and
SQLite's integrity check passes. 50 cycles in CI, 8 on a person's machine
(``LIANXIN_KILL_CYCLES`` overrides)."""

from __future__ import annotations

import os
import random
import signal
import threading
import time
import uuid

import httpx
from sqlalchemy import func, select, text

from server.models import IdempotencyKey, ServiceRequest
from tests.factories import PASSWORD, build_world
from tests.processes import free_port, serve_forks, start_serve

CYCLES = int(os.environ.get("LIANXIN_KILL_CYCLES") or (50 if os.environ.get("CI") else 8))
BODY = {"service_code": "union.join", "description": "kill -9", "answers": {"people": 2, "kind": "new"}}


def test_no_acknowledged_request_is_lost_or_doubled_by_kill_9(database, db_url, settings, tmp_path):
    build_world(database)
    port = free_port()
    env = {**os.environ, "DATABASE_URL": db_url, "LIANXIN_DATA_DIR": str(tmp_path / "data"),
           "LIANXIN_PASSWORD_HASHING": "fast", "LIANXIN_SWEEP_INTERVAL_SECONDS": "0", "LIANXIN_LOG_LEVEL": "WARNING"}
    base = f"http://127.0.0.1:{port}"
    acknowledged: dict[str, str] = {}  # idempotency key → number
    unanswered: list[str] = []  # keys whose answer the crash swallowed
    # Forked from one interpreter that imported the app once (tests/processes.py): the cycles
    # kill and start the server, not a new interpreter's ~3 s of imports each time.
    with serve_forks(env) as forks:
        process = start_serve(env, port, forks=forks)
        try:
            token = httpx.post(f"{base}/api/v1/auth/token", data={"username": "member1", "password": PASSWORD}).json()
            headers = {"Authorization": f"Bearer {token['access_token']}"}
            rng = random.Random(9)
            for _cycle in range(CYCLES):
                stop = threading.Event()

                def submit_until_killed(stop: threading.Event = stop) -> None:
                    with httpx.Client(base_url=base, headers=headers, timeout=5) as client:
                        while not stop.is_set():
                            key = uuid.uuid4().hex
                            try:
                                response = client.post("/api/v1/requests", json=BODY, headers={"Idempotency-Key": key})
                            except httpx.HTTPError:
                                unanswered.append(key)
                                return
                            assert response.status_code == 201, response.text
                            acknowledged[key] = response.json()["number"]

                writer = threading.Thread(target=submit_until_killed)
                writer.start()
                time.sleep(rng.uniform(0.05, 0.4))
                process.send_signal(signal.SIGKILL)
                process.wait()
                stop.set()
                writer.join()
                process = start_serve(env, port, forks=forks)
                # The client retries what it never heard back about: at most one request per key.
                with httpx.Client(base_url=base, headers=headers, timeout=5) as client:
                    while unanswered:
                        key = unanswered.pop()
                        response = client.post("/api/v1/requests", json=BODY, headers={"Idempotency-Key": key})
                        assert response.status_code in (200, 201), response.text
                        acknowledged[key] = response.json()["number"]
        finally:
            process.send_signal(signal.SIGKILL)
            process.wait()

    assert len(acknowledged) > CYCLES  # the server really took submissions between the kills
    with database.read() as session:
        numbers = set(session.scalars(select(ServiceRequest.number)).all())
        keyed = session.scalar(select(func.count()).select_from(IdempotencyKey).where(IdempotencyKey.request_id.is_not(None)))
        if database.is_sqlite:
            assert session.execute(text("PRAGMA integrity_check")).scalar() == "ok"
    # Every request saved was acknowledged, every acknowledged one is saved, one per key.
    assert numbers == set(acknowledged.values())
    assert len(numbers) == len(acknowledged) == keyed
