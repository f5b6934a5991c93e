"""Queries for in-app notifications: a person's, newest first, paged by keyset; the outbox's
parked messages for the admin."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from server import paging
from server.models import Notification, OutboxAttempt, OutboxMessage, Person

KEYS = (paging.Key(Notification.id, "int", descending=True),)
OUTBOX_KEYS = (paging.Key(OutboxMessage.id, "int", descending=True),)
# The bell shows "99+" past this: counting further would read a supervisor's whole backlog.
UNREAD_CAP = 99


def unread_count_column(person_id_column):
    """The bell's count as a correlated scalar subquery: the session lookup selects it with
    the person, so that no page needs a query of its own for it."""
    capped = (select(Notification.id).where(Notification.person_id == person_id_column, Notification.read_at.is_(None))
              .limit(UNREAD_CAP + 1).correlate_except(Notification).subquery())
    return select(func.count()).select_from(capped).scalar_subquery()


def unread_count(session: Session, person: Person) -> int:
    return session.scalar(select(unread_count_column(person.id))) or 0


def page(session: Session, person: Person, *, cursor: str | None, limit: int, unread_only: bool = False) -> paging.Page:
    stmt = select(Notification).where(Notification.person_id == person.id)
    if unread_only:
        stmt = stmt.where(Notification.read_at.is_(None))
    return paging.page(session, stmt, KEYS, "notifications", cursor, limit)


def outbox_page(session: Session, *, status: str, cursor: str | None, limit: int) -> paging.Page:
    stmt = select(OutboxMessage).where(OutboxMessage.status == status)
    return paging.page(session, stmt, OUTBOX_KEYS, f"outbox_{status}", cursor, limit)


def attempts(session: Session, message_ids: list[int]) -> dict[int, list[OutboxAttempt]]:
    if not message_ids:
        return {}
    found: dict[int, list[OutboxAttempt]] = {i: [] for i in message_ids}
    for attempt in session.scalars(select(OutboxAttempt).where(OutboxAttempt.message_id.in_(message_ids))
                                   .order_by(OutboxAttempt.id)):
        found[attempt.message_id].append(attempt)
    return found
