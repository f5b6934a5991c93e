"""Time-based work, run in the background of `lianxin serve`, or once by `lianxin sweep` from
cron: closing unrated requests, keeping the supervision flags and overdue stamps
(``server.requests.supervision``), creating the next occurrences of repeating activities
(``server.activities.service.extend_all_series``), deleting read notifications past their
retention (``LIANXIN_NOTIFICATION_RETENTION_DAYS``), and, on PostgreSQL, folding the rollup's
shards (``server.metrics.rollup.fold``). Every app worker has a sweeper, but on
PostgreSQL only the one holding the "sweeper" lock (server/singleton.py) sweeps on a given tick.
A sweep beside another (a `lianxin sweep` from cron) is safe anyway: each close is a
version-checked transition, so a request closed by one is skipped by the other, and the flag
writes are version-checked too (a request changed meanwhile keeps the flag its transition set)."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta

from server import singleton
from server.activities import service as activity_service
from server.db import Database
from server.errors import Conflict
from server.metrics import rollup
from server.models import utcnow
from server.notifications import service as notification_service
from server.requests import service as request_service
from server.requests import supervision

log = logging.getLogger("lianxin.sweeper")


@dataclass(frozen=True)
class Swept:
    closed: int  # unrated requests closed
    flagged: int  # requests whose flag or overdue stamps changed
    occurrences: int = 0  # activities added to repeating series
    forgotten: int = 0  # read notifications deleted past their retention
    folded: int = 0  # rollup rows folded into one per key (PostgreSQL: server.metrics.rollup.fold)


def sweep_once(database: Database, now: datetime | None = None) -> Swept:
    closed = 0
    while True:
        try:
            batch = database.run(lambda session: request_service.close_unrated(session, limit=200, now=now))
        except Conflict:
            continue  # another process got there first; look again
        closed += batch
        if batch < 200:
            break
    now = now or utcnow()
    flagged = sweep_flags(database, now)
    occurrences = sweep_programme(database, now)
    return Swept(closed, flagged, occurrences, sweep_notifications(database, now), rollup.fold(database))


def sweep_notifications(database: Database, now: datetime) -> int:
    """Read notifications past LIANXIN_NOTIFICATION_RETENTION_DAYS, deleted in short batches."""
    days = database.settings.notification_retention_days
    if days <= 0:
        return 0
    before, forgotten = now - timedelta(days=days), 0
    while True:
        batch = database.run(lambda session: notification_service.forget_read(
            session, before, limit=notification_service.RETENTION_BATCH))
        forgotten += batch
        if batch < notification_service.RETENTION_BATCH:
            return forgotten


def sweep_programme(database: Database, now: datetime) -> int:
    """Repeating activities get their occurrences up to the horizon (idempotent: the series'
    lock and its unique (series, start) key keep two sweepers from doubling one)."""
    added = database.run(lambda session: activity_service.extend_all_series(session, now=now))
    # The day-before reminders (activity.reminder), each activity once.
    database.run(lambda session: activity_service.send_reminders(session, now=now))
    return added


def sweep_flags(database: Database, now: datetime) -> int:
    """Every open request's flag and overdue stamps as of ``now``, one short write transaction
    per batch (other writers are never held up for long). Returns how many rows changed."""
    changed = 0
    for kind, statuses in supervision.OVERDUE_STATUSES.items():
        for status in statuses:
            after = None
            while True:
                stamped = database.run(
                    lambda session, k=kind, s=status, a=after: supervision.stamp_overdue(session, k, s, now, a)
                )
                changed += stamped.changed
                if stamped.after is None:
                    break
                after = stamped.after
    for status in supervision.SWEPT_STATUSES:
        after: int | None = 0
        while after is not None:
            batch = database.run(lambda session, a=after, s=status: supervision.sweep_batch(session, s, a, now))
            changed += batch.changed
            after = batch.last_id
    while True:
        cleared = database.run(supervision.clear_finished)
        changed += cleared
        if cleared < supervision.SWEEP_BATCH:
            return changed


class Sweeper:
    def __init__(self, database: Database, interval_seconds: float):
        self.database = database
        self.interval = interval_seconds
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="lianxin-sweeper", daemon=True)

    def start(self) -> None:
        log.info("sweeping every %g s", self.interval)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.tick()
            except Exception:  # keep sweeping after a transient database error
                log.exception("sweep failed")

    def tick(self) -> Swept | None:
        """One sweep, unless another worker is sweeping (then None)."""
        with singleton.exclusive("sweeper", self.database) as mine:
            if not mine:
                return None
            swept = sweep_once(self.database)
            if swept.closed or swept.flagged or swept.occurrences or swept.forgotten:
                log.info("closed %d unrated requests, updated %d flags, added %d activities, deleted %d read "
                         "notifications", swept.closed, swept.flagged, swept.occurrences, swept.forgotten)
            self.database.optimize()
            return swept
