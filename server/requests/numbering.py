"""Tracking numbers ``LX-YYYYMMDD-NNNN``: a per-day sequence in the centre's time zone.

Concurrent submissions (and app workers) never share a number, and on PostgreSQL they never
wait for each other to get one:

- PostgreSQL: one database sequence (``request_number_seq``) for all days, and per day the
  sequence value just before the day's first number (``daily_counter.sequence_base``). A
  number is ``nextval - base``: ``nextval`` takes no row lock and is never rolled back, so
  submissions run side by side (the old per-day upsert held the day's counter row locked to
  the end of each submission's transaction, so they ran one at a time). The price: numbers
  can skip — a submission that fails after taking its number leaves a gap, and so does one
  still numbering for yesterday just after midnight. They stay unique and increasing.
  The day's base is written once, by the day's first submission, inside its transaction:
  submissions arriving meanwhile wait for that one transaction (once a day), and if it rolls
  back no number computed from its base was ever committed.
- SQLite: one atomic upsert of the day's ``last`` number. SQLite runs one write transaction
  at a time anyway, so holding the row costs nothing, and numbers never skip.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, bindparam, text
from sqlalchemy.orm import Session

from server.db import per_dialect
from server.models import DailyCounter
from server.models.counter import NUMBER_SEQUENCE

PREFIX = "LX"


def format_number(day: str, sequence: int) -> str:
    return f"{PREFIX}-{day}-{sequence:04d}"


def _counter_upsert(dialect_insert):
    table = DailyCounter.__table__
    return (
        dialect_insert(table)
        .values(day=bindparam("day"), last=bindparam("n"))
        .on_conflict_do_update(index_elements=[table.c.day], set_={"last": table.c.last + bindparam("n")})
        .returning(table.c.last)
    )


# Built once per dialect, on the table rather than the ORM class: a plain, reused Core
# statement is far cheaper than building one per call on this hot path.
_UPSERT = per_dialect(_counter_upsert)

# PostgreSQL. A plain read of the day's base (no lock) and as many nextval as numbers wanted;
# no row when the day has no base yet.
_TAKE = text(
    f"SELECT nextval('{NUMBER_SEQUENCE}') - c.sequence_base FROM daily_counter c, generate_series(1, :n)"
    " WHERE c.day = :day AND c.sequence_base IS NOT NULL"
)
# The day's base, once: a new day starts at the sequence's next value; a day numbered before
# this scheme (``last`` set, no base) continues after its ``last``.
_SET_BASE = text(
    f"INSERT INTO daily_counter (day, last, sequence_base) VALUES (:day, 0, nextval('{NUMBER_SEQUENCE}'))"
    f" ON CONFLICT (day) DO UPDATE SET sequence_base = nextval('{NUMBER_SEQUENCE}') - daily_counter.last"
    " WHERE daily_counter.sequence_base IS NULL"
)


def local_day(now: datetime, tz: ZoneInfo) -> str:
    return now.astimezone(tz).strftime("%Y%m%d")


def take_sequences(connection: Connection, day: str, n: int) -> list[int]:
    """Reserve ``n`` numbers of ``day`` in the current transaction; returns them in order."""
    if connection.dialect.name != "postgresql":
        last = connection.execute(_UPSERT[connection.dialect.name], {"day": day, "n": n}).scalar_one()
        return list(range(last - n + 1, last + 1))
    params = {"day": day, "n": n}
    taken = connection.execute(_TAKE, params).scalars().all()
    if not taken:
        connection.execute(_SET_BASE, {"day": day})
        taken = connection.execute(_TAKE, params).scalars().all()
    return sorted(taken)


def next_number(session: Session, now: datetime, tz: ZoneInfo) -> str:
    day = local_day(now, tz)
    # On the session's connection: a Core statement needs none of the ORM's execution layer.
    (sequence,) = take_sequences(session.connection(), day, 1)
    return format_number(day, sequence)
