"""The outbox worker (``lianxin worker``; inside ``lianxin serve`` in the embedded set-up):
claims the messages that are due, sends each (e-mail or webhook), records every attempt with
its answer, retries with bounded exponential back-off and parks a message after
``LIANXIN_OUTBOX_MAX_ATTEMPTS`` failures, where an admin sees it and can send it again.

Nothing is lost when a worker dies: a claim is a lease (``next_attempt_at`` moved a little
ahead, ``attempts`` counted), committed before anything is sent, so a message claimed by a
worker that was killed is claimed again once its lease runs out. Messages are sent one at a
time and each result is recorded before the next is sent, so a kill can repeat at most the one
message in flight; it goes out with the same id (``X-Lianxin-Event-Id``, the e-mail's
``Message-ID``), by which the receiver drops the duplicate.

Several workers may run at once: on PostgreSQL the claim skips rows another worker holds
(``FOR UPDATE SKIP LOCKED``); on SQLite claims are serialised by the write lock (one
``BEGIN IMMEDIATE`` transaction each). The worker is woken by a commit that wrote messages
(:mod:`server.notifications.wakeup`; across processes on PostgreSQL by ``LISTEN``), and polls
as a fallback and for retries that fall due."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update

from server.config import Settings
from server.db import Database
from server.models import OutboxAttempt, OutboxMessage, Person, Webhook, utcnow
from server.notifications import answers, recipients, wakeup
from server.notifications import email as mail
from server.notifications import service as notifications
from server.notifications.presenters import text_for
from server.notifications.webhooks import (
    DeliveryResult,
    WebhookEvent,
    deliver_webhook,
    installation_gettext,
)

log = logging.getLogger("lianxin.worker")

BATCH = 20
# A claimed message is the worker's for this long: if it dies, another claims it after.
LEASE = timedelta(minutes=5)  # longer than a batch can take (20 × the timeouts)
BACKOFF_FIRST = timedelta(seconds=10)
BACKOFF_MAX = timedelta(hours=1)

QUEUED, SENT, PARKED, DROPPED = "queued", "sent", "parked", "dropped"


def backoff(attempts: int) -> timedelta:
    """The wait after the ``attempts``-th failure: 10 s, 20 s, 40 s … at most an hour."""
    return min(BACKOFF_FIRST * (2 ** max(attempts - 1, 0)), BACKOFF_MAX)


def claim(database: Database, *, now: datetime | None = None, limit: int = BATCH, lease: timedelta = LEASE) -> list[int]:
    """Take up to ``limit`` due messages for this worker: one short transaction that moves
    their next attempt past the lease and counts the attempt. Returns their ids in order."""
    now = now or utcnow()

    def work(session) -> list[int]:
        stmt = (select(OutboxMessage.id).where(OutboxMessage.status == QUEUED, OutboxMessage.next_attempt_at <= now)
                .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id).limit(limit))
        if session.get_bind().dialect.name == "postgresql":
            stmt = stmt.with_for_update(skip_locked=True)
        ids = list(session.scalars(stmt))
        if ids:
            session.execute(update(OutboxMessage).where(OutboxMessage.id.in_(ids))
                            .values(next_attempt_at=now + lease, attempts=OutboxMessage.attempts + 1))
        return ids

    return database.run(work)


@dataclass(frozen=True)
class Outgoing:
    """What one attempt needs, read in a short read transaction (no transaction stays open
    while a receiver answers)."""

    message: OutboxMessage
    hook: Webhook | None = None
    person: Person | None = None
    refusal: str = ""  # why it is not sent at all (the recipient no longer receives it)


def _prepare(database: Database, message_id: int) -> Outgoing | None:
    with database.read() as session:
        message = session.get(OutboxMessage, message_id)
        if message is None or message.status != QUEUED:
            return None
        if message.channel == "webhook":
            hook = session.get(Webhook, message.webhook_id) if message.webhook_id else None
            session.expunge_all()
            return Outgoing(message, hook=hook, refusal="" if hook is not None else answers.WEBHOOK_REMOVED)
        person = session.get(Person, message.person_id) if message.person_id else None
        audience = dict(message.audience or {})
        name = audience.pop("audience", "")
        refusal = ""
        if person is None or not person.active:
            refusal = answers.ACCOUNT_GONE
        elif not recipients.still_receives(session, person.id, name, audience):
            # Checked now, not only when queued: someone who left the department gets nothing.
            refusal = answers.write(answers.NO_LONGER_RECEIVES, audience=name)
        elif not person.email:
            refusal = answers.NO_EMAIL
        elif not notifications.preferences(session, [person.id], message.event_type).get(
                (person.id, notifications.CHANNEL_EMAIL), notifications.default_enabled("email", message.event_type)):
            refusal = answers.EMAILS_OFF
        session.expunge_all()
        return Outgoing(message, person=person, refusal=refusal)


def _send(outgoing: Outgoing, settings: Settings) -> DeliveryResult:
    message = outgoing.message
    payload = message.payload or {}
    if message.channel == "webhook":
        gettext = installation_gettext()
        event = WebhookEvent(
            id=message.message_id, type=message.event_type, at=message.created_at, request=payload.get("request") or {},
            text=text_for(message.event_type, payload.get("params") or {}, gettext, "zh-Hans"),
        )
        return deliver_webhook(outgoing.hook, event, settings, gettext=gettext)
    return mail.send(outgoing.person, message, settings)


def record(database: Database, message_id: int, result: DeliveryResult, settings: Settings, *,
           dropped: bool = False, now: datetime | None = None) -> str:
    """Write the attempt and the message's new state; returns the state."""
    now = now or utcnow()

    def work(session) -> str:
        message = session.get(OutboxMessage, message_id)
        session.add(OutboxAttempt(message_id=message_id, at=now, ok=result.ok, answer=result.answer[:2000]))
        message.last_answer = result.answer[:2000]
        if dropped:
            message.status = DROPPED
        elif result.ok:
            message.status, message.sent_at = SENT, now
        elif result.retry and message.attempts < settings.outbox_max_attempts:
            message.next_attempt_at = now + backoff(message.attempts)
        else:
            message.status = PARKED
        return message.status

    return database.run(work)


