"""Tracking numbers ``LX-YYYYMMDD-NNNN``: a per-day sequence in the centre's time zone,
taken with one atomic upsert so concurrent submissions (and app workers) never collide."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam
from sqlalchemy.orm import Session

from server.db import per_dialect
from server.models import DailyCounter

PREFIX = "LX"


def format_number(day: str, sequence: int) -> str:
    return f"{PREFIX}-{day}-{sequence:04d}"


def _counter_upsert(dialect_insert):
    table = DailyCounter.__table__
    return (
        dialect_insert(table)
        .values(day=bindparam("day"), last=1)
        .on_conflict_do_update(index_elements=[table.c.day], set_={"last": table.c.last + 1})
        .returning(table.c.last)
    )


# Built once per dialect, on the table rather than the ORM class: a plain, reused Core
# statement is far cheaper than building one per call on this hot path.
_UPSERT = per_dialect(_counter_upsert)


def next_number(session: Session, now: datetime, tz: ZoneInfo) -> str:
    day = now.astimezone(tz).strftime("%Y%m%d")
    # On the session's connection: a Core statement needs none of the ORM's execution layer.
    connection = session.connection()
    sequence = connection.execute(_UPSERT[connection.dialect.name], {"day": day}).scalar_one()
    return format_number(day, sequence)
