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
    per room given), in the rooms' order. One query for the active rooms, two for rooms given."""
    cal = calendar()
    start = datetime.combine(first, time.min, cal.tz)
    end = datetime.combine(last + timedelta(days=1), time.min, cal.tz)
    if rooms is None:
        rooms, booked = [], {}
        for room, booking in repo.active_rooms_with_booked(session, start, end):
            if room.id not in booked:
                rooms.append(room)
                booked[room.id] = 0.0
            if booking is not None:
                booked[room.id] += (min(booking["ends_at"], end) - max(booking["starts_at"], start)).total_seconds()
    else:
        booked = repo.booked_seconds(session, [r.id for r in rooms], start, end)
    result = []
    for room in rooms:
        opened = rules.open_seconds(room.opening_hours, room.keeps_office_hours, first, last, cal)
        result.append(RoomUse(room, booked[room.id] / 3600, opened / 3600, rules.use_rate(booked[room.id], opened)))
    return result


def overall(lines: list[RoomUse]) -> tuple[float, float, float | None]:
    """All rooms together: booked hours, open hours, and booked / open (None if never open)."""
    booked = sum(line.booked_hours for line in lines)
    opened = sum(line.open_hours for line in lines)
    return booked, opened, rules.use_rate(booked, opened)
