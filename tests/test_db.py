"""server.db on SQLite: every connection gets the pragmas it needs, and write transactions take
the write lock at BEGIN (BEGIN IMMEDIATE), so a read-then-write cannot fail halfway.

These build their own SQLite files, so they run the same whatever TEST_DATABASE_URL says."""

from __future__ import annotations

import threading
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


def _read_once(db: Database) -> None:
    with db.read() as session:
        session.scalar(text("SELECT 1"))


def _in_thread(work) -> tuple[threading.Thread, threading.Event]:
    """Start ``work`` in a thread; the event is set once it has run."""
    done = threading.Event()

    def run():
        work()
        done.set()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, done


def test_sqlite_reads_of_one_process_go_one_thread_at_a_time(sqlite_url: str, settings: Settings) -> None:
    # The sqlite3 driver lets go of the GIL at every row: threads reading at once hand it to
    # each other at every row (db.py's docstring); one reads while the others sleep.
    db = Database(sqlite_url, settings)
    with db.read():
        thread, done = _in_thread(lambda: _read_once(db))
        assert not done.wait(0.3), "a second thread read while the first was inside a read"
    assert done.wait(5), "the waiting reader never got in"
    thread.join(5)


def test_a_read_inside_a_read_does_not_wait_for_itself(sqlite_url: str, settings: Settings) -> None:
    db = Database(sqlite_url, settings)
    with db.read() as outer, db.read() as inner:
        assert inner.scalar(text("SELECT 1")) == 1 and outer.scalar(text("SELECT 2")) == 2


def test_a_writer_reads_while_another_thread_is_inside_a_read(sqlite_url: str, settings: Settings) -> None:
    # A reader inside the gate may be waiting for the writer's lock: a writer that waited for
    # the gate would deadlock with it.
    db = Database(sqlite_url, settings)
    writing, read_in_write = threading.Event(), threading.Event()

    def writer():
        with db.write():
            writing.set()
            with db.read() as session:
                session.scalar(text("SELECT 1"))
                read_in_write.set()

    with db.read():
        thread, done = _in_thread(writer)
        assert writing.wait(5) and read_in_write.wait(5), "the writer's read waited for another thread's read"
    assert done.wait(5)
    thread.join(5)
    # The flag went with the write: the same thread's next read is gated again.
    with db.read():
        thread, done = _in_thread(lambda: _read_once(db))
        assert not done.wait(0.3)
    assert done.wait(5)


def test_a_streamed_read_ends_in_another_thread_and_holds_nobody_up(sqlite_url: str, settings: Settings) -> None:
    # An export's generator begins in one worker thread and is closed in another (Starlette
    # runs each chunk in the pool): it must not hold the gate the whole download.
    db = Database(sqlite_url, settings)

    def rows():
        with db.read_stream() as session:
            yield session.scalar(text("SELECT 1"))
            yield session.scalar(text("SELECT 2"))

    stream = rows()
    started = []
    thread, done = _in_thread(lambda: started.append(next(stream)))
    assert done.wait(5) and started == [1]
    thread.join(5)
    thread, done = _in_thread(lambda: _read_once(db))  # another reader, while the download is under way
    assert done.wait(5), "a reader waited for a download in progress"
    thread.join(5)
    assert next(stream) == 2
    stream.close()


def test_the_nul_guard_finds_text_among_any_values():
    """The guard skips values that hold no text (ids, times, NULLs) with one look-up, and still
    finds NUL in a str subclass, a nested container or a row of many, wherever it stands."""
    import enum
    from datetime import date, datetime
    from decimal import Decimal

    from server.db import _holds_nul

    class Text(enum.StrEnum):
        bad = "a\x00b"

    scalars = [1, 2.5, True, None, b"\x00", datetime(2026, 1, 1), date(2026, 1, 1), Decimal("1.5")]
    assert not _holds_nul({f"c{i}": v for i, v in enumerate(scalars)})
    for bad in ("x\x00", Text.bad, ["ok", {"k": "v\x00"}], ("t", ("\x00",))):
        assert _holds_nul({**{f"c{i}": v for i, v in enumerate(scalars)}, "last": bad}), bad
        assert _holds_nul([scalars, [*scalars, bad]]), bad
    assert not _holds_nul([("ok", 1), {"k": ["v", 2]}])
