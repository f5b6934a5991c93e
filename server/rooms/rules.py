"""The rules of rooms and bookings, pure (no database): opening hours, when a room is open on
a day, whether a booking's time and size fit the room, the calendar's slots and room use.

Times: bookings are stored in UTC; opening hours are local wall-clock times in the
installation's zone (settings.timezone), read through a :class:`server.worktime.WorkCalendar`
for its zone and its knowledge of public holidays and make-up working days (调休).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from server.errors import InvalidInput, Msg
from server.i18n_text import N_
from server.worktime import WorkCalendar, parse_periods

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
WEEKDAY_LABELS = {
    "mon": N_("Monday"), "tue": N_("Tuesday"), "wed": N_("Wednesday"), "thu": N_("Thursday"),
    "fri": N_("Friday"), "sat": N_("Saturday"), "sun": N_("Sunday"),
}
# Bookings start and end on the half hour: the calendar's slots, and a grid small enough for
# a lunchtime lecture (12:00–13:00) while keeping the calendar readable on a phone.
GRID_MINUTES = 30
# A booking takes the room for at most a working day, and is made at most a quarter ahead, so
# that one group cannot hold a room for weeks or reserve the whole season.
MAX_BOOKING_HOURS = 9
MAX_DAYS_AHEAD = 90
MAX_CAPACITY = 10_000
MAX_EQUIPMENT = 20
EQUIPMENT_MAX_CHARS = 40

Window = tuple[datetime, datetime]


# --- opening hours ---------------------------------------------------------------------------
def check_opening_hours(errors: dict, texts: Mapping[str, str]) -> dict[str, list[list[str]]]:
    """{weekday: "09:00-12:00,13:30-18:00"} as typed (empty: closed) → the stored form
    {weekday: [["09:00", "12:00"], ["13:30", "18:00"]]}; a message on ``hours.<weekday>`` for
    each day that does not parse. At least one day must be open."""
    result: dict[str, list[list[str]]] = {}
    for day in WEEKDAYS:
        text = (texts.get(day) or "").strip()
        if not text:
            continue
        try:
            periods = parse_periods(text)
        except ValueError:
            errors[f"hours.{day}"] = N_("Write opening hours like 09:00-12:00,13:30-18:00, in order.")
            continue
        if any(not _on_grid(t) for period in periods for t in period):
            errors[f"hours.{day}"] = N_("Opening hours start and end on the hour or the half hour.")
            continue
        result[day] = [[a.strftime("%H:%M"), b.strftime("%H:%M")] for a, b in periods]
    if not result and not any(key.startswith("hours.") for key in errors):
        errors["hours"] = N_("Open the room on at least one day.")
    return result


def opening_hours_text(opening_hours: Mapping[str, Sequence[Sequence[str]]]) -> dict[str, str]:
    """The stored form back as the admin form's text per weekday."""
    return {day: ",".join(f"{a}-{b}" for a, b in opening_hours.get(day, [])) for day in WEEKDAYS}


def _on_grid(moment: time) -> bool:
    return moment.second == 0 and moment.microsecond == 0 and moment.minute % GRID_MINUTES == 0


def _periods(opening_hours: Mapping, weekday: str) -> list[tuple[time, time]]:
    return [(time.fromisoformat(a), time.fromisoformat(b)) for a, b in opening_hours.get(weekday, [])]


def day_periods(opening_hours: Mapping, keeps_office_hours: bool, day: date,
                calendar: WorkCalendar) -> list[tuple[time, time]]:
    """The room's opening periods on ``day`` (local wall-clock times; empty: closed).

    A room keeping office hours is closed on public holidays and rest days, and open on a
    make-up working day (调休, often a Saturday or Sunday) with the hours of its first open
    weekday, Monday to Friday — the centre works that day as on an ordinary weekday."""
    weekday = WEEKDAYS[day.weekday()]
    if not keeps_office_hours:
        return _periods(opening_hours, weekday)
    if not calendar.is_workday(day):
        return []
    if day.weekday() < 5:
        return _periods(opening_hours, weekday)
    for ordinary in WEEKDAYS[:5]:
        if opening_hours.get(ordinary):
            return _periods(opening_hours, ordinary)
    return []


def day_windows(opening_hours: Mapping, keeps_office_hours: bool, day: date, calendar: WorkCalendar) -> list[Window]:
    """The opening periods of ``day`` as aware datetimes in the calendar's zone."""
    return [
        (datetime.combine(day, a, calendar.tz), datetime.combine(day, b, calendar.tz))
        for a, b in day_periods(opening_hours, keeps_office_hours, day, calendar)
    ]


# --- a booking's time and size ---------------------------------------------------------------
@dataclass(frozen=True)
class RoomFacts:
    """What the booking rules read of a room (an ORM Room has all of these)."""

    capacity: int
    opening_hours: Mapping
    keeps_office_hours: bool
    active: bool = True


