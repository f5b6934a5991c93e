"""A room of the centre lent for meetings and activities (阵地)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from server.models.base import Base, utcnow


class Room(Base):
    """``opening_hours`` maps a weekday (``mon`` … ``sun``) to its opening periods in local time,
    e.g. ``{"mon": [["09:00", "12:00"], ["13:30", "18:00"]]}``; a day not listed is closed
    (server/rooms/rules.py checks and reads it). A room that ``keeps_office_hours`` follows the
    Chinese working calendar too: closed on public holidays and rest days, open on make-up
    working days (调休) with the opening hours of a weekday."""

    __tablename__ = "room"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[dict] = mapped_column(comment="{locale: name}")
    building_id: Mapped[int] = mapped_column(ForeignKey("building.id"), index=True)
    floor: Mapped[str] = mapped_column(String(20), default="")
    capacity: Mapped[int]
    equipment: Mapped[list] = mapped_column(default=list, comment="e.g. ['投影仪', '音响']")
    opening_hours: Mapped[dict] = mapped_column(comment='{"mon": [["09:00", "18:00"]], ...}, local time')
    keeps_office_hours: Mapped[bool] = mapped_column(default=True)
    needs_approval: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)
    position: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
