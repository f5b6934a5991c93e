"""E-mail over SMTP against a real server on loopback (aiosmtpd): the recipient's language,
plain text and HTML (escaped), the message's id in its headers, SMTP's own refusals."""

from __future__ import annotations

import email
import email.policy
import socket

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from sqlalchemy import select

from server.config import get_settings
from server.models import OutboxMessage, Person
from server.notifications import service as notifications
from server.notifications import worker
from tests.factories import build_world


class Inbox:
    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []
        self.refuse: str | None = None

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.refuse:
            return self.refuse
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp(monkeypatch, settings):
    inbox = Inbox()

    def authenticate(server, session, envelope, mechanism, auth_data):
        ok = isinstance(auth_data, LoginPassword) and auth_data.login == b"lianxin" and auth_data.password == b"s3cret"
        return AuthResult(success=ok)

    with socket.socket() as probe:  # a free port (the controller checks it by connecting)
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(inbox, hostname="127.0.0.1", port=port, authenticator=authenticate,
                            auth_require_tls=False)
    controller.start()
    monkeypatch.setenv("LIANXIN_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("LIANXIN_SMTP_PORT", str(port))
    monkeypatch.setenv("LIANXIN_SMTP_TLS", "none")
    monkeypatch.setenv("LIANXIN_SMTP_USER", "lianxin")
    monkeypatch.setenv("LIANXIN_SMTP_PASSWORD", "s3cret")
    monkeypatch.setenv("LIANXIN_SMTP_FROM", "noreply@lianxin.example.cn")
    monkeypatch.setenv("LIANXIN_PUBLIC_URL", "https://lianxin.example.cn")
    get_settings.cache_clear()
    yield inbox
    controller.stop()


@pytest.fixture
def world(database):
    return build_world(database)


def _promote(database, username, *, locale=None, title="主题党日 <b>学习</b>"):
    with database.write() as session:
        person = session.scalar(select(Person).where(Person.username == username))
        person.email, person.locale = f"{username}@demo.lianxin.test", locale
        session.flush()  # emit() reads what is flushed (our sessions do not autoflush)
        notifications.emit(session, "activity.promoted", ctx={"person_id": person.id}, params={"title": title},
                           link="/activities/7")


def _outbox(database):
    with database.read() as session:
        return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def test_an_email_in_the_recipients_language_with_text_and_escaped_html(database, world, smtp):
    _promote(database, "member1", locale="en")
    _promote(database, "member2", locale="zh-Hant")
    assert worker.run_once(database, get_settings()) == 2
    english, traditional = smtp.messages
    assert english["To"] == "member1@demo.lianxin.test" and english["From"] == "noreply@lianxin.example.cn"
    assert english["Subject"] == "A place came free, it is yours: 主题党日 <b>学习</b>"
    text = english.get_body(("plain",)).get_content()
    html = english.get_body(("html",)).get_content()
    assert "Hello Member1," in text and "https://lianxin.example.cn/activities/7" in text
    assert "&lt;b&gt;学习&lt;/b&gt;" in html and "<b>学习</b>" not in html
    assert 'href="https://lianxin.example.cn/activities/7"' in html
    assert traditional["Subject"].startswith("有空位了，名額歸您")
    ids = [m.message_id for m in _outbox(database)]
    assert english["X-Lianxin-Event-Id"] == ids[0] and ids[0] in english["Message-ID"]
    assert [m.status for m in _outbox(database)] == ["sent", "sent"]


def test_the_default_language_is_simplified_chinese(database, world, smtp):
    _promote(database, "member1")
    worker.run_once(database, get_settings())
    assert smtp.messages[0]["Subject"].startswith("有空位了，名额归您")


def test_a_temporary_refusal_is_retried_and_a_permanent_one_parks(database, world, smtp):
    smtp.refuse = "451 Try again later"
    _promote(database, "member1")
    worker.run_once(database, get_settings())
    (message,) = _outbox(database)
    assert message.status == "queued" and "451" in message.last_answer
    smtp.refuse = "550 No such mailbox"
    with database.write() as session:
        session.get(OutboxMessage, message.id).next_attempt_at = message.created_at
    worker.run_once(database, get_settings())
    (message,) = _outbox(database)
    assert message.status == "parked" and "550" in message.last_answer and smtp.messages == []


def test_no_host_means_no_email(database, world, monkeypatch, settings):
    monkeypatch.delenv("LIANXIN_SMTP_HOST", raising=False)
    get_settings.cache_clear()
    _promote(database, "member1")
    assert _outbox(database) == []
