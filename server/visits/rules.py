"""The visit plan's rules 走访计划, pure: no database, no web.

- A frequency is a number of months (1–24) or one of the codes monthly, quarterly,
  half_yearly, yearly (also written in Chinese in import files: 每月, 每季度, 每半年, 每年).
  A plan without its own frequency uses LIANXIN_VISIT_DEFAULT_FREQUENCY.
- The next visit is due one frequency after the last visit (the same day of the month, or the
  month's last day when it has no such day). An enterprise never visited is due on its plan's
  start date (or the day it joined the directory): at once, unless the plan says otherwise.
- An enterprise may ask for a visit through the menu ("enterprise visit"). Once the centre has
  accepted that request (it was claimed, and is not cancelled or rejected) and no visit has been
  logged since, the visit is due on the date the enterprise asked for (its "preferred date"
  answer; without one, the day it was accepted) if that comes before the plan's own date.
- Standing: overdue when the due date has passed; due this month when it falls in the current
  calendar month (or today); otherwise later. The plan page lists overdue enterprises first
  (longest overdue first), then those due this month, then the rest, each by due date.
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from server.enums import VISIT_FREQUENCY_MONTHS, VisitFrequency
from server.errors import InvalidInput
from server.i18n_text import N_

MAX_FREQUENCY_MONTHS = 24
# How people write the codes in a spreadsheet.
FREQUENCY_WORDS = {
    "每月": VisitFrequency.monthly, "月度": VisitFrequency.monthly, "每季度": VisitFrequency.quarterly,
    "季度": VisitFrequency.quarterly, "每季": VisitFrequency.quarterly, "每半年": VisitFrequency.half_yearly,
    "半年": VisitFrequency.half_yearly, "每年": VisitFrequency.yearly, "年度": VisitFrequency.yearly,
    "每年度": VisitFrequency.yearly,
}
MONTHS_CODE = {months: code for code, months in VISIT_FREQUENCY_MONTHS.items()}


class Standing(StrEnum):
    overdue = "overdue"
    due_this_month = "due_this_month"
    later = "later"


STANDING_ORDER = {Standing.overdue: 0, Standing.due_this_month: 1, Standing.later: 2}


def parse_frequency(value: str | int | None) -> int | None:
    """Months for a frequency written as a code, a Chinese word or a number; None for empty
    (use the default). Raises ValueError for anything else."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, int):
        months = value
    else:
        text = value.strip().lower()
        if not text:
            return None
        code = FREQUENCY_WORDS.get(text) or (text if text in VISIT_FREQUENCY_MONTHS else None)
        if code is not None:
            return VISIT_FREQUENCY_MONTHS[VisitFrequency(code)]
        if not (text.isascii() and text.isdigit()) or len(text) > 3:
            raise ValueError(value)
        months = int(text)
    if not 1 <= months <= MAX_FREQUENCY_MONTHS:
        raise ValueError(value)
    return months


def frequency_code(months: int) -> str:
    """The code for a number of months where there is one (3 → "quarterly"), else the number."""
    code = MONTHS_CODE.get(months)
    return str(code) if code is not None else str(months)


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later, or the last day of that month (31 Jan + 1 → 28/29 Feb)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def next_due(*, last_visit_on: date | None, frequency_months: int, starts_on: date,
             requested_on: date | None = None) -> date:
    """When the next visit is due (see the module's rules). ``requested_on`` is the date of an
    accepted enterprise request not yet followed by a visit."""
    due = add_months(last_visit_on, frequency_months) if last_visit_on is not None else starts_on
    if requested_on is not None and requested_on < due:
        return requested_on
    return due


def request_pending(accepted_on: date, last_visit_on: date | None) -> bool:
    """An accepted visit request still waits for its visit: none logged on or after the day it
    was accepted."""
    return last_visit_on is None or last_visit_on < accepted_on


def standing(due: date, today: date) -> Standing:
    if due < today:
        return Standing.overdue
    if (due.year, due.month) == (today.year, today.month):
        return Standing.due_this_month
    return Standing.later


@dataclass(frozen=True, slots=True)
class PlanLine:
    """One enterprise on the plan, as the rules see it."""

    enterprise_id: int
    name: str
    due: date
    standing: Standing


def plan_order(line: PlanLine) -> tuple:
    """Overdue first (longest overdue first), then due this month, then the rest; by due date,
    then by name."""
    return (STANDING_ORDER[line.standing], line.due, line.name, line.enterprise_id)


def coverage(visited: int, active: int) -> float | None:
    """Enterprises visited in the period / all active enterprises; no figure without any."""
    return visited / active if active else None


# --- the visit log's filters ---------------------------------------------------------------------
@dataclass(frozen=True)
class LogFilters:
    enterprise_id: int | None = None
    department_id: int | None = None
    start: date | None = None
    end: date | None = None

    def query(self) -> dict[str, str]:
        params = {"enterprise": self.enterprise_id, "department": self.department_id,
                  "from": self.start.isoformat() if self.start else None, "to": self.end.isoformat() if self.end else None}
        return {k: str(v) for k, v in params.items() if v is not None}

    def as_kwargs(self) -> dict:
        return {"enterprise_id": self.enterprise_id, "department_id": self.department_id,
                "start": self.start, "end": self.end}


def parse_filters(params: Mapping[str, str]) -> LogFilters:
    """The visit log's filters from a URL's query (the page and the API alike): ``enterprise``
    and ``department`` ids, ``from`` and ``to`` dates; a malformed one is InvalidInput naming it."""
    errors: dict[str, str] = {}

    def ident(name: str) -> int | None:
        raw = (params.get(name) or "").strip()
        if not raw:
            return None
        value = int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 9 else None
        if value is None:
            errors[name] = N_("Not a valid choice.")
        return value

    def day(name: str) -> date | None:
        raw = (params.get(name) or "").strip()
        if not raw:
            return None
        try:
            return date.fromisoformat(raw)
        except ValueError:
            errors[name] = N_("Please give the date as YYYY-MM-DD.")
            return None

    filters = LogFilters(ident("enterprise"), ident("department"), day("from"), day("to"))
    if errors:
        raise InvalidInput(N_("Please check the filters."), errors)
    return filters
