"""Working time on the Chinese calendar, for due times and durations. Pure: no database.

A working day is a weekday that is not a public holiday, or a make-up working day (调休);
the ``chinesecalendar`` package knows the State Council's schedule for the years it covers.
For later years (each year's schedule is published in the November before) the installation
lists holidays and make-up days in ``seeds/calendar.yaml``; failing that, weekdays count.

"N working days" means N times the working hours of a day, counted in working time from the
start: a 3-day limit started on Thursday at 10:00 falls due on Tuesday at 10:00.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

import chinese_calendar
import yaml

Period = tuple[time, time]


def parse_periods(text: str) -> tuple[Period, ...]:
    """``"09:00-12:00,13:00-18:00"`` → ((09:00, 12:00), (13:00, 18:00)), checked for order."""
    periods: list[Period] = []
    for chunk in text.split(","):
        chunk = chunk.strip()
        if not chunk:
            continue
        try:
            start_text, end_text = chunk.split("-")
            start, end = time.fromisoformat(start_text.strip()), time.fromisoformat(end_text.strip())
        except ValueError as exc:
            raise ValueError(f"office hours must look like 09:00-12:00,13:00-18:00, not {text!r}") from exc
        if start >= end or (periods and start < periods[-1][1]):
            raise ValueError(f"office hours must be increasing and not overlap: {text!r}")
        periods.append((start, end))
    if not periods:
        raise ValueError("office hours must not be empty")
    return tuple(periods)


@dataclass(frozen=True)
class CalendarOverrides:
    holidays: frozenset[date] = field(default_factory=frozenset)
    workdays: frozenset[date] = field(default_factory=frozenset)

    @classmethod
    def load(cls, path: Path | None) -> CalendarOverrides:
        if path is None or not path.exists():
            return cls()
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        return cls(
            holidays=frozenset(_dates(data.get("holidays", []))),
            workdays=frozenset(_dates(data.get("workdays", []))),
        )


def _dates(values: Iterable) -> Iterable[date]:
    for value in values:
        yield value if isinstance(value, date) else date.fromisoformat(str(value))


class WorkCalendar:
    """Adds and measures working time in one time zone with one set of office hours."""

    # A limit that needs more than this many calendar days is a configuration error.
    _MAX_DAYS = 3 * 366

    def __init__(self, tz: str | ZoneInfo, periods: tuple[Period, ...], overrides: CalendarOverrides | None = None):
        self.tz = tz if isinstance(tz, ZoneInfo) else ZoneInfo(tz)
        self.periods = periods
        self.overrides = overrides or CalendarOverrides()
        self.seconds_per_day = sum(_seconds(a, b) for a, b in periods)

    def is_workday(self, day: date) -> bool:
        if day in self.overrides.workdays:
            return True
        if day in self.overrides.holidays:
            return False
        return _package_is_workday(day)

    def add_working_hours(self, start: datetime, hours: float) -> datetime:
        return self.add_working_seconds(start, hours * 3600)

    def add_working_days(self, start: datetime, days: float) -> datetime:
        return self.add_working_seconds(start, days * self.seconds_per_day)

    def add_working_seconds(self, start: datetime, seconds: float) -> datetime:
        """The moment when ``seconds`` of working time have passed since ``start`` (aware)."""
        remaining = timedelta(seconds=seconds)
        local = start.astimezone(self.tz)
        day = local.date()
        for _ in range(self._MAX_DAYS):
            if self.is_workday(day):
                for begin, end in self._day_windows(day):
                    if end <= local:
                        continue
                    begin = max(begin, local)
                    available = end - begin
                    if remaining <= available:
                        return (begin + remaining).astimezone(UTC)
                    remaining -= available
            day += timedelta(days=1)
        raise ValueError("time limit runs past three years of working time")

    def working_seconds_between(self, start: datetime, end: datetime) -> float:
        """Working time between two moments (0 when ``end`` is not after ``start``)."""
        if end <= start:
            return 0.0
        a, b = start.astimezone(self.tz), end.astimezone(self.tz)
        total = 0.0
        day = a.date()
        while day <= b.date():
            if self.is_workday(day):
                for begin, finish in self._day_windows(day):
                    lo, hi = max(begin, a), min(finish, b)
                    if hi > lo:
                        total += (hi - lo).total_seconds()
            day += timedelta(days=1)
        return total

    def _day_windows(self, day: date) -> list[tuple[datetime, datetime]]:
        return [
            (datetime.combine(day, begin, self.tz), datetime.combine(day, end, self.tz))
            for begin, end in self.periods
        ]


def _seconds(a: time, b: time) -> float:
    return (datetime.combine(date.min, b) - datetime.combine(date.min, a)).total_seconds()


@lru_cache(maxsize=4096)
def _package_is_workday(day: date) -> bool:
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:  # a year the package has no schedule for
        return day.weekday() < 5


@lru_cache(maxsize=64)
def calendar_for(tz: str, periods_text: str, overrides_path: str | None) -> WorkCalendar:
    """A cached calendar per (zone, office hours, overrides file)."""
    overrides = CalendarOverrides.load(Path(overrides_path) if overrides_path else None)
    return WorkCalendar(tz, parse_periods(periods_text), overrides)
