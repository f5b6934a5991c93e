"""Waking the outbox worker of this process when a transaction that wrote outbox messages
commits (and not before: a rolled-back change sends nothing). Workers in other processes
find the messages at their next poll (``lianxin worker --poll``), or at once on PostgreSQL,
where the same commit sends ``NOTIFY lianxin_outbox``."""

from __future__ import annotations

import threading

from sqlalchemy import event
from sqlalchemy.orm import Session

# Set on a session whose transaction wrote outbox messages (server.notifications.service).
OUTBOX_WRITTEN = "lianxin.outbox_written"
CHANNEL = "lianxin_outbox"

_written = threading.Event()


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    if session.info.pop(OUTBOX_WRITTEN, False):
        _written.set()


@event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    session.info.pop(OUTBOX_WRITTEN, None)


def wake() -> None:
    _written.set()


def wait(timeout: float) -> bool:
    """Block until a commit wrote outbox messages or ``timeout`` seconds pass; True when woken."""
    woken = _written.wait(timeout)
    _written.clear()
    return woken
