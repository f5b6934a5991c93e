"""Engine, sessions and transactions: the one place that talks to the database driver.

Writes go through :meth:`Database.write`, which opens one transaction, commits it when the
block ends and rolls it back on error. Services only ``flush()``; the door (API view, page,
CLI command) decides where a unit of work begins and ends.

SQLite specifics, and why:
- pysqlite's own transaction handling starts a transaction only at the first write, so a
  read-then-write can fail with "database is locked" whatever the busy timeout. We switch
  it off (``isolation_level=None``) and emit ``BEGIN IMMEDIATE`` for write transactions,
  plain ``BEGIN`` for reads (a consistent snapshot under WAL).
- Threads of one process that all wait on SQLite's busy handler sleep in growing steps and
  the tail latency explodes; a process-wide lock around write transactions queues them
  fairly instead. Several processes still coordinate through the busy timeout.
- Reads of one process also go one thread at a time (:meth:`Database.read`). Python's sqlite3
  lets go of the GIL around every step of a statement, so request threads reading at once
  hand the GIL to each other at every row: at 1,000,000 requests the queue page made 96
  context switches per answer with 32 clients against 13 with one, and cost 30% more CPU
  (bench/run.py, "ctx sw/req"). A thread waiting at the gate sleeps instead of contending.
  Writers never wait there (a reader inside may be waiting for the writer's lock), and a read
  that a streamed response carries across threads (:meth:`Database.read_stream`) is not gated.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal
from typing import TypeVar

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import NullPool

from server.config import Settings
from server.errors import InvalidInput

T = TypeVar("T")

_WRITE_OPTION = "lianxin_write"
CACHE_INFO_KEY = "lianxin_cache"

# The dialects we run on, and their INSERT constructs (with ON CONFLICT, which the generic
# ``insert()`` lacks). Upserts pick theirs by the connection's ``dialect.name``.
_DIALECT_INSERTS = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


def dialect_insert(dialect_name: str):
    """The INSERT construct of ``dialect_name`` ("postgresql" or "sqlite"): the one place
    that chooses between them."""
    return _DIALECT_INSERTS[dialect_name]


def per_dialect(build: Callable[[Callable], T]) -> dict[str, T]:
    """``build(insert)`` once per dialect, by dialect name: hot upserts are built at import
    and reused, then looked up with ``connection.dialect.name``."""
    return {name: build(insert) for name, insert in _DIALECT_INSERTS.items()}


def create_db_engine(url: str, settings: Settings, *, pooled: bool = True) -> Engine:
    parsed = make_url(url)
    pool_args: dict = (
        {"pool_size": settings.db_pool_size, "max_overflow": settings.db_pool_size}
        if pooled
        else {"poolclass": NullPool}
    )
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            from pathlib import Path

            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url,
            connect_args={
                "isolation_level": None,
                "check_same_thread": False,
                "timeout": settings.sqlite_busy_timeout_ms / 1000,
            },
            **pool_args,
        )
        _install_sqlite_hooks(engine, settings)
        _install_nul_guard(engine)
        return engine
    # No JIT: our queries are short and index-driven; past its cost threshold (a count over
    # a million-row table) PostgreSQL spent ~40 ms compiling a query that runs in a few.
    engine = create_engine(url, pool_pre_ping=True, connect_args={"options": "-c jit=off"}, **pool_args)
    _install_nul_guard(engine)
    return engine


def _install_nul_guard(engine: Engine) -> None:
    """Refuse text holding a NUL character on its way to the database, on every dialect.

    PostgreSQL cannot store NUL in text and its driver raises mid-statement (a 500); SQLite
    would store it. Checking every bound parameter here is the one place no door can miss —
    a form field, a query parameter, a username — and gives both dialects the same answer: a
    422 saying what was wrong. The doors check their own fields first where they can name
    the field; this is the net under them."""

    @event.listens_for(engine, "before_cursor_execute")
    def _refuse_nul(conn, cursor, statement, parameters, context, executemany):
        if _holds_nul(parameters):
            raise InvalidInput("Text must not contain NUL characters.")


_CONTAINERS = (dict, list, tuple)
# Types that hold no text, skipped with one set look-up: most of a row's values (ids, times,
# counts, NULLs) are these, and the checks a str subclass needs cost more than the string's.
_SCALARS = frozenset({int, float, bool, type(None), bytes, datetime, date, Decimal})


def _holds_nul(parameters) -> bool:
    """Whether any text among a statement's parameters holds NUL, whatever their shape: one
    row or many, as dicts or sequences (executemany, insertmanyvalues batches), arrays inside.
    Runs before every statement: plain loops, no generator per value (a submission's ~15
    statements spent ~5 % of its CPU in the generator version)."""
    if isinstance(parameters, dict):
        parameters = parameters.values()
    elif not isinstance(parameters, _CONTAINERS):
        return isinstance(parameters, str) and "\x00" in parameters
    for value in parameters:
        kind = type(value)
        if kind is str:
            if "\x00" in value:
                return True
        elif kind in _SCALARS:
            continue
        elif kind in _CONTAINERS or isinstance(value, _CONTAINERS):
            if _holds_nul(value):
                return True
        elif isinstance(value, str) and "\x00" in value:  # a str subclass
            return True
    return False


def _install_sqlite_hooks(engine: Engine, settings: Settings) -> None:
    synchronous = settings.sqlite_synchronous.upper()
    if synchronous not in {"OFF", "NORMAL", "FULL", "EXTRA"}:
        raise ValueError(f"LIANXIN_SQLITE_SYNCHRONOUS must be OFF, NORMAL, FULL or EXTRA, not {synchronous!r}")

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):  # pragma: no cover - exercised by every test
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute(f"PRAGMA busy_timeout={int(settings.sqlite_busy_timeout_ms)}")
        cur.execute(f"PRAGMA synchronous={synchronous}")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        write = conn.get_execution_options().get(_WRITE_OPTION, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


class Database:
    """An engine plus the two kinds of unit of work: read and write."""

    def __init__(self, url: str, settings: Settings):
        self.url = url
        self.settings = settings
        self.engine = create_db_engine(url, settings)
        self.is_sqlite = self.engine.dialect.name == "sqlite"
        # Per-database, per-process caches (server.catalog.snapshot), reachable from every
        # session as session.info[CACHE_INFO_KEY]; two databases in one process (tests) never
        # see each other's.
        self.cache: dict[str, object] = {}
        # server.live's fan-out once installed on this database (one per database and process).
        self.live: object | None = None
        info = {CACHE_INFO_KEY: self.cache}
        self._read_sessions = sessionmaker(self.engine, expire_on_commit=False, autoflush=False, info=info)
        self._write_sessions = sessionmaker(
            self.engine.execution_options(**{_WRITE_OPTION: True}),
            expire_on_commit=False,
            autoflush=False,
            info=info,
        )
        # Serialises writers of this process on SQLite (see module docstring).
        self._write_lock = threading.Lock() if self.is_sqlite else None
        # One reading thread at a time on SQLite (see module docstring); re-entrant, since a
        # read may open another.
        self._read_gate = threading.RLock() if self.is_sqlite else None
        self._thread = threading.local()  # .writing: this thread holds the write lock
        # Called with each write session just after it committed (server/live: "something
        # changed for request X"); never for a unit of work that rolled back.
        self._after_commit: list[Callable[[Session], None]] = []

    @property
    def write_sessions(self) -> sessionmaker:
        """The factory of write sessions, for session events (server/live collects changes at flush)."""
        return self._write_sessions

    def after_commit(self, hook: Callable[[Session], None]) -> None:
        """Run ``hook(session)`` after every write unit of work commits: the one place that
        learns of every committed change, whatever door made it. A failing hook is logged,
        never raised: the change is committed, and its caller must hear so."""
        self._after_commit.append(hook)

    def _committed(self, session: Session) -> None:
        for hook in self._after_commit:
            try:
                hook(session)
            except Exception:  # pragma: no cover - a broken hook must not turn a commit into an error
                logging.getLogger(__name__).exception("after-commit hook failed")

    @contextmanager
    def read(self) -> Iterator[Session]:
        """One read transaction (a consistent snapshot), entered and left in one thread."""
        gate = self._read_gate
        gated = gate is not None and not getattr(self._thread, "writing", False)
        if gated:
            gate.acquire()
        try:
            with self.read_stream() as session:
                yield session
        finally:
            if gated:
                gate.release()

    @contextmanager
    def read_stream(self) -> Iterator[Session]:
        """A read that may be entered in one thread and left in another, for a generator that
        a streamed response runs chunk by chunk (an export): it does not hold the read gate,
        which would keep every other reader of the process waiting for the whole download."""
        session = self._read_sessions()
        try:
            yield session
        finally:
            # close() (not rollback()) keeps loaded objects usable after the block; the pool
            # rolls the connection back when it takes it back.
            session.close()

    @contextmanager
    def write(self) -> Iterator[Session]:
        """One write transaction: committed when the block ends normally, else rolled back."""
        lock = self._write_lock
        if lock is not None:
            lock.acquire()
            self._thread.writing = True
        try:
            session = self._write_sessions()
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise
            else:
                self._committed(session)
            finally:
                session.close()
        finally:
            if lock is not None:
                self._thread.writing = False
                lock.release()

    def run(self, work: Callable[[Session], T]) -> T:
        """Run ``work`` in one write transaction and return its result."""
        with self.write() as session:
            return work(session)

    def analyze(self) -> None:
        """Refresh the query planner's statistics (after bulk loads). On PostgreSQL also
        VACUUM: a freshly loaded table has an empty visibility map, so every index-only scan
        still reads the table's pages (a count of the open requests over a million: 0.9 s
        before, 0.14 s after) until autovacuum comes round."""
        if self.is_sqlite:
            with self.engine.connect() as conn:
                conn.exec_driver_sql("ANALYZE")
                conn.commit()
            return
        with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM (ANALYZE)")  # not inside a transaction

    def optimize(self) -> None:
        """SQLite's routine upkeep of planner statistics, cheap when nothing changed much
        (run now and then by the background sweeper); PostgreSQL's autovacuum does this."""
        if self.is_sqlite:
            with self.engine.connect() as conn:
                conn.exec_driver_sql("PRAGMA optimize")

    def dispose(self) -> None:
        if self.live is not None:
            self.live.stop()  # its LISTEN thread and NOTIFY connection (PostgreSQL)
        self.engine.dispose()
