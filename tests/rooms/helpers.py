"""Plain helpers for the rooms tests: a room in the small world's building, and times."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.models import Building, Room

SHANGHAI = ZoneInfo("Asia/Shanghai")
WEEKDAY_HOURS = {day: [["09:00", "12:00"], ["13:30", "21:00"]] for day in ("mon", "tue", "wed", "thu", "fri")}
# A fixed "now" for the service: Sun 20 Sep 2026 08:00 in Shanghai (a make-up working day).
NOW = datetime(2026, 9, 20, 8, 0, tzinfo=SHANGHAI)


def local(month: int, day: int, hour: int, minute: int = 0, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


def create_room(session: Session, name: str = "党员活动室", *, capacity: int = 30, needs_approval: bool = False,
                keeps_office_hours: bool = True, hours: dict | None = None) -> Room:
    building = session.scalar(select(Building).order_by(Building.id).limit(1))
    room = Room(name={"zh-Hans": name, "en": f"Room {name}"}, building_id=building.id, floor="2", capacity=capacity,
                equipment=["投影仪"], opening_hours=hours or WEEKDAY_HOURS, keeps_office_hours=keeps_office_hours,
                needs_approval=needs_approval)
    session.add(room)
    session.flush()
    return room
