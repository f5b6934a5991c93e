"""Working time on the Chinese calendar (server/worktime.py): pure, no database.

Default office hours 09:00-12:00 and 13:00-18:00 in Asia/Shanghai, so a working day is 8 h.
The 2026 dates come from the chinesecalendar package (State Council schedule): National Day
holiday Thu 1 Oct - Wed 7 Oct, make-up working days Sun 20 Sep and Sat 10 Oct; Mid-Autumn
holiday Fri 25 - Sun 27 Sep."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from server.worktime import CalendarOverrides, WorkCalendar, calendar_for, parse_periods

SHANGHAI = ZoneInfo("Asia/Shanghai")
OFFICE_HOURS = "09:00-12:00,13:00-18:00"
HOUR = 3600


def local(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


@pytest.fixture(scope="module")
def cal() -> WorkCalendar:
    return WorkCalendar("Asia/Shanghai", parse_periods(OFFICE_HOURS))


CALENDAR_2027 = """\
# A made-up 2027 National Day schedule: the package has no 2027 data.
holidays: [2027-10-01, 2027-10-02, 2027-10-03, 2027-10-04, 2027-10-05, 2027-10-06, 2027-10-07]
workdays:
  - 2027-09-26
  - "2027-10-09"   # quoted: a string, not a YAML date
