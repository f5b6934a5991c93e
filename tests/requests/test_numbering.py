"""Tracking numbers (server/requests/numbering.py): the format, uniqueness under concurrency
from several engines (as app workers would be), and on PostgreSQL that taking a number holds
no lock another submission waits on."""

from __future__ import annotations

import re
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text

from server.db import Database
from server.models import DailyCounter
from server.requests import numbering

TZ = ZoneInfo("Asia/Shanghai")
NOON = datetime(2026, 12, 3, 4, 0, tzinfo=UTC)  # 12:00 in Shanghai
NUMBER = re.compile(r"^LX-\d{8}-\d{4,}$")


def take(database: Database, now: datetime = NOON) -> str:
    with database.write() as session:
        return numbering.next_number(session, now, TZ)


def test_numbers_of_a_day_start_at_one_in_the_centres_time_zone(database):
    assert [take(database) for _ in range(3)] == ["LX-20261203-0001", "LX-20261203-0002", "LX-20261203-0003"]
    # 23:30 UTC on the 3rd is already the 4th in Shanghai: a new day, a new count.
    late = datetime(2026, 12, 3, 23, 30, tzinfo=UTC)
    assert take(database, late) == "LX-20261204-0001"
    after = take(database)
    if database.is_sqlite:
        assert after == "LX-20261203-0004"
    else:  # one sequence for all days: the other day's number is a gap in this one
        assert after > "LX-20261203-0003"


def test_concurrent_numbers_from_two_engines_never_collide(database, db_url, settings):
    other = Database(db_url, settings)  # a second app worker's engine
    try:
        barrier = threading.Barrier(16)

        def burst(i: int) -> list[str]:
            barrier.wait()
            engine = database if i % 2 else other
            return [take(engine) for _ in range(10)]

        with ThreadPoolExecutor(max_workers=16) as pool:
            numbers = [n for batch in pool.map(burst, range(16)) for n in batch]
    finally:
        other.dispose()
    assert len(numbers) == len(set(numbers)) == 160
    assert all(NUMBER.match(n) and n.startswith("LX-20261203-") for n in numbers)
    if database.is_sqlite:  # one writer at a time: no gaps
        assert sorted(int(n.rsplit("-", 1)[1]) for n in numbers) == list(range(1, 161))


@pytest.mark.postgres_only
def test_an_open_submission_does_not_hold_up_the_next_number(database):
    """The old per-day upsert kept the day's counter row locked until the submission's
    transaction ended, so every other submission queued behind it."""
    take(database)  # the day's base exists: from here on, the steady state
    with database.write() as first:
        held = numbering.next_number(first, NOON, TZ)  # this transaction stays open
        with database.write() as second:
            second.execute(text("SET LOCAL lock_timeout = '2s'"))
            taken = numbering.next_number(second, NOON, TZ)
    assert (held, taken) == ("LX-20261203-0002", "LX-20261203-0003")


@pytest.mark.postgres_only
def test_a_rolled_back_number_is_skipped_never_reused(database):
    take(database)
    with pytest.raises(RuntimeError), database.write() as session:
        numbering.next_number(session, NOON, TZ)
        raise RuntimeError("the submission fails after taking its number")
    assert take(database) == "LX-20261203-0003"


def test_a_day_numbered_by_the_old_counter_continues_after_its_last(database):
    with database.write() as session:
        session.add(DailyCounter(day="20261203", last=41))
    assert take(database) == "LX-20261203-0042"
    assert take(database) == "LX-20261203-0043"
