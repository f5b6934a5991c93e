"""The migrations build exactly the schema the models describe, and can be undone and redone,
on SQLite and (with TEST_DATABASE_URL) on PostgreSQL.

These tests migrate a scratch database of their own, never the session's test database: an
empty SQLite file, or ``<test database>_mig`` on the PostgreSQL server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from server import migrate
from server.models import Base
from tests.conftest import _pg_session_url, drop_pg_database, recreate_pg_database

# Text-search objects that migrations make outside the ORM (migration …_request_search): the
# SQLite FTS5 table with its shadow tables, and PostgreSQL's text indexes (…_search_among_what_one_sees:
# with btree_gin the multicolumn GIN ones, without it the text's and a btree per copied column).
SEARCH_INDEX_TABLES = ("request_fts",)
SEARCH_INDEXES = {"ix_request_search_body_trgm", "ix_request_search_grams", "ix_request_search_seen_trgm",
                  "ix_request_search_seen_grams", *(f"ix_request_search_{c}" for c in (
                      "department_id", "cohandler_department_id", "requester_id", "enterprise_id"))}


def _search_index(name: str) -> bool:
    return name.startswith(SEARCH_INDEX_TABLES) or name in SEARCH_INDEXES


@pytest.fixture(
    params=[
        pytest.param("sqlite", marks=pytest.mark.db),
        pytest.param("postgresql", marks=[pytest.mark.db, pytest.mark.postgres_only]),
    ]
)
def scratch_url(request: pytest.FixtureRequest, tmp_path: Path, settings) -> Iterator[str]:
    """An empty database with no schema at all, on each dialect."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'scratch.db'}"
        return
    # Per xdist worker (the session database's name, plus _mig): two workers migrating one
    # scratch database would drop it under each other.
    url = make_url(_pg_session_url())
    url = url.set(database=f"{url.database}_mig").render_as_string(hide_password=False)
    recreate_pg_database(url)
    try:
        yield url
    finally:
        drop_pg_database(url)


def _tables(url: str) -> set[str]:
    engine = create_engine(url, poolclass=NullPool)
    try:
        return {name for name in inspect(engine).get_table_names() if not _search_index(name)}
    finally:
        engine.dispose()


def _schema_diff(url: str) -> list:
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={
                "compare_type": True,
                "include_name": lambda name, kind, parent: not (kind in ("table", "index") and _search_index(name)),
            })
            return compare_metadata(context, Base.metadata)
    finally:
        engine.dispose()


def test_upgrade_downgrade_upgrade(scratch_url: str) -> None:
    model_tables = set(Base.metadata.tables)

    migrate.upgrade(scratch_url)
    assert _tables(scratch_url) == model_tables | {"alembic_version"}

    migrate.downgrade(scratch_url, "base")
    # Downgrading to base must remove everything the upgrade made, except Alembic's own table.
    assert _tables(scratch_url) <= {"alembic_version"}

    migrate.upgrade(scratch_url)
    assert _tables(scratch_url) == model_tables | {"alembic_version"}


def test_migrations_match_models(scratch_url: str) -> None:
    """Autogenerate finds nothing to do: a model change without its migration fails here."""
    migrate.upgrade(scratch_url)
    diff = _schema_diff(scratch_url)
    assert diff == [], "models and migrations differ; run `alembic revision --autogenerate`:\n" + "\n".join(
        map(str, diff)
    )


# The first revision: every table it made holds data on a real installation by the time a
# later migration runs, so each later migration must keep their rows.
FIRST_REVISION = "cd6ae5ae2967"


def _row_counts(url: str, tables: set[str]) -> dict[str, int]:
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            return {name: conn.execute(text(f'SELECT count(*) FROM "{name}"')).scalar_one() for name in sorted(tables)}
    finally:
        engine.dispose()


def test_migrations_keep_the_rows_of_a_used_database(scratch_url: str, settings) -> None:
    """Regression: on SQLite the pioneer migration rebuilt ``person`` with foreign keys on, and
    dropping the old table cascaded to every ``person_role`` row — every account lost its
    roles on upgrade. Down to the first revision and up again, with accounts, roles, the menu
    and requests in it: not one row of the first schema's tables may go."""
    from server.db import Database
    from server.seeding import generate_demo_requests, load_seeds

    migrate.upgrade(scratch_url)
    database = Database(scratch_url, settings)
    try:
        with database.write() as session:
            load_seeds(session, with_accounts=True)
        generate_demo_requests(database, 12, days=10)
    finally:
        database.engine.dispose()
    migrate.downgrade(scratch_url, FIRST_REVISION)
    first_tables = _tables(scratch_url) - {"alembic_version"}
    before = _row_counts(scratch_url, first_tables)
    assert before["person_role"] > 0 and before["service_request"] == 12 and before["request_event"] > 12

    migrate.upgrade(scratch_url)
    assert _row_counts(scratch_url, first_tables) == before


# Main carried this revision for a few hours while it still created the index below; it was
# then withdrawn (the duplicate check no longer needs it). Databases migrated in those hours
# must still upgrade, and lose the index.
WITHDRAWN_INDEX_REVISION = "b1100c3d4e5f"
WITHDRAWN_INDEX = "ix_service_request_requester_submitted"


def _request_indexes(url: str) -> set[str]:
    engine = create_engine(url, poolclass=NullPool)
    try:
        return {index["name"] for index in inspect(engine).get_indexes("service_request")}
    finally:
        engine.dispose()


def test_a_database_migrated_while_the_withdrawn_index_was_made_upgrades(scratch_url: str) -> None:
    """Regression: the revision was deleted outright, and `lianxin migrate` on such a database
    failed with "Can't locate revision b1100c3d4e5f" (and /readyz stayed not ready)."""
    migrate.upgrade(scratch_url, WITHDRAWN_INDEX_REVISION)
    engine = create_engine(scratch_url, poolclass=NullPool)
    try:
        with engine.begin() as conn:  # what the revision did then
            conn.execute(text(f"CREATE INDEX {WITHDRAWN_INDEX} ON service_request (requester_id, submitted_at)"))
    finally:
        engine.dispose()
    assert WITHDRAWN_INDEX in _request_indexes(scratch_url)

    migrate.upgrade(scratch_url)
    assert WITHDRAWN_INDEX not in _request_indexes(scratch_url)
    assert _schema_diff(scratch_url) == []
