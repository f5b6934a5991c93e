"""The shared fixtures keep their promises: each test gets a migrated, empty database of its own
whose commits are real and visible from other threads, and ``count_queries`` counts what runs.
Run on both dialects (these use ``database``, so they are marked ``db``)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select, text

from server.db import Database
from server.models import Base, Building


def _add_building(database: Database, code: str) -> int:
    with database.write() as session:
        building = Building(code=code, name={"zh_Hans": code}, floors=["1"])
        session.add(building)
        session.flush()
        return building.id


@pytest.mark.parametrize("run", [1, 2])
def test_each_test_starts_empty_and_migrated(database: Database, run: int) -> None:
    # Run twice: the second run sees nothing of the first (and ids start again at 1).
    with database.read() as session:
        version = session.execute(text("SELECT version_num FROM alembic_version")).scalar()
        assert version, "the database was not migrated"
        for table in Base.metadata.sorted_tables:
            assert session.execute(select(func.count()).select_from(table)).scalar() == 0, table.name
    assert _add_building(database, f"B{run}") == 1


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
