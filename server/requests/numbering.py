"""Tracking numbers ``LX-YYYYMMDD-NNNN``: a per-day sequence in the centre's time zone,
taken with one atomic upsert so concurrent submissions (and app workers) never collide."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from server.models import DailyCounter

PREFIX = "LX"


def format_number(day: str, sequence: int) -> str:
    return f"{PREFIX}-{day}-{sequence:04d}"


def next_number(session: Session, now: datetime, tz: ZoneInfo) -> str:
    day = now.astimezone(tz).strftime("%Y%m%d")
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    # On the table, not the ORM class: a plain Core statement skips the ORM's bulk-insert
    # machinery, which costs more than the statement itself on this hot path.
    table = DailyCounter.__table__
    stmt = (
        insert(table)
        .values(day=day, last=1)
        .on_conflict_do_update(index_elements=[table.c.day], set_={"last": table.c.last + 1})
        .returning(table.c.last)
    )
    sequence = session.execute(stmt).scalar_one()
    return format_number(day, sequence)
