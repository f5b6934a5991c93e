"""The booking rules (server/rooms/rules.py): pure, no database.

2026 dates from the Chinese calendar: Mon 21 Sep an ordinary working day; Fri 25 Sep the
Mid-Autumn holiday; Thu 1 Oct National Day; Sat 10 Oct a make-up working day (调休);
Sat 26 Sep an ordinary rest day."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from server.errors import InvalidInput
from server.rooms import rules
from server.worktime import WorkCalendar, parse_periods

SHANGHAI = ZoneInfo("Asia/Shanghai")
CAL = WorkCalendar("Asia/Shanghai", parse_periods("09:00-12:00,13:00-18:00"))
HOURS = {day: [["09:00", "12:00"], ["13:30", "21:00"]] for day in ("mon", "tue", "wed", "thu", "fri")}
HOURS["sat"] = [["10:00", "16:00"]]
NOW = datetime(2026, 9, 20, 8, 0, tzinfo=SHANGHAI)


def local(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=SHANGHAI)


def room(*, office: bool = True, capacity: int = 30, active: bool = True) -> rules.RoomFacts:
    return rules.RoomFacts(capacity=capacity, opening_hours=HOURS, keeps_office_hours=office, active=active)


def errors_of(facts: rules.RoomFacts, start: datetime, end: datetime, people: int | None = 10) -> dict:
    try:
        rules.check_booking(facts, starts_at=start, ends_at=end, expected_people=people, now=NOW, calendar=CAL)
    except InvalidInput as exc:
        return {k: str(v) for k, v in exc.errors.items()}
    return {}


def test_a_booking_inside_an_opening_period_fits() -> None:
    assert errors_of(room(), local(9, 21, 9), local(9, 21, 11, 30)) == {}
    # Given in UTC, read in the centre's zone: 01:00 UTC is 09:00 in Shanghai.
    assert errors_of(room(), datetime(2026, 9, 21, 1, 0, tzinfo=UTC), datetime(2026, 9, 21, 2, 0, tzinfo=UTC)) == {}


@pytest.mark.parametrize(
    ("start", "end", "field", "words"),
    [
        (local(9, 21, 10), local(9, 21, 10), "ends_at", "after the start"),
        (local(9, 21, 11), local(9, 21, 10), "ends_at", "after the start"),
        (local(9, 21, 10, 15), local(9, 21, 11), "starts_at", "half hour"),
        (local(9, 19, 10), local(9, 19, 11), "starts_at", "already passed"),
        (local(9, 21, 11), local(9, 21, 14), "starts_at", "opening hours on this day (09:00–12:00, 13:30–21:00)"),
        (local(9, 21, 8), local(9, 21, 9), "starts_at", "opening hours"),
        (local(9, 21, 20), local(9, 21, 21, 30), "starts_at", "opening hours"),
        (local(9, 21, 13, 30), local(9, 21, 23), "ends_at", "at most 9 hours"),
        (local(9, 25, 9), local(9, 25, 10), "starts_at", "public holiday or rest day"),
        (local(10, 1, 9), local(10, 1, 10), "starts_at", "public holiday or rest day"),
        (local(9, 27, 9), local(9, 27, 10), "starts_at", "closed on this day"),
    ],
)
def test_times_that_do_not_fit_are_refused_on_their_field(start, end, field, words) -> None:
    found = errors_of(room(), start, end)
    assert field in found and words in found[field], found


def test_too_far_ahead() -> None:
    start = NOW + timedelta(days=rules.MAX_DAYS_AHEAD + 1)
    start = start.replace(hour=9)
    assert "90 days ahead" in errors_of(room(office=False), start, start + timedelta(hours=1))["starts_at"]


def test_a_make_up_working_day_opens_with_a_weekday_s_hours() -> None:
    # Sat 10 Oct is worked (调休): the room keeping office hours opens as on Monday.
    assert errors_of(room(), local(10, 10, 9), local(10, 10, 11)) == {}
    # Its own Saturday hours (10:00–16:00) do not apply that day: 16:30 is inside Monday's.
    assert errors_of(room(), local(10, 10, 16, 30), local(10, 10, 17)) == {}
    # An ordinary Saturday uses the Saturday hours only when the room does not keep office hours.
    assert "public holiday or rest day" in errors_of(room(), local(9, 26, 10), local(9, 26, 11))["starts_at"]
    assert errors_of(room(office=False), local(9, 26, 10), local(9, 26, 11)) == {}
    # And a room not keeping office hours is open on a holiday by its weekday's hours.
    assert errors_of(room(office=False), local(10, 1, 9), local(10, 1, 10)) == {}


def test_people_must_fit_the_room() -> None:
    assert "at most 30 people" in errors_of(room(), local(9, 21, 9), local(9, 21, 10), people=31)["expected_people"]
    assert "At least one" in errors_of(room(), local(9, 21, 9), local(9, 21, 10), people=0)["expected_people"]
    assert "At least one" in errors_of(room(), local(9, 21, 9), local(9, 21, 10), people=None)["expected_people"]
    assert errors_of(room(), local(9, 21, 9), local(9, 21, 10), people=30) == {}


def test_an_inactive_room_takes_no_bookings() -> None:
    assert "no bookings" in errors_of(room(active=False), local(9, 21, 9), local(9, 21, 10))["room_id"]


def test_naive_times_are_a_programming_error() -> None:
    with pytest.raises(ValueError):
        rules.check_booking(room(), starts_at=datetime(2026, 9, 21, 9), ends_at=datetime(2026, 9, 21, 10),
                            expected_people=1, now=NOW, calendar=CAL)


def test_overlap_is_half_open() -> None:
    assert rules.overlaps(local(9, 21, 9), local(9, 21, 10), local(9, 21, 9, 30), local(9, 21, 11))
    assert rules.overlaps(local(9, 21, 9), local(9, 21, 12), local(9, 21, 10), local(9, 21, 11))
    assert not rules.overlaps(local(9, 21, 9), local(9, 21, 10), local(9, 21, 10), local(9, 21, 11))
    assert not rules.overlaps(local(9, 21, 10), local(9, 21, 11), local(9, 21, 9), local(9, 21, 10))


def test_opening_hours_from_the_admin_form() -> None:
    errors: dict = {}
    parsed = rules.check_opening_hours(errors, {"mon": "09:00-12:00, 13:30-18:00", "sat": "", "sun": " "})
    assert errors == {} and parsed == {"mon": [["09:00", "12:00"], ["13:30", "18:00"]]}
    assert rules.opening_hours_text(parsed)["mon"] == "09:00-12:00,13:30-18:00"
    errors = {}
    rules.check_opening_hours(errors, {"mon": "12:00-09:00", "tue": "09:15-10:00", "wed": "nine to five"})
    assert set(errors) == {"hours.mon", "hours.tue", "hours.wed"}
    errors = {}
    rules.check_opening_hours(errors, {})
    assert set(errors) == {"hours"}


def test_day_slots_mark_booked_and_past_half_hours() -> None:
    windows = rules.day_windows(HOURS, True, date(2026, 9, 21), CAL)
    taken = [(7, local(9, 21, 10), local(9, 21, 11))]
    slots = rules.day_slots(windows, taken, now=local(9, 21, 9, 30))
    assert len(slots) == 6 + 15  # 09:00–12:00 and 13:30–21:00 in half hours
    by_start = {s.starts_at.strftime("%H:%M"): s for s in slots}
    assert by_start["09:00"].past and not by_start["09:00"].free
    assert by_start["09:30"].free
    assert by_start["10:00"].booking_id == 7 and by_start["10:30"].booking_id == 7
    assert by_start["11:00"].free
    assert rules.day_slots(rules.day_windows(HOURS, True, date(2026, 10, 1), CAL), [], NOW) == []


def test_room_use() -> None:
    # Mon 21 – Sun 27 Sep: Mon–Thu open 3 + 7.5 h; Fri 25 a holiday; the weekend closed.
    opened = rules.open_seconds(HOURS, True, date(2026, 9, 21), date(2026, 9, 27), CAL)
    assert opened == 4 * 10.5 * 3600
    assert rules.use_rate(21 * 3600, opened) == 0.5
    assert rules.use_rate(0, 0) is None
