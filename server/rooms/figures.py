"""Room use for the supervision page: booked hours / open hours per room over a period.

Booked hours count approved bookings only (a request still waiting for the centre may yet be
refused), clipped to the period; open hours follow each room's opening hours and, where it
keeps office hours, the Chinese working calendar. An empty denominator (a room never open in
the period) gives no figure (None), as every figure of the product does."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy.orm import Session

from server.models import Room
from server.rooms import repository as repo
from server.rooms import rules
from server.rooms.service import calendar


@dataclass(frozen=True)
class RoomUse:
    room: Room
    booked_hours: float
    open_hours: float
    rate: float | None  # booked / open, 0..1; None when the room was never open


def room_use(session: Session, first: date, last: date, *, rooms: list[Room] | None = None) -> list[RoomUse]:
    """Room use from ``first`` to ``last`` (local dates, both included), per active room (or
    per room given), in the rooms' order. Two queries whatever the number of rooms."""
    cal = calendar()
    rooms = rooms if rooms is not None else repo.rooms(session, active_only=True)
    start = datetime.combine(first, time.min, cal.tz)
    end = datetime.combine(last + timedelta(days=1), time.min, cal.tz)
    booked = repo.booked_seconds(session, [r.id for r in rooms], start, end)
    result = []
    for room in rooms:
        opened = rules.open_seconds(room.opening_hours, room.keeps_office_hours, first, last, cal)
        result.append(RoomUse(room, booked[room.id] / 3600, opened / 3600, rules.use_rate(booked[room.id], opened)))
    return result
