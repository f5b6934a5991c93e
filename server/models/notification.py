"""Notifications (docs/NOTIFICATIONS.md): what a person reads in the app, the outbox of
messages still to leave by e-mail or webhook, each attempt's answer, and each person's
choices of what reaches them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from server.models.base import Base, utcnow


class Notification(Base):
    """One in-app notification of one person: the bell counts those with no ``read_at``."""

    __tablename__ = "notification"
    __table_args__ = (
        # The bell's count (a person's unread ones) and the page (a person's, newest first).
        Index("ix_notification_person_unread", "person_id", "read_at"),
        Index("ix_notification_person_id", "person_id", "id"),
        # The sweep's retention: read ones, oldest reading first (unread ones are not in it).
        Index("ix_notification_read_at", "read_at", sqlite_where=text("read_at IS NOT NULL"),
              postgresql_where=text("read_at IS NOT NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    event_type: Mapped[str] = mapped_column(String(60))
    request_id: Mapped[int | None] = mapped_column(ForeignKey("service_request.id", ondelete="CASCADE"), index=True)
    # The page it links to (a booking, an activity, a club) when it is not about a request.
    link: Mapped[str] = mapped_column(String(300), default="")
    # The values its text is written with ({"number": ..., "service": {locale: name}}).
    params: Mapped[dict] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None]


class OutboxMessage(Base):
    """A message to send by e-mail (to a person) or to a webhook, written in the same
    transaction as the change it tells of; the worker (server/notifications/worker.py)
    sends it, retries it with back-off and parks it after too many failures."""

    __tablename__ = "outbox_message"
    __table_args__ = (
        # The worker's claim: the queued ones that are due, in order.
        Index(
            "ix_outbox_message_due", "next_attempt_at", "id",
            sqlite_where=text("status = 'queued'"), postgresql_where=text("status = 'queued'"),
        ),
        Index("ix_outbox_message_status_id", "status", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Sent with the message (X-Lianxin-Event-Id, Message-ID): receivers drop duplicates by it.
    message_id: Mapped[str] = mapped_column(String(40), unique=True)
    channel: Mapped[str] = mapped_column(String(20))  # email | webhook
    event_type: Mapped[str] = mapped_column(String(60))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    webhook_id: Mapped[int | None] = mapped_column(ForeignKey("webhook.id", ondelete="CASCADE"), index=True)
    # What the recipient was chosen as ({"audience", "department_id", ...}): checked again
    # when the message is sent, so that someone who left meanwhile gets nothing.
    audience: Mapped[dict] = mapped_column(default=dict)
    payload: Mapped[dict] = mapped_column(default=dict)
    status: Mapped[str] = mapped_column(String(10), default="queued")  # queued | sent | parked | dropped
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_answer: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]


class OutboxAttempt(Base):
    """One attempt to send an outbox message and what came back."""

    __tablename__ = "outbox_attempt"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("outbox_message.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    ok: Mapped[bool] = mapped_column(default=False)
    answer: Mapped[str] = mapped_column(Text, default="")


class NotificationPreference(Base):
    """A person's choice for one event type on one channel; without a row the default holds
    (server/notifications/recipients.py)."""

    __tablename__ = "notification_preference"

    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), primary_key=True)
    channel: Mapped[str] = mapped_column(String(20), primary_key=True)  # in_app | email
    event_type: Mapped[str] = mapped_column(String(60), primary_key=True)
    enabled: Mapped[bool] = mapped_column(default=True)
