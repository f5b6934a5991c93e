"""Read notifications do not pile up for ever: the sweep deletes those read more than
LIANXIN_NOTIFICATION_RETENTION_DAYS ago, in batches; unread ones stay however old, and 0
keeps everything."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from server.accounts.people_repository import person_by_username
from server.models import Notification, utcnow
from server.notifications import service as notifications
from server.sweeper import sweep_notifications
from tests.factories import build_world

pytestmark = pytest.mark.db


@pytest.fixture
def world(database):
    return build_world(database)


def _notifications(database, ages: dict[str, tuple[int, int | None]]) -> dict[str, int]:
    """One notification per label for staff1: (days since written, days since read or None)."""
    now = utcnow()
    with database.write() as session:
        person = person_by_username(session, "staff1")
        rows = {label: Notification(person_id=person.id, event_type="new_task", params={}, link="/",
                                    created_at=now - timedelta(days=written),
                                    read_at=None if read is None else now - timedelta(days=read))
                for label, (written, read) in ages.items()}
        session.add_all(rows.values())
        session.flush()
        return {label: row.id for label, row in rows.items()}


def _left(database) -> set[int]:
    with database.read() as session:
        return set(session.scalars(select(Notification.id)))


def test_the_sweep_deletes_only_what_was_read_before_the_retention(database, world):
    ids = _notifications(database, {"read long ago": (400, 200), "read just inside": (400, 89),
                                    "unread and old": (400, None), "read yesterday": (2, 1)})
    assert database.settings.notification_retention_days == 90  # the default
    assert sweep_notifications(database, utcnow()) == 1
    assert _left(database) == {ids["read just inside"], ids["unread and old"], ids["read yesterday"]}
    assert sweep_notifications(database, utcnow()) == 0


def test_a_retention_of_zero_keeps_everything(database, world, monkeypatch):
    ids = _notifications(database, {"read long ago": (400, 200)})
    monkeypatch.setattr(database, "settings", database.settings.model_copy(update={"notification_retention_days": 0}))
    assert sweep_notifications(database, utcnow()) == 0
    assert _left(database) == set(ids.values())


def test_many_go_in_batches(database, world, monkeypatch):
    monkeypatch.setattr(notifications, "RETENTION_BATCH", 3)
    _notifications(database, {f"old {i}": (300, 200) for i in range(7)} | {"new": (1, None)})
    assert sweep_notifications(database, utcnow()) == 7
    assert len(_left(database)) == 1

