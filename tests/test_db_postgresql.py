"""server.db on PostgreSQL: connections run without JIT, and analyze() after a bulk load also
vacuums (the visibility map that index-only scans need)."""

from __future__ import annotations

import pytest
from sqlalchemy import text

pytestmark = pytest.mark.postgres_only


def test_connections_run_without_jit(database) -> None:
    with database.read() as session:
        assert session.execute(text("SHOW jit")).scalar() == "off"


def test_analyze_after_a_bulk_load_also_vacuums(database) -> None:
    with database.write() as session:
        session.execute(text("CREATE TABLE bulk_probe AS SELECT g AS n FROM generate_series(1, 5000) g"))
    try:
        database.analyze()
        with database.read() as session:
            visible = session.execute(text("SELECT relallvisible FROM pg_class WHERE relname = 'bulk_probe'")).scalar()
        assert visible > 0
    finally:
        with database.write() as session:
            session.execute(text("DROP TABLE bulk_probe"))
