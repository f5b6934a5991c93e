"""Rooms and bookings as the pages and the API show them, with a fixed number of queries:
a room's calendar (days of half-hour slots, free or booked), and lists of bookings with their
rooms. What a person sees of someone else's booking is decided here, once: only that the slot
is booked (server/rooms/policy.py ``may_see_details``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy.orm import Session

from server.models import Booking, Building, Person, Room
from server.queries import names_by_id
from server.rooms import policy, rules
from server.rooms import repository as repo
from server.rooms.service import calendar

MAX_RANGE_DAYS = 31


@dataclass(frozen=True)
class SlotView:
    starts_at: datetime  # local
    ends_at: datetime
    state: str  # free, past, booked (someone else's), mine (visible: own, or the centre's view)
    booking: Booking | None = None  # only when the person may see it


@dataclass(frozen=True)
class DayView:
    day: date
    slots: list[SlotView]

    @property
    def closed(self) -> bool:
        return not self.slots

    @property
    def free_count(self) -> int:
        return sum(1 for s in self.slots if s.state == "free")


def week_of(day: date) -> list[date]:
    monday = day - timedelta(days=day.weekday())
    return [monday + timedelta(days=i) for i in range(7)]


def calendar_days(session: Session, room: Room, days: list[date], person: Person, now: datetime) -> list[DayView]:
    """The room's half-hour slots on each of ``days`` (one query for the bookings)."""
    cal = calendar()
    start = datetime.combine(days[0], time.min, cal.tz)
    end = datetime.combine(days[-1] + timedelta(days=1), time.min, cal.tz)
    bookings = repo.room_bookings(session, [room.id], start, end)
    by_id = {b.id: b for b in bookings}
    taken = [(b.id, b.starts_at, b.ends_at) for b in bookings]
    result = []
    for day in days:
        windows = rules.day_windows(room.opening_hours, room.keeps_office_hours, day, cal)
        views = []
        for slot in rules.day_slots(windows, taken, now):
            booking = by_id.get(slot.booking_id) if slot.booking_id else None
            if booking is None:
                views.append(SlotView(slot.starts_at, slot.ends_at, "past" if slot.past else "free"))
            elif policy.may_see_details(person, booking):
                views.append(SlotView(slot.starts_at, slot.ends_at, "mine", booking))
            else:
                views.append(SlotView(slot.starts_at, slot.ends_at, "booked"))
        result.append(DayView(day, views))
    return result


@dataclass(frozen=True)
class BookingView:
    booking: Booking
    room: Room | None
    details: bool  # may the person see title, purpose and contact


def booking_views(session: Session, person: Person | None, bookings: list[Booking]) -> list[BookingView]:
    """Bookings with their rooms (one query for all the rooms)."""
    rooms = names_by_id(session, Room, (b.room_id for b in bookings))
    return [BookingView(b, rooms.get(b.room_id), policy.may_see_details(person, b)) for b in bookings]


def buildings_of(session: Session, rooms: list[Room]) -> dict[int, Building]:
    return names_by_id(session, Building, (r.building_id for r in rooms))
