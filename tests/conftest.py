"""Test infrastructure shared by the whole suite: settings, an isolated migrated database per
test, query counting, and the skip rules for PostgreSQL-only and browser tests.

Which database the tests use:
- SQLite by default. The schema is built once per session with ``alembic upgrade head`` into a
  template file; each test gets its own copy of that file. Copying beats re-migrating (~ms vs
  ~s) and, unlike a rolled-back outer transaction, lets tests commit for real from many threads.
- PostgreSQL when ``TEST_DATABASE_URL`` is set (``make test-pg``, ``.ci/run``). The schema is
  dropped and migrated once per session; after each test the tables are truncated and the rows
  the migrations inserted are put back, so each test sees what a fresh migration leaves. The
  database is wiped, so point it at a throwaway database only.

"Empty" means: no rows but those the migrations themselves insert (e.g. catalog_revision).

Fixtures defined here: ``settings``, ``db_url``, ``database``, ``count_queries``.
Every test that uses ``db_url`` or ``database`` is marked ``db`` automatically; ``.ci/run``
runs exactly those again on PostgreSQL.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import sqlite3
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest

# --- environment, before any application module reads it -------------------------------------
# Settings are cached (lru_cache) on first use, so these must be in place before app code runs.
# Cheap password hashes: argon2's production cost (~130 ms a hash) would dominate the suite.
os.environ["LIANXIN_PASSWORD_HASHING"] = "fast"
_SESSION_DATA_DIR = Path(tempfile.mkdtemp(prefix="lianxin-test-"))
os.environ["LIANXIN_DATA_DIR"] = str(_SESSION_DATA_DIR)
# A developer's own DATABASE_URL must never receive test writes: anything that falls back on
# the settings' URL lands in the temporary data dir instead.
os.environ.pop("DATABASE_URL", None)
os.environ.pop("LIANXIN_DATABASE_URL", None)
# The background sweep would race tests that count queries or check timestamps.
os.environ.setdefault("LIANXIN_SWEEP_INTERVAL_SECONDS", "0")
# Nor the outbox worker: tests deliver when they mean to (server/notifications/worker.py).
os.environ.setdefault("LIANXIN_WORKER_IN_SERVE", "false")

from sqlalchemy import Engine, create_engine, event, select, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402
from sqlalchemy.pool import NullPool  # noqa: E402

from server import config as _config  # noqa: E402
from tests import route_cache  # noqa: E402

_config.get_settings.cache_clear()
# Each test's app reuses FastAPI's analysis of the endpoints (a third of a page test's CPU).
route_cache.install()

from server import migrate  # noqa: E402
from server.config import Settings, get_settings  # noqa: E402
from server.db import Database  # noqa: E402
from server.models import Base  # noqa: E402

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "").strip()
CHROMIUM = Path("/usr/bin/chromium")
REQUIRE_BROWSER = os.environ.get("LIANXIN_REQUIRE_BROWSER") == "1"

# --- helpers other test modules may import ---------------------------------------------------
def admin_url(url: str) -> str:
    """The same PostgreSQL server's maintenance database, for CREATE/DROP DATABASE."""
    return make_url(url).set(database="postgres").render_as_string(hide_password=False)


def recreate_pg_database(url: str) -> None:
    """Drop (if present) and create the database that ``url`` names."""
    name = make_url(url).database
    engine = create_engine(admin_url(url), isolation_level="AUTOCOMMIT", poolclass=NullPool)
    try:
        with engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        engine.dispose()


def drop_pg_database(url: str) -> None:
    name = make_url(url).database
    engine = create_engine(admin_url(url), isolation_level="AUTOCOMMIT", poolclass=NullPool)
    try:
        with engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        engine.dispose()


