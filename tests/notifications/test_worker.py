"""The outbox worker: a committed change's webhook message reaches a real receiver on
loopback with its id; failures are retried with back-off, recorded, parked after N; an admin
sends a parked one again; a recipient who left gets nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from server.enums import Action as A
from server.models import AuditEntry, OutboxAttempt, OutboxMessage, Person
from server.notifications import service as notifications
from server.notifications import wakeup, webhooks_service, worker
from server.notifications.webhooks_service import WebhookInput
from server.notifications.webhooks_signing import verify_signature
from tests.factories import build_world
from tests.notifications.webhook_receiver import allow_loopback, running_receiver
from tests.requests.helpers import act, submit


@pytest.fixture
def receiver():
    yield from running_receiver()


@pytest.fixture
def loopback(monkeypatch, settings):
    return allow_loopback(monkeypatch)


@pytest.fixture
def world(database):
    return build_world(database)


def _hook(database, url, **kwargs):
    with database.write() as session:
        hook = webhooks_service.add(session, None, WebhookInput(url=url, **kwargs))
        return hook.id, hook.secret


def messages(database, **where):
    with database.read() as session:
        return list(session.scalars(select(OutboxMessage).filter_by(**where).order_by(OutboxMessage.id)))


def test_a_committed_change_reaches_the_webhook_once_with_its_id(database, world, receiver, loopback):
    _, secret = _hook(database, receiver.url(), department_code="union", event_types=["new_task", "claimed"])
    req = submit(database, "member1", "union.join", answers={"people": 2})
    act(database, "staff1", req.number, A.claim)
    assert worker.run_once(database, loopback) == 2
    assert [r.json["type"] for r in receiver.received] == ["new_task", "claimed"]
    first = receiver.received[0]
    assert first.json["request"]["number"] == req.number and first.json["request"]["department_code"] == "union"
    assert first.headers["x-lianxin-event-id"] == first.json["id"] == messages(database)[0].message_id
    assert verify_signature(secret, first.headers["x-lianxin-signature"], first.body)
    assert "member1" not in first.body.decode() and "13800138000" not in first.body.decode()
    assert [m.status for m in messages(database)] == ["sent", "sent"]
    assert worker.run_once(database, loopback) == 0 and len(receiver.received) == 2


def test_another_departments_hook_and_unwanted_events_get_nothing(database, world, receiver, loopback):
    _hook(database, receiver.url("/legal"), department_code="legal")
    _hook(database, receiver.url("/all"), event_types=["completed"])
    submit(database, "member1", "union.join", answers={"people": 2})
    assert messages(database) == []


def test_a_rolled_back_change_queues_nothing(database, world, receiver, loopback):
    _hook(database, receiver.url())
    from server.accounts.people_repository import person_by_username
    from server.requests import service as request_service

    with pytest.raises(RuntimeError), database.write() as session:
        request_service.submit(session, person_by_username(session, "member1"), request_service.SubmitInput(
            service_code="union.join", description="x", answers={"people": 2}))
        assert len(session.scalars(select(OutboxMessage)).all()) == 1  # written, in the transaction
        raise RuntimeError("the door failed")
    assert messages(database) == []


def test_a_commit_wakes_the_worker(database, world, receiver, loopback):
    _hook(database, receiver.url())
    wakeup.wait(0)  # forget earlier wake-ups
    assert not wakeup.wait(0)
    submit(database, "member1", "union.join", answers={"people": 2})
    assert wakeup.wait(0)


def test_failures_are_retried_with_back_off_then_parked(database, world, receiver, loopback, monkeypatch):
    monkeypatch.setattr(loopback, "outbox_max_attempts", 3)
    receiver.answer("/hook", 503, b"busy")
    _hook(database, receiver.url())
    submit(database, "member1", "union.join", answers={"people": 2})
    (message,) = messages(database)
    assert worker.run_once(database, loopback) == 1
    (message,) = messages(database)
    assert message.status == "queued" and message.attempts == 1 and message.last_answer == "HTTP 503: busy"
    assert message.next_attempt_at > message.created_at + timedelta(seconds=9)
    assert worker.run_once(database, loopback) == 0  # not due yet
    for expected in ("queued", "parked"):
        with database.write() as session:  # time passes
            session.get(OutboxMessage, message.id).next_attempt_at = message.created_at
        worker.run_once(database, loopback)
        assert messages(database)[0].status == expected
    with database.read() as session:
        answers = session.scalars(select(OutboxAttempt.answer).where(OutboxAttempt.message_id == message.id)).all()
    assert answers == ["HTTP 503: busy"] * 3
    assert worker.backoff(1) == timedelta(seconds=10) and worker.backoff(2) == timedelta(seconds=20)
    assert worker.backoff(30) == timedelta(hours=1)


def test_a_refusal_that_cannot_mend_parks_at_once(database, world, receiver, loopback):
    receiver.answer("/hook", 404, b"no such hook")
    _hook(database, receiver.url())
    submit(database, "member1", "union.join", answers={"people": 2})
    worker.run_once(database, loopback)
    assert messages(database)[0].status == "parked"


def test_an_admin_sends_a_parked_message_again_audited(database, world, receiver, loopback):
    from fastapi.testclient import TestClient

    from server.app import create_app
    from tests.admin.pages import post, sign_in

    receiver.answer("/hook", 404, b"gone")
    _hook(database, receiver.url())
    submit(database, "member1", "union.join", answers={"people": 2})
    worker.run_once(database, loopback)
    (message,) = messages(database)
    with TestClient(create_app(loopback, database)) as client:
        sign_in(client, "admin1")
        page = client.get("/admin/outbox")
        assert page.status_code == 200 and message.message_id in page.text and "HTTP 404: gone" in page.text
        receiver.answers.clear()
        assert post(client, f"/admin/outbox/{message.id}/resend").status_code == 303
        sign_in(client, "member1")
        assert client.get("/admin/outbox").status_code in (403, 404)
    assert messages(database)[0].status == "queued"
    worker.run_once(database, loopback)
    assert messages(database)[0].status == "sent"
    assert [r.json["id"] for r in receiver.received] == [message.message_id] * 2  # the same id both times
    with database.read() as session:
        entry = session.scalar(select(AuditEntry).where(AuditEntry.entity == "outbox_message"))
    assert entry.action == "resend" and entry.entity_id == message.id


def test_an_email_to_someone_who_left_the_department_is_not_sent(database, world, monkeypatch, settings):
    monkeypatch.setenv("LIANXIN_SMTP_HOST", "127.0.0.1")
    from server.config import get_settings

    get_settings.cache_clear()
    with database.write() as session:
        for person in session.scalars(select(Person).where(Person.username.in_(["staff1", "staff2", "lead1"]))):
            person.email = f"{person.username}@demo.lianxin.test"
            notifications.set_choices(session, person, {("email", "new_task"), ("in_app", "new_task")})
    submit(database, "member1", "union.join", answers={"people": 2})
    # new_task → union's staff by e-mail; staff1 moves to care before the worker runs.
    with database.write() as session:
        staff1 = session.scalar(select(Person).where(Person.username == "staff1"))
        staff1.department_id = world.departments["care"].id
    emails = messages(database, channel="email")
    assert {m.person_id for m in emails} == {world["staff1"].id, world["staff2"].id, world["lead1"].id}
    sent = []
    monkeypatch.setattr(worker.mail, "send", lambda person, message, s: sent.append(person.username) or
                        worker.DeliveryResult(True, 250, "ok", False))
    worker.run_once(database, get_settings())
    assert sorted(sent) == ["lead1", "staff2"]
    (left,) = [m for m in messages(database, channel="email") if m.person_id == world["staff1"].id]
    assert left.status == "dropped" and "no longer receives" in left.last_answer


def test_emit_counts_who_it_reached(database, world):
    with database.write() as session:
        member = session.scalar(select(Person).where(Person.username == "member1"))
        assert notifications.emit(session, "activity.promoted", ctx={"person_id": member.id}, params={"title": "x"}) == 1


def test_serve_runs_the_worker_woken_by_the_commit(database, world, receiver, loopback, monkeypatch):
    import time

    from fastapi.testclient import TestClient

    from server.app import create_app

    monkeypatch.setattr(loopback, "worker_in_serve", True)
    _hook(database, receiver.url(), event_types=["new_task"])
    with TestClient(create_app(loopback, database)):
        submit(database, "member1", "union.join", answers={"people": 2})
        deadline = time.monotonic() + 10  # the worker's poll is 5 s: the commit woke it long before
        while not receiver.received and time.monotonic() < deadline:
            time.sleep(0.02)
    assert [r.json["type"] for r in receiver.received] == ["new_task"]
    assert messages(database)[0].status == "sent"


@pytest.mark.postgres_only
def test_on_postgresql_a_commit_in_another_process_wakes_the_worker_by_notify(database, settings):
    import threading
    import time

    from sqlalchemy import text

    runner = worker.Worker(database, settings, poll_seconds=30)
    listener = threading.Thread(target=runner._listen, daemon=True)
    listener.start()
    try:
        time.sleep(1.5)  # LISTEN is in place
        wakeup.wait(0)
        with database.engine.connect() as conn:  # as another process would: no Session, no in-process event
            conn.execute(text(f"NOTIFY {wakeup.CHANNEL}"))
            conn.commit()
        assert wakeup.wait(5)
    finally:
        runner._stop.set()
        listener.join(timeout=5)


def test_the_outbox_page_speaks_the_admins_language(database, world, monkeypatch, settings):
    """An admin reads the event by its name and the worker's reason in their language (the
    default, 简体); the event's code and the values (here the audience) stay as recorded."""
    from fastapi.testclient import TestClient

    from server.app import create_app
    from server.config import get_settings
    from server.notifications import answers, recipients
    from server.web.i18n import gettext_for
    from tests.admin.pages import sign_in

    monkeypatch.setenv("LIANXIN_SMTP_HOST", "127.0.0.1")
    get_settings.cache_clear()
    with database.write() as session:
        staff1 = session.scalar(select(Person).where(Person.username == "staff1"))
        staff1.email = "staff1@demo.lianxin.test"
        notifications.set_choices(session, staff1, {("email", "new_task"), ("in_app", "new_task")})
    submit(database, "member1", "union.join", answers={"people": 2})
    with database.write() as session:
        session.scalar(select(Person).where(Person.username == "staff1")).department_id = world.departments["care"].id
    worker.run_once(database, get_settings())
    (dropped,) = messages(database, status="dropped")
    assert dropped.last_answer == "not sent: the person no longer receives this (department_staff)"  # as recorded
    gettext = gettext_for("zh-Hans")
    label, reason = gettext(recipients.LABELS["new_task"]), gettext(answers.NO_LONGER_RECEIVES)
    assert label != recipients.LABELS["new_task"] and reason != answers.NO_LONGER_RECEIVES  # translated at all
    with TestClient(create_app(get_settings(), database)) as client:
        sign_in(client, "admin1")
        page = client.get("/admin/outbox", params={"status": "dropped"}).text
    assert label in page and "<code>new_task</code>" in page
    assert reason.format(audience="department_staff") in page and "not sent" not in page
    assert gettext("E-mail") in page
    # A receiver's own words are shown as they came.
    assert answers.shown("HTTP 404: gone", gettext) == "HTTP 404: gone"
    assert answers.shown(answers.write(answers.REFUSED, reason="550 <x@y>"), gettext) == gettext(answers.REFUSED).format(
        reason="550 <x@y>")
