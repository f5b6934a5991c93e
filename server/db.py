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
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
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
    engine = create_engine(url, pool_pre_ping=True, **pool_args)
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
        if any(isinstance(value, str) and "\x00" in value for value in _bound_values(parameters)):
            raise InvalidInput("Text must not contain NUL characters.")


def _bound_values(parameters) -> Iterator:
    """Every value in a statement's parameters, whatever their shape: one row or many, as
    dicts or sequences (executemany, insertmanyvalues batches), arrays inside."""
    if isinstance(parameters, dict):
        parameters = parameters.values()
    elif not isinstance(parameters, list | tuple):
        yield parameters
        return
    for value in parameters:
        if isinstance(value, dict | list | tuple):
            yield from _bound_values(value)
        else:
            yield value


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

    @contextmanager
    def read(self) -> Iterator[Session]:
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
        try:
            session = self._write_sessions()
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise
            finally:
                session.close()
        finally:
            if lock is not None:
                lock.release()

    def run(self, work: Callable[[Session], T]) -> T:
        """Run ``work`` in one write transaction and return its result."""
        with self.write() as session:
            return work(session)

    def analyze(self) -> None:
        """Refresh the query planner's statistics (after bulk loads). On PostgreSQL also VACUUM:
        it marks the loaded pages all-visible, without which an index-only scan (the metrics'
        live counts) reads the table row of every index entry; autovacuum would get there
        later, where it runs at all."""
        with self.engine.connect() as conn:
            if self.is_sqlite:
                conn.exec_driver_sql("ANALYZE")
                conn.commit()
            else:
                conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("VACUUM (ANALYZE)")

    def optimize(self) -> None:
        """SQLite's routine upkeep of planner statistics, cheap when nothing changed much
        (run now and then by the background sweeper); PostgreSQL's autovacuum does this."""
        if self.is_sqlite:
            with self.engine.connect() as conn:
                conn.exec_driver_sql("PRAGMA optimize")

    def dispose(self) -> None:
        self.engine.dispose()
