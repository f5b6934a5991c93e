"""The catalogue cache is per process (per Database); a change made by one worker reaches the
others at their next use, through the catalogue's revision. Two Database objects on one
database stand for two worker processes: neither sees the other's cache."""

from __future__ import annotations

from server.catalog import service as svc
from server.catalog import snapshot
from server.db import Database


def _order(database: Database) -> list[str]:
    with database.read() as session:
        return [s.code for s in snapshot.load(session).ordered_services()]


def test_a_change_by_one_worker_reaches_the_others_cache(database, db_url, settings, world, admin):
    other = Database(db_url, settings)
    try:
        before = _order(other)  # cached in the other worker
        assert before.index("legal.aid") > 0
        with database.write() as session:
            svc.move_service(session, admin, world.services["legal.aid"].id, "up")
        after = _order(other)
        assert after != before
        assert after.index("legal.aid") == before.index("legal.aid") - 1
        assert after == _order(database)
    finally:
        other.dispose()