def deliver_one(database: Database, message_id: int, settings: Settings) -> str | None:
    outgoing = _prepare(database, message_id)
    if outgoing is None:
        return None
    if outgoing.refusal:
        return record(database, message_id, DeliveryResult(False, None, outgoing.refusal, False), settings, dropped=True)
    try:
        result = _send(outgoing, settings)
    except Exception as exc:  # a fault of ours: recorded and retried, the batch goes on
        log.exception("outbox message %s failed", message_id)
        result = DeliveryResult(False, None, answers.write(answers.NOT_SENT, reason=f"{exc.__class__.__name__}: {exc}")[:500], True)
    return record(database, message_id, result, settings)


def run_once(database: Database, settings: Settings, *, lease: timedelta = LEASE) -> int:
    """Deliver every message due now, batch after batch; returns how many were attempted."""
    attempted = 0
    while True:
        ids = claim(database, lease=lease)
        for message_id in ids:
            deliver_one(database, message_id, settings)
        attempted += len(ids)
        if len(ids) < BATCH:
            return attempted


class Worker:
    """The loop, in a thread (``lianxin serve``) or in the foreground (``lianxin worker``)."""

    def __init__(self, database: Database, settings: Settings, *, poll_seconds: float = 5.0,
                 lease: timedelta = LEASE):
        self.database = database
        self.settings = settings
        self.poll = poll_seconds
        self.lease = lease
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._listener: threading.Thread | None = None

    def start(self) -> None:
        log.info("delivering the outbox (poll every %g s)", self.poll)
        self._thread = threading.Thread(target=self.run, name="lianxin-worker", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        wakeup.wake()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def run(self) -> None:
        if not self.database.is_sqlite:
            self._listener = threading.Thread(target=self._listen, name="lianxin-worker-listen", daemon=True)
            self._listener.start()
        while not self._stop.is_set():
            try:
                run_once(self.database, self.settings, lease=self.lease)
            except Exception:  # keep delivering after a transient database error
                log.exception("outbox delivery failed")
            wakeup.wait(self.poll)

    def _listen(self) -> None:
        """PostgreSQL: commits in other processes NOTIFY lianxin_outbox; wake the loop. A
        connection of its own, outside the pool (LISTEN needs autocommit, which must never
        leak into the pool's connections)."""
        import psycopg

        url = self.database.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
        while not self._stop.is_set():
            try:
                with psycopg.connect(url, autocommit=True) as conn:
                    conn.execute(f"LISTEN {wakeup.CHANNEL}")
                    while not self._stop.is_set():
                        for _note in conn.notifies(timeout=1.0, stop_after=1):
                            wakeup.wake()
            except Exception:
                log.exception("LISTEN %s failed; polling meanwhile", wakeup.CHANNEL)
                self._stop.wait(self.poll)
