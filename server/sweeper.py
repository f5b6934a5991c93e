"""Time-based transitions (closing unrated requests) run in the background of `lianxin
serve`, or once by `lianxin sweep` from cron. Safe to run in several processes at once:
each transition is version-checked, so a request closed by one is skipped by the other."""

from __future__ import annotations

import logging
import threading

from server.db import Database
from server.errors import Conflict
from server.requests import service as request_service

log = logging.getLogger("lianxin.sweeper")


def sweep_once(database: Database) -> int:
    closed = 0
    while True:
        try:
            batch = database.run(lambda session: request_service.close_unrated(session, limit=200))
        except Conflict:
            continue  # another process got there first; look again
        closed += batch
        if batch < 200:
            return closed


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
                closed = sweep_once(self.database)
                if closed:
                    log.info("closed %d unrated requests", closed)
                self.database.optimize()
            except Exception:  # keep sweeping after a transient database error
                log.exception("sweep failed")