def check_booking(room: RoomFacts, *, starts_at: datetime, ends_at: datetime, expected_people: int | None,
                  now: datetime, calendar: WorkCalendar) -> None:
    """Raise InvalidInput naming each field whose value does not fit: the time (end after start,
    on the half hour, not past, not too far ahead, not too long, inside one opening period of a
    day the room is open) and the number of people (at least one, at most the capacity)."""
    errors: dict[str, object] = {}
    if not room.active:
        raise InvalidInput(N_("This room takes no bookings now."), {"room_id": N_("This room takes no bookings now.")})
    if starts_at.tzinfo is None or ends_at.tzinfo is None:
        raise ValueError("booking times must be aware datetimes")
    _check_time(errors, room, starts_at, ends_at, now, calendar)
    if expected_people is None or expected_people < 1:
        errors["expected_people"] = N_("At least one person.")
    elif expected_people > room.capacity:
        errors["expected_people"] = Msg(N_("The room holds at most {capacity} people."), capacity=room.capacity)
    if errors:
        raise InvalidInput(N_("Please correct the marked fields."), errors)


def _check_time(errors: dict, room: RoomFacts, starts_at: datetime, ends_at: datetime, now: datetime,
                calendar: WorkCalendar) -> None:
    # Order matters: the checks that need no time-zone arithmetic come first, so that a time
    # at the edge of the calendar (year 9999) is refused before converting it could overflow.
    if ends_at <= starts_at:
        errors["ends_at"] = N_("The end must be after the start.")
        return
    if starts_at < now:
        errors["starts_at"] = N_("This time has already passed.")
        return
    if starts_at - now > timedelta(days=MAX_DAYS_AHEAD):
        errors["starts_at"] = Msg(N_("Rooms are booked at most {days} days ahead."), days=MAX_DAYS_AHEAD)
        return
    if ends_at - starts_at > timedelta(hours=MAX_BOOKING_HOURS):
        errors["ends_at"] = Msg(N_("A booking lasts at most {hours} hours."), hours=MAX_BOOKING_HOURS)
        return
    local_start, local_end = starts_at.astimezone(calendar.tz), ends_at.astimezone(calendar.tz)
    if not (_on_grid(local_start.time()) and _on_grid(local_end.time())):
        errors["starts_at"] = N_("Bookings start and end on the hour or the half hour.")
        return
    day = local_start.date()
    windows = day_windows(room.opening_hours, room.keeps_office_hours, day, calendar)
    if not windows:
        if room.keeps_office_hours and _periods(room.opening_hours, WEEKDAYS[day.weekday()]):
            errors["starts_at"] = N_("The room is closed on this day: a public holiday or rest day.")
        else:
            errors["starts_at"] = N_("The room is closed on this day.")
        return
    if not any(begin <= local_start and local_end <= end for begin, end in windows):
        errors["starts_at"] = Msg(N_("Outside the room's opening hours on this day ({hours})."),
                                  hours=windows_text(windows))


def windows_text(windows: Iterable[Window]) -> str:
    return ", ".join(f"{a:%H:%M}–{b:%H:%M}" for a, b in windows)


def overlaps(a_start: datetime, a_end: datetime, b_start: datetime, b_end: datetime) -> bool:
    """Half-open intervals [start, end): one ending at 10:00 and one starting then do not
    overlap (the SQL of the database's guard reads the same)."""
    return a_start < b_end and b_start < a_end


# --- the calendar ----------------------------------------------------------------------------
@dataclass(frozen=True)
class Slot:
    """One half hour of a room's calendar: free to book, or taken by ``booking_id``."""

    starts_at: datetime  # aware, in the calendar's zone
    ends_at: datetime
    booking_id: int | None = None
    past: bool = False

    @property
    def free(self) -> bool:
        return self.booking_id is None and not self.past


def day_slots(windows: Sequence[Window], taken: Iterable[tuple[int, datetime, datetime]], now: datetime) -> list[Slot]:
    """The day's opening windows cut into half hours, each marked with the live booking that
    covers it (``taken``: (id, starts_at, ends_at) of the live bookings that day)."""
    taken = sorted(taken, key=lambda t: t[1])
    step = timedelta(minutes=GRID_MINUTES)
    slots: list[Slot] = []
    for begin, end in windows:
        moment = begin
        while moment + step <= end:
            following = moment + step
            holder = next((bid for bid, s, e in taken if overlaps(moment, following, s, e)), None)
            slots.append(Slot(moment, following, holder, past=moment < now))
            moment = following
    return slots


# --- room use (the supervision figure) --------------------------------------------------------
def open_seconds(opening_hours: Mapping, keeps_office_hours: bool, first: date, last: date,
                 calendar: WorkCalendar) -> float:
    """How long the room is open from ``first`` to ``last`` (both included), in seconds."""
    total = 0.0
    day = first
    while day <= last:
        for begin, end in day_windows(opening_hours, keeps_office_hours, day, calendar):
            total += (end - begin).total_seconds()
        day += timedelta(days=1)
    return total


def use_rate(booked_seconds: float, open_secs: float) -> float | None:
    """Room use = booked hours / open hours; no figure (None) when the room was never open."""
    if open_secs <= 0:
        return None
    return booked_seconds / open_secs
