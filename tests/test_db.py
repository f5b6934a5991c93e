"""server.db on SQLite: every connection gets the pragmas it needs, and write transactions take
the write lock at BEGIN (BEGIN IMMEDIATE), so a read-then-write cannot fail halfway.

These build their own SQLite files, so they run the same whatever TEST_DATABASE_URL says."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from server.config import Settings, get_settings
from server.db import Database


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'pragmas.db'}"


def _pragma(db: Database, name: str):
    with db.read() as session:
        return session.execute(text(f"PRAGMA {name}")).scalar()


def test_sqlite_pragmas_are_set_on_every_connection(sqlite_url: str, settings: Settings) -> None:
    db = Database(sqlite_url, settings)
    try:
        for _ in range(2):  # a pooled connection and a freshly opened one
            assert _pragma(db, "journal_mode") == "wal"
            assert _pragma(db, "foreign_keys") == 1
            assert _pragma(db, "busy_timeout") == settings.sqlite_busy_timeout_ms
            assert _pragma(db, "synchronous") == 2  # FULL
            db.engine.dispose()
    finally:
        db.dispose()


def test_sqlite_synchronous_follows_settings(
    sqlite_url: str, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LIANXIN_SQLITE_SYNCHRONOUS", "normal")
    get_settings.cache_clear()
    db = Database(sqlite_url, get_settings())
    try:
        assert _pragma(db, "synchronous") == 1  # NORMAL
    finally:
        db.dispose()


def test_sqlite_synchronous_rejects_unknown_values(sqlite_url: str, settings: Settings) -> None:
    with pytest.raises(ValueError, match="SYNCHRONOUS"):
        Database(sqlite_url, settings.model_copy(update={"sqlite_synchronous": "SOMETIMES"}))


def test_sqlite_write_takes_the_lock_at_begin(sqlite_url: str, settings: Settings) -> None:
    """Two Database objects stand for two processes (each has its own in-process write lock).
    While one holds a write transaction, the other's write fails at BEGIN, before it has read
    anything, and reads still work (WAL)."""
    impatient = settings.model_copy(update={"sqlite_busy_timeout_ms": 100})
    holder, other = Database(sqlite_url, settings), Database(sqlite_url, impatient)
    try:
        with holder.write() as session:
            session.execute(text("CREATE TABLE t (x INTEGER)"))
        with holder.write() as session:
            session.connection()  # begins the transaction: BEGIN IMMEDIATE takes the lock now
            with pytest.raises(OperationalError, match="database is locked"), other.write() as blocked:
                # A deferred BEGIN would succeed here and only fail at the first write.
                blocked.connection()
            with other.read() as reader:
                assert reader.execute(text("SELECT count(*) FROM t")).scalar() == 0
        # Once the holder commits, the other can write.
        with other.write() as session:
            session.execute(text("INSERT INTO t VALUES (1)"))
        with holder.read() as reader:
            assert reader.execute(text("SELECT count(*) FROM t")).scalar() == 1
    finally:
        holder.dispose()
        other.dispose()


def test_sqlite_reads_begin_deferred(sqlite_url: str, settings: Settings, count_queries) -> None:
    db = Database(sqlite_url, settings)
    try:
        with count_queries(db) as counter:
            with db.read() as session:
                session.execute(text("SELECT 1"))
            with db.write() as session:
                session.execute(text("SELECT 1"))
        assert [s for s in counter.statements if s.startswith("BEGIN")] == ["BEGIN", "BEGIN IMMEDIATE"]
        assert counter.count == 2  # transaction control is not counted
    finally:
        db.dispose()