def _pg_session_url() -> str:
    """TEST_DATABASE_URL, or a per-worker sibling of it under pytest-xdist, so that parallel
    workers never truncate each other's tables."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    if not worker:
        return TEST_DATABASE_URL
    url = make_url(TEST_DATABASE_URL)
    return url.set(database=f"{url.database}_{worker}").render_as_string(hide_password=False)


def _browser_missing_reason() -> str | None:
    if not CHROMIUM.exists():
        return f"browser test: {CHROMIUM} is missing (apt-get install chromium fonts-noto-cjk)"
    if importlib.util.find_spec("playwright") is None:
        return "browser test: the playwright package is missing (pip install -e '.[test]')"
    return None


# --- pytest hooks ----------------------------------------------------------------------------
def pytest_report_header(config):
    if TEST_DATABASE_URL:
        shown = make_url(TEST_DATABASE_URL).render_as_string(hide_password=True)
        database = f"PostgreSQL {shown} (wiped, migrated once, truncated after each test)"
    else:
        database = "SQLite, a copy of a migrated template per test"
    browser = _browser_missing_reason() or f"{CHROMIUM}"
    required = " (required: LIANXIN_REQUIRE_BROWSER=1)" if REQUIRE_BROWSER else ""
    return [f"lianxin database: {database}", f"lianxin browser: {browser}{required}"]


# The longest tests (each 10-180 s in CI, --durations), run first. pytest-xdist's work
# stealing hands each worker a contiguous slice of the collection and lets an idle worker take
# the back half of another's queue; a long test near the end of a slice (test_kill9.py sorts
# after requests/, rooms/ ...) ran while the other worker had already finished, making the
# whole run wait on one core. First in the queue, the other worker fills in around them.
# Only the order changes: every test still runs, with the same fixtures.
_LONG_FIRST = (
    "tests/test_kill9.py::",
    "tests/api/test_openapi_fuzz.py::",
    "tests/unit/test_exports.py::test_memory_does_not_grow_with_the_number_of_rows",
    "tests/test_graceful_shutdown.py::",
    "tests/test_packaging.py::",
    "tests/notifications/test_worker_kill9.py::",
    "tests/test_migrations.py::",
    "tests/pioneer/test_endpoints_fuzz.py::",
)
# Not the browser tests: Playwright's sync API keeps an event loop running in the worker's
# thread for the rest of the session, and a test after it that calls asyncio.run() fails
# (tests/attachments/test_s3_store.py did, in CI, once tests/e2e/ was moved first).


def _long_first_rank(item) -> int:
    for rank, prefix in enumerate(_LONG_FIRST):
        if item.nodeid.startswith(prefix):
            return rank
    return len(_LONG_FIRST)


def pytest_collection_modifyitems(config, items):
    items.sort(key=_long_first_rank)  # stable: the rest keep their order
    browser_missing = _browser_missing_reason()
    for item in items:
        if {"database", "db_url"} & set(item.fixturenames):
            item.add_marker(pytest.mark.db)
        if item.get_closest_marker("postgres_only") and not TEST_DATABASE_URL:
            item.add_marker(pytest.mark.skip(reason="needs PostgreSQL: set TEST_DATABASE_URL (make test-pg)"))
        if item.get_closest_marker("browser") and browser_missing and not REQUIRE_BROWSER:
            item.add_marker(pytest.mark.skip(reason=browser_missing))


def pytest_runtest_setup(item):
    # On CI a missing browser is a broken setup, not a reason to skip: fail loudly, before the
    # test's fixtures try to launch anything.
    if REQUIRE_BROWSER and item.get_closest_marker("browser"):
        reason = _browser_missing_reason()
        if reason:
            pytest.fail(f"{reason}; LIANXIN_REQUIRE_BROWSER=1 forbids skipping", pytrace=False)


def pytest_sessionfinish(session, exitstatus):
    shutil.rmtree(_SESSION_DATA_DIR, ignore_errors=True)


# --- settings --------------------------------------------------------------------------------
@pytest.fixture
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:
    """The application's settings for one test, with its own data dir (attachments and any
    other files land in ``tmp_path/data``). To change a setting, ``monkeypatch.setenv`` it
    and call ``get_settings.cache_clear()``; the cache is cleared again after the test."""
    monkeypatch.setenv("LIANXIN_DATA_DIR", str(tmp_path / "data"))
    get_settings.cache_clear()
    yield get_settings()
    get_settings.cache_clear()


# --- databases -------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated, empty SQLite file built once per session (per worker under xdist)."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    migrate.upgrade(f"sqlite:///{path}")
    # Fold the write-ahead log into the main file and leave WAL mode, so that copying this
    # one file copies the whole database. Each Database turns WAL back on when it connects.
    conn = sqlite3.connect(path)
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.execute("PRAGMA journal_mode=DELETE")
    finally:
        conn.close()
    return path


@dataclass(frozen=True)
class _PgBaseline:
    """What a freshly migrated database holds: rows that migrations insert (such as the one
    catalog_revision row) and the state of every sequence. Each test starts from exactly this."""

    url: str
    rows: dict[str, list[dict]]
    sequences: dict[str, int | None]


def _sequence_states(conn) -> dict[str, int | None]:
    # last_value is NULL for a sequence not used yet (or reset with is_called = false).
    result = conn.execute(
        text(
            "SELECT format('%I.%I', schemaname, sequencename), last_value FROM pg_sequences"
            " WHERE schemaname = current_schema()"
        )
    )
    return {name: last for name, last in result}


@pytest.fixture(scope="session")
def _pg_session_database() -> Iterator[_PgBaseline]:
    """TEST_DATABASE_URL, wiped and migrated once for the session."""
    url = _pg_session_url()
    if url != TEST_DATABASE_URL:
        recreate_pg_database(url)
    engine = create_engine(url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    try:
        with engine.connect() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    finally:
        engine.dispose()
    migrate.upgrade(url)
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            rows = {}
            for table in Base.metadata.sorted_tables:
                found = [dict(row._mapping) for row in conn.execute(select(table))]
                if found:
                    rows[table.name] = found
            baseline = _PgBaseline(url, rows, _sequence_states(conn))
    finally:
        engine.dispose()
    yield baseline
    if url != TEST_DATABASE_URL:
        drop_pg_database(url)


def _reset_pg(baseline: _PgBaseline) -> None:
    """Bring the database back to ``baseline``, as TRUNCATE ... RESTART IDENTITY CASCADE of all
    tables and re-running the migrations' inserts would. TRUNCATE costs ~20 ms per table (new
    files, fsync), so only the tables that hold rows are emptied, and with DELETE."""
    # Read at teardown so that models imported late (by a test module) are included too.
    # alembic_version is not a model, so it stays.
    tables = Base.metadata.sorted_tables
    if not tables:
        return
    engine = create_engine(baseline.url, poolclass=NullPool)
    try:
        with engine.begin() as conn:
            # A test that leaked a connection holding locks should fail the run, not hang it.
            conn.execute(text("SET LOCAL lock_timeout = '10s'"))
            # A throwaway database: durability of the cleanup does not matter, speed does.
            conn.execute(text("SET LOCAL synchronous_commit = off"))
            probe = " UNION ALL ".join(
                f"SELECT '{t.name}' WHERE EXISTS (SELECT 1 FROM \"{t.name}\")" for t in tables
            )
            dirty = conn.execute(text(probe)).scalars().all()
            if dirty:
                # DELETE, not TRUNCATE: a test leaves a few rows, and DELETE of a few rows costs
                # well under a millisecond where TRUNCATE makes new files. With the foreign-key
                # triggers off for this transaction (the role is superuser on the test server)
                # the order does not matter; the sequences are reset below.
                conn.execute(text("SET LOCAL session_replication_role = replica"))
                for name in dirty:
                    conn.execute(text(f'DELETE FROM "{name}"'))
            for table in tables:
                if table.name in baseline.rows:
                    conn.execute(table.insert(), baseline.rows[table.name])
            for sequence, last in _sequence_states(conn).items():
                wanted = baseline.sequences.get(sequence)
                if last != wanted:
                    conn.execute(
                        text("SELECT setval(CAST(:s AS regclass), :v, :called)"),
                        {"s": sequence, "v": wanted or 1, "called": wanted is not None},
                    )
    finally:
        engine.dispose()


@pytest.fixture
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of this test's freshly migrated database: a new SQLite copy in ``tmp_path``,
    or the session's PostgreSQL database, reset to its freshly migrated state after the test."""
    if not TEST_DATABASE_URL:
        path = tmp_path / "lianxin.db"
        shutil.copyfile(request.getfixturevalue("_sqlite_template"), path)
        yield f"sqlite:///{path}"
        return
    baseline = request.getfixturevalue("_pg_session_database")
    yield baseline.url
    _reset_pg(baseline)


