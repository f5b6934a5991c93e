"""The shared fixtures keep their promises: each test gets a freshly migrated database of its own
whose commits are real and visible from other threads, and ``count_queries`` counts what runs.
Run on both dialects (these use ``database``, so they are marked ``db``)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import DateTime, create_engine, func, select, text
from sqlalchemy.pool import NullPool

from server import migrate
from server.db import Database
from server.models import Base, Building
from server.models.base import UTCDateTime
from tests.conftest import _LONG_FIRST, _long_first_rank


def _add_building(database: Database, code: str) -> int:
    with database.write() as session:
        building = Building(code=code, name={"zh_Hans": code}, floors=["1"])
        session.add(building)
        session.flush()
        return building.id


def _contents(url: str) -> dict[str, list[tuple]]:
    """Every model table's rows, without time columns (a migration may stamp "now")."""
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            contents = {}
            for table in Base.metadata.sorted_tables:
                columns = [c for c in table.columns if not isinstance(c.type, UTCDateTime | DateTime)]
                contents[table.name] = sorted(map(tuple, conn.execute(select(*columns)).all()), key=repr)
            return contents
    finally:
        engine.dispose()


@pytest.fixture(scope="module")
def freshly_migrated(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[tuple]]:
    url = f"sqlite:///{tmp_path_factory.mktemp('fresh') / 'fresh.db'}"
    migrate.upgrade(url)
    return _contents(url)


@pytest.mark.parametrize("run", [1, 2])
def test_each_test_starts_freshly_migrated(
    database: Database, db_url: str, freshly_migrated: dict, run: int
) -> None:
    # Run twice: the second run sees nothing of what the first one did.
    with database.read() as session:
        assert session.execute(text("SELECT version_num FROM alembic_version")).scalar()
    assert _contents(db_url) == freshly_migrated
    # Ids start at 1 again, and rows the migrations inserted come back even when deleted.
    assert _add_building(database, f"B{run}") == 1
    with database.write() as session:
        for table in reversed(Base.metadata.sorted_tables):
            session.execute(table.delete())


def test_commits_are_real_across_threads(database: Database) -> None:
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(lambda i: _add_building(database, f"T{i}"), range(40)))
    with database.read() as session:
        assert session.execute(select(func.count()).select_from(Building)).scalar() == 40


def test_db_url_is_the_database_url(database: Database, db_url: str) -> None:
    assert database.url == db_url


def test_count_queries(database: Database, count_queries) -> None:
    _add_building(database, "A")
    with count_queries(database) as counter, database.read() as session:
        session.scalars(select(Building)).all()
        session.scalars(select(Building).where(Building.code == "A")).all()
    assert counter.count == 2, counter
    with count_queries(database.engine) as outside:
        pass
    assert outside.count == 0


def test_the_longest_tests_are_scheduled_first_and_none_is_dropped(request) -> None:
    # Work stealing (make test, .ci/run) waits on a long test left near the end of a worker's
    # slice; tests/conftest.py moves the known long ones to the front of the collection.
    items = request.session.items
    nodeids = [item.nodeid for item in items]
    assert len(nodeids) == len(set(nodeids))
    ranks = [_long_first_rank(item) for item in items]
    assert ranks == sorted(ranks)
    assert _long_first_rank(request.node) == len(_LONG_FIRST)  # an ordinary test keeps its place
