"""The outbox worker (``lianxin worker``) is SIGKILLed in the middle of its batches, again and
again, and started once more: every committed message reaches the receiver, none is lost, and
a message arrives twice only when it was in flight at a kill (at most one per kill), with the
same id, by which the receiver drops it."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter

import pytest
from sqlalchemy import func, insert, select

from server.models import OutboxMessage, utcnow
from server.notifications import webhooks_service
from server.notifications.webhooks_service import WebhookInput
from tests.notifications.webhook_receiver import running_receiver

KILLS = int(os.environ.get("LIANXIN_WORKER_KILLS") or 6)
MESSAGES = 80


@pytest.fixture
def receiver():
    yield from running_receiver()


def _start(env: dict) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "server.cli", "worker", "--poll", "0.1", "--lease", "1"],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _statuses(database) -> Counter:
    with database.read() as session:
        rows = session.execute(select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)).all()
        return Counter({status: count for status, count in rows})


def test_no_committed_message_is_lost_and_only_the_one_in_flight_repeats(database, db_url, settings, tmp_path,
                                                                         receiver, monkeypatch):
    original = receiver.server.RequestHandlerClass.do_POST

    def slow(handler):  # a receiver that takes a moment, so that kills land mid-batch
        time.sleep(0.02)
        original(handler)

    monkeypatch.setattr(receiver.server.RequestHandlerClass, "do_POST", slow)
    with database.write() as session:
        hook = webhooks_service.add(session, None, WebhookInput(url=receiver.url(), secret="whsec_kill9"))
        now = utcnow()
        ids = [str(uuid.uuid4()) for _ in range(MESSAGES)]
        session.execute(insert(OutboxMessage.__table__), [
            {"message_id": message_id, "channel": "webhook", "event_type": "new_task", "person_id": None,
             "webhook_id": hook.id, "audience": {}, "status": "queued", "attempts": 0, "next_attempt_at": now,
             "last_answer": "", "created_at": now, "sent_at": None,
             "payload": {"params": {"number": f"LX-20261203-{i:04d}", "service": {"zh-Hans": "测试"}},
                         "request": {"number": f"LX-20261203-{i:04d}", "status": "dispatched"}}}
            for i, message_id in enumerate(ids)])
    env = {**os.environ, "DATABASE_URL": db_url, "LIANXIN_DATA_DIR": str(tmp_path / "data"),
           "LIANXIN_WEBHOOK_ALLOW_HOSTS": "127.0.0.1", "LIANXIN_LOG_LEVEL": "WARNING",
           "LIANXIN_SWEEP_INTERVAL_SECONDS": "0"}
    rng = random.Random(9)
    kills = 0
    for _ in range(KILLS):
        before = len(receiver.received)
        process = _start(env)
        deadline = time.monotonic() + 15
        # Kill once it is delivering: after a few more messages have arrived.
        while len(receiver.received) < before + rng.randint(1, 6) and time.monotonic() < deadline:
            if process.poll() is not None:
                raise AssertionError("the worker stopped by itself")
            time.sleep(0.005)
        process.send_signal(signal.SIGKILL)
        process.wait()
        kills += 1
        if _statuses(database)["queued"] == 0:
            break
    process = _start(env)
    try:
        deadline = time.monotonic() + 20
        while _statuses(database)["sent"] < MESSAGES and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait()
    assert _statuses(database) == Counter({"sent": MESSAGES})
    arrived = Counter(r.headers["x-lianxin-event-id"] for r in receiver.received)
    assert set(arrived) == set(ids)  # none lost, nothing but what was committed
    assert all(r.json["id"] == r.headers["x-lianxin-event-id"] for r in receiver.received)
    repeated = [message_id for message_id, count in arrived.items() if count > 1]
    assert all(arrived[message_id] <= 1 + kills for message_id in repeated)
    print(f"kills={kills} repeated={len(repeated)} deliveries={sum(arrived.values())}")
    assert len(repeated) <= kills, f"{len(repeated)} repeated after {kills} kills"
