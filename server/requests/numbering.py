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
    stmt = (
        insert(DailyCounter)
        .values(day=day, last=1)
        .on_conflict_do_update(index_elements=[DailyCounter.day], set_={"last": DailyCounter.last + 1})
        .returning(DailyCounter.last)
    )
    sequence = session.execute(stmt).scalar_one()
    return format_number(day, sequence)
