"""The dashboard's period picker: a named period (this week, this month, the last 30 or 90
days) or custom dates, turned into the inclusive ``from``/``to`` that
:func:`server.metrics.filters.parse_filters` checks."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from server.i18n_text import N_
from server.metrics.filters import today

# (key, label): the picker's choices, in the order shown.
PERIODS: tuple[tuple[str, str], ...] = (
    ("week", N_("This week")),
    ("month", N_("This month")),
    ("30d", N_("Last 30 days")),
    ("90d", N_("Last 90 days")),
    ("custom", N_("Custom dates")),
)
DEFAULT = "30d"
KEYS = tuple(key for key, _ in PERIODS)


@dataclass(frozen=True)
class Period:
    key: str  # one of KEYS
    start: str | None  # YYYY-MM-DD as given or computed; None: the filters' default
    end: str | None


def preset_dates(key: str, day: date) -> tuple[date, date]:
    """The first and last day of a named period ending on ``day``."""
    if key == "week":
        return day - timedelta(days=day.weekday()), day
    if key == "month":
        return day.replace(day=1), day
    days = 90 if key == "90d" else 30
    return day - timedelta(days=days - 1), day


def choose(key: str | None, start: str | None, end: str | None, now: datetime) -> Period:
    """What the URL asked for. Dates given without a period (or with an unknown one) are a
    custom period; a named period ignores stray dates so a bookmark keeps meaning "this week"."""
    start, end = (start or None), (end or None)
    if key not in KEYS:
        key = "custom" if (start or end) else DEFAULT
    if key == "custom":
        return Period(key, start, end)
    first, last = preset_dates(key, today(now))
    return Period(key, first.isoformat(), last.isoformat())
