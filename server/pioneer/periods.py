"""The periods the pioneer index is computed over: a calendar quarter ("2026-Q4") or a
calendar year ("2026"), in the installation's time zone. Pure."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from server.errors import InvalidInput

_CODE = re.compile(r"^([0-9]{4})(?:-Q([1-4]))?$")
# Per-record points are set for a quarter; a year holds four of them (docs/PIONEER.md).
YEAR_FACTOR = 0.25


@dataclass(frozen=True, order=True)
class Period:
    year: int
    quarter: int | None = None  # None: the whole year

    @property
    def kind(self) -> str:
        return "year" if self.quarter is None else "quarter"

    @property
    def code(self) -> str:
        return str(self.year) if self.quarter is None else f"{self.year}-Q{self.quarter}"

    @property
    def start(self) -> date:
        return date(self.year, 1 if self.quarter is None else 3 * self.quarter - 2, 1)

    @property
    def end(self) -> date:
        """The last day, inclusive."""
        if self.quarter is None or self.quarter == 4:
            return date(self.year, 12, 31)
        return date.fromordinal(date(self.year, 3 * self.quarter + 1, 1).toordinal() - 1)

    @property
    def factor(self) -> float:
        """How much one record's points count in this period (contribution points aside)."""
        return YEAR_FACTOR if self.quarter is None else 1.0

    def contains(self, day: date) -> bool:
        return self.start <= day <= self.end

    def previous(self) -> Period:
        if self.quarter is None:
            return Period(self.year - 1)
        return Period(self.year - 1, 4) if self.quarter == 1 else Period(self.year, self.quarter - 1)


def quarter_of(day: date) -> Period:
    return Period(day.year, (day.month - 1) // 3 + 1)


def last_quarters(day: date, count: int) -> list[Period]:
    """The ``count`` quarters up to the one holding ``day``, oldest first."""
    periods = [quarter_of(day)]
    while len(periods) < count:
        periods.append(periods[-1].previous())
    return periods[::-1]


def parse(text: str | None, today: date, *, field: str = "period") -> Period:
    """"2026-Q4" or "2026"; empty means the quarter holding ``today``. Anything else is
    InvalidInput on ``field`` (a 422, never a 500)."""
    text = (text or "").strip()
    if not text:
        return quarter_of(today)
    match = _CODE.match(text)
    if not match or not 2000 <= int(match.group(1)) <= 2999:
        raise InvalidInput("Please correct the marked fields.",
                           {field: "A period is a year (2026) or a quarter (2026-Q4)."})
    year, quarter = int(match.group(1)), match.group(2)
    return Period(year, int(quarter) if quarter else None)
