"""What the pioneer pages share: the period picker's choices and a period from the URL."""

from __future__ import annotations

from datetime import date

from server.pioneer import periods
from server.pioneer.periods import Period


def period_choices(today: date, chosen: Period) -> list[Period]:
    """The last four quarters, this year and last year, and whatever was asked for."""
    choices = [*reversed(periods.last_quarters(today, 4)), Period(today.year), Period(today.year - 1)]
    if chosen not in choices:
        choices.append(chosen)
    return choices