@pytest.fixture
def database(db_url: str, settings: Settings) -> Iterator[Database]:
    """A :class:`server.db.Database` on this test's freshly migrated database (no rows but the
    migrations' own). Commits are real; nothing is shared with other tests. The engine is
    disposed after the test."""
    db = Database(db_url, settings)
    try:
        yield db
    finally:
        db.dispose()


# --- query counting --------------------------------------------------------------------------
# Transaction control differs by dialect (SQLite gets explicit BEGINs from server.db, PostgreSQL
# begins implicitly), so it is recorded but not counted: counts mean the same on both.
_TRANSACTION_CONTROL = re.compile(r"^\s*(BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE)\b", re.IGNORECASE)


@dataclass
class QueryCounter:
    statements: list[str] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def queries(self) -> list[str]:
        """The statements that count: everything but transaction control."""
        with self._lock:
            return [s for s in self.statements if not _TRANSACTION_CONTROL.match(s)]

    @property
    def count(self) -> int:
        return len(self.queries)

    def _record(self, statement: str) -> None:
        with self._lock:
            self.statements.append(statement)

    def __str__(self) -> str:
        queries = self.queries
        listing = "\n".join(f"  {i}. {q}" for i, q in enumerate(queries, 1))
        return f"{len(queries)} queries:\n{listing}"


@pytest.fixture
def count_queries() -> Callable[[Engine | Database], AbstractContextManager[QueryCounter]]:
    """Count the SQL statements run on an engine (or a Database's engine), from any thread::

        with count_queries(database) as counter:
            client.get("/requests")
        assert counter.count <= 3, counter   # str(counter) lists the statements
    """

    @contextmanager
    def _count(target: Engine | Database) -> Iterator[QueryCounter]:
        engine = target.engine if isinstance(target, Database) else target
        counter = QueryCounter()

        def before_cursor_execute(conn, cursor, statement, parameters, context, executemany):
            counter._record(statement)

        event.listen(engine, "before_cursor_execute", before_cursor_execute)
        try:
            yield counter
        finally:
            event.remove(engine, "before_cursor_execute", before_cursor_execute)

    return _count