"""


@pytest.fixture
def cal_2027(tmp_path: Path) -> WorkCalendar:
    path = tmp_path / "calendar.yaml"
    path.write_text(CALENDAR_2027, encoding="utf-8")
    calendar_for.cache_clear()
    return calendar_for("Asia/Shanghai", OFFICE_HOURS, str(path))


# --- parse_periods ---------------------------------------------------------------------------
def test_parse_periods() -> None:
    periods = parse_periods(" 09:00-12:00, 13:00 - 18:00 ,")
    assert [(a.isoformat("minutes"), b.isoformat("minutes")) for a, b in periods] == [
        ("09:00", "12:00"),
        ("13:00", "18:00"),
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "must not be empty"),
        (" , ", "must not be empty"),
        ("9am-noon", "must look like"),
        ("09:00", "must look like"),
        ("09:00-12:00-13:00", "must look like"),
        ("09:00-12:00;13:00-18:00", "must look like"),
        ("12:00-09:00", "increasing"),
        ("09:00-09:00", "increasing"),
        ("09:00-12:00,11:00-13:00", "not overlap"),
        ("13:00-18:00,09:00-12:00", "increasing"),
    ],
)
def test_parse_periods_rejects(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_periods(text)


# --- adding working time ---------------------------------------------------------------------
@pytest.mark.parametrize(
    ("start", "hours", "due"),
    [
        pytest.param(local(2026, 11, 23, 10), 1, local(2026, 11, 23, 11), id="within-morning"),
        pytest.param(local(2026, 11, 23, 9), 3, local(2026, 11, 23, 12), id="ends-at-lunch-not-after"),
        pytest.param(local(2026, 11, 23, 11, 30), 1, local(2026, 11, 23, 13, 30), id="across-lunch"),
        pytest.param(local(2026, 11, 23, 12, 30), 0.5, local(2026, 11, 23, 13, 30), id="from-lunch"),
        pytest.param(local(2026, 11, 23, 17), 2, local(2026, 11, 24, 10), id="across-night"),
        pytest.param(local(2026, 11, 23, 20), 1, local(2026, 11, 24, 10), id="from-evening"),
        pytest.param(local(2026, 11, 24, 7), 1, local(2026, 11, 24, 10), id="from-early-morning"),
        pytest.param(local(2026, 11, 27, 17), 2, local(2026, 11, 30, 10), id="across-weekend"),
        pytest.param(local(2026, 11, 28, 10), 1, local(2026, 11, 30, 10), id="from-saturday"),
    ],
)
def test_add_working_hours(cal: WorkCalendar, start: datetime, hours: float, due: datetime) -> None:
    result = cal.add_working_hours(start, hours)
    assert result == due
    assert result.tzinfo is UTC


def test_a_week_of_hours_ends_friday_evening(cal: WorkCalendar) -> None:
    # 40 h from Monday 09:00 is all of Mon-Fri: due Friday 18:00, not Monday 09:00.
    assert cal.add_working_hours(local(2026, 11, 23, 9), 40) == local(2026, 11, 27, 18)


def test_add_working_days(cal: WorkCalendar) -> None:
    # The module's own example: 3 days from Thursday 10:00 is Tuesday 10:00.
    assert cal.add_working_days(local(2026, 11, 19, 10), 3) == local(2026, 11, 24, 10)
    assert cal.add_working_days(local(2026, 11, 23, 9), 0.5) == local(2026, 11, 23, 14)
    assert cal.seconds_per_day == 8 * HOUR


def test_start_in_utc_is_converted(cal: WorkCalendar) -> None:
    # 01:00 UTC is 09:00 in Shanghai.
    start = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)
    assert cal.add_working_hours(start, 1) == datetime(2026, 11, 23, 2, 0, tzinfo=UTC)


def test_zero_outside_office_hours_moves_to_next_opening(cal: WorkCalendar) -> None:
    assert cal.add_working_seconds(local(2026, 11, 23, 12, 30), 0) == local(2026, 11, 23, 13)
    assert cal.add_working_seconds(local(2026, 11, 28, 10), 0) == local(2026, 11, 30, 9)


def test_limit_beyond_three_years_is_an_error(cal: WorkCalendar) -> None:
    with pytest.raises(ValueError, match="three years"):
        cal.add_working_days(local(2026, 1, 5, 9), 2000)


# --- the 2026 holidays from the chinesecalendar package --------------------------------------
@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2026, 9, 19), False),  # Saturday
        (date(2026, 9, 20), True),  # Sunday, make-up working day
        (date(2026, 9, 25), False),  # Mid-Autumn
        (date(2026, 9, 30), True),
        *[(date(2026, 10, d), False) for d in range(1, 8)],  # National Day
        (date(2026, 10, 8), True),
        (date(2026, 10, 10), True),  # Saturday, make-up working day
        (date(2026, 10, 11), False),  # Sunday
    ],
)
def test_2026_national_day_calendar(cal: WorkCalendar, day: date, working: bool) -> None:
    assert cal.is_workday(day) is working


@pytest.mark.parametrize(
    ("start", "hours", "due"),
    [
        pytest.param(local(2026, 9, 30, 17), 2, local(2026, 10, 8, 10), id="over-national-day"),
        pytest.param(local(2026, 10, 3, 10), 1, local(2026, 10, 8, 10), id="from-inside-the-holiday"),
        pytest.param(local(2026, 9, 19, 10), 1, local(2026, 9, 20, 10), id="make-up-sunday"),
        pytest.param(local(2026, 10, 9, 17), 2, local(2026, 10, 10, 10), id="make-up-saturday"),
        pytest.param(local(2026, 9, 24, 17), 2, local(2026, 9, 28, 10), id="over-mid-autumn"),
    ],
)
def test_add_over_2026_holidays(cal: WorkCalendar, start: datetime, hours: float, due: datetime) -> None:
    assert cal.add_working_hours(start, hours) == due


def test_no_working_time_during_national_day(cal: WorkCalendar) -> None:
    assert cal.working_seconds_between(local(2026, 9, 30, 18), local(2026, 10, 8, 9)) == 0
    # Sep 30 afternoon 1 h, then Oct 8 morning 1 h.
    assert cal.working_seconds_between(local(2026, 9, 30, 17), local(2026, 10, 8, 10)) == 2 * HOUR


# --- years the package does not know: overrides from YAML ------------------------------------
def test_without_overrides_2027_counts_weekdays(cal: WorkCalendar) -> None:
    assert cal.is_workday(date(2027, 10, 1))  # a Friday
    assert not cal.is_workday(date(2027, 10, 9))  # a Saturday


def test_2027_overrides_from_yaml(cal_2027: WorkCalendar) -> None:
    assert not cal_2027.is_workday(date(2027, 10, 1))
    assert not cal_2027.is_workday(date(2027, 10, 7))
    assert cal_2027.is_workday(date(2027, 10, 8))  # a plain Friday
    assert cal_2027.is_workday(date(2027, 9, 26))  # Sunday, make-up
    assert cal_2027.is_workday(date(2027, 10, 9))  # Saturday, make-up (quoted date)
    assert not cal_2027.is_workday(date(2027, 10, 10))  # a plain Sunday
    assert cal_2027.add_working_hours(local(2027, 9, 30, 17), 2) == local(2027, 10, 8, 10)
    assert cal_2027.add_working_hours(local(2027, 10, 8, 17), 2) == local(2027, 10, 9, 10)
    assert cal_2027.add_working_hours(local(2027, 9, 25, 10), 1) == local(2027, 9, 26, 10)


def test_overrides_file_may_be_missing_or_empty(tmp_path: Path) -> None:
    assert CalendarOverrides.load(None) == CalendarOverrides()
    assert CalendarOverrides.load(tmp_path / "absent.yaml") == CalendarOverrides()
    empty = tmp_path / "empty.yaml"
    empty.write_text("", encoding="utf-8")
    assert CalendarOverrides.load(empty) == CalendarOverrides()


def test_overrides_win_over_the_package(tmp_path: Path) -> None:
    # An installation may correct a year the package knows (say, an extra local holiday).
    path = tmp_path / "calendar.yaml"
    path.write_text("holidays: [2026-11-23]\nworkdays: [2026-11-28]\n", encoding="utf-8")
    cal = WorkCalendar("Asia/Shanghai", parse_periods(OFFICE_HOURS), CalendarOverrides.load(path))
    assert not cal.is_workday(date(2026, 11, 23))
    assert cal.is_workday(date(2026, 11, 28))


# --- working_seconds_between -----------------------------------------------------------------
def test_between_basics(cal: WorkCalendar) -> None:
    monday = local(2026, 11, 23, 9)
    assert cal.working_seconds_between(monday, monday) == 0
    assert cal.working_seconds_between(monday + timedelta(hours=1), monday) == 0
    assert cal.working_seconds_between(local(2026, 11, 23, 11), local(2026, 11, 23, 14)) == 2 * HOUR
    assert cal.working_seconds_between(local(2026, 11, 27, 17), local(2026, 11, 30, 10)) == 2 * HOUR


# Starts from late 2025 to 2027: across both 2026 Golden Weeks, Spring Festival and into a year
# the package does not cover.
_starts = st.datetimes(min_value=datetime(2025, 12, 1), max_value=datetime(2027, 1, 31)).map(
    lambda naive: naive.replace(tzinfo=SHANGHAI)
)
_durations = st.integers(min_value=0, max_value=30 * 8 * HOUR)


@hypothesis_settings(deadline=None, max_examples=300)
@given(start=_starts, seconds=_durations)
def test_between_measures_what_add_adds(cal: WorkCalendar, start: datetime, seconds: int) -> None:
    due = cal.add_working_seconds(start, seconds)
    assert due >= start
    assert cal.working_seconds_between(start, due) == pytest.approx(seconds, abs=1e-3)


@hypothesis_settings(deadline=None, max_examples=200)
@given(start=_starts, first=_durations, second=_durations)
def test_add_is_monotonic_and_additive(cal: WorkCalendar, start: datetime, first: int, second: int) -> None:
    small, large = sorted((first, second))
    assert cal.add_working_seconds(start, small) <= cal.add_working_seconds(start, large)
    # Adding in two steps lands where one step does, when the first step ends inside office hours.
    # (A step ending exactly at a closing time is the same moment as the next opening in working
    # time, so compare working time rather than wall-clock time.)
    middle = cal.add_working_seconds(start, small)
    two_steps = cal.add_working_seconds(middle, large - small)
    assert cal.working_seconds_between(start, two_steps) == pytest.approx(large, abs=1e-3)


@hypothesis_settings(deadline=None, max_examples=200)
@given(start=_starts, seconds=st.integers(min_value=1, max_value=30 * 8 * HOUR))
def test_due_times_fall_in_office_hours(cal: WorkCalendar, start: datetime, seconds: int) -> None:
    due = cal.add_working_seconds(start, seconds).astimezone(SHANGHAI)
    assert cal.is_workday(due.date())
    assert any(begin < due.time() <= end for begin, end in cal.periods)
