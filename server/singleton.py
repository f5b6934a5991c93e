"""Work that exactly one process may do at a time, however many app workers run: the
background sweep, a notification sender, any job a worker runs on a timer.

    with exclusive("sweeper", database) as mine:
        if mine:
            sweep_once(database)

PostgreSQL: a session-level advisory lock, tried (never waited for) on a connection of its
own that is held for the block and unlocked after it. A process that dies releases its lock
with its connection, so the next tick of another worker takes over. The lock is taken per
block, not for the life of the process: the work moves freely between workers.
SQLite: always yours. One server process serves an SQLite database (``lianxin serve`` warns
about more); a `lianxin sweep` from cron beside it is safe because the sweep's writes are
version-checked (server/sweeper.py).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import text

from server.db import Database

log = logging.getLogger("lianxin.singleton")

_TRY = text("SELECT pg_try_advisory_lock(:key)")
_UNLOCK = text("SELECT pg_advisory_unlock(:key)")


def lock_key(name: str) -> int:
    """A stable signed 64-bit key per job name (advisory locks are numbered, not named)."""
    digest = hashlib.blake2b(f"lianxin:{name}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


@contextmanager
def exclusive(name: str, database: Database) -> Iterator[bool]:
    """Yields True when this process holds ``name`` for the block, False when another does."""
    if database.is_sqlite:
        yield True
        return
    key = {"key": lock_key(name)}
    # Autocommit: the lock belongs to the connection's session, so no transaction is left
    # open (and idle) while the block runs on other connections.
    with database.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        mine = bool(conn.execute(_TRY, key).scalar())
        try:
            yield mine
        finally:
            if mine:
                try:
                    conn.execute(_UNLOCK, key)
                except Exception:
                    # Never hand a connection that may still hold the lock back to the pool.
                    log.exception("could not release %s; dropping the connection", name)
                    conn.invalidate()
