"""Reading the figures' filters from text (the API's query string, the pages' URL) into
:class:`server.metrics.service.Filters`, checked against the catalogue, and who may ask for
which: one reader for both doors, so a bad date is the same 422 on each and never a 500."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date, datetime, timedelta

from sqlalchemy.orm import Session

from server.catalog import snapshot
from server.errors import Forbidden, InvalidInput, Msg
from server.metrics.rollup import timezone
from server.metrics.service import DEFAULT_PERIOD_DAYS, MAX_PERIOD_DAYS, Filters, Scope, ScopeKind

_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_MONTH = re.compile(r"[0-9]{4}-[0-9]{2}")
_ID = re.compile(r"[0-9]{1,12}")


def today(now: datetime) -> date:
    return now.astimezone(timezone()).date()


def _date(value: str, field: str) -> date:
    try:
        if not _DATE.fullmatch(value):
            raise ValueError(value)
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidInput("Please give dates as YYYY-MM-DD.", {field: "Not a date."}) from None


def parse_month(value: str | None, now: datetime) -> date:
    """``YYYY-MM`` (default: this month) → its first day."""
    if value is None or value == "":
        return today(now).replace(day=1)
    try:
        if not _MONTH.fullmatch(value):
            raise ValueError(value)
        return date.fromisoformat(value + "-01")
    except ValueError:
        raise InvalidInput("Please give the month as YYYY-MM.", {"month": "Not a month."}) from None


def parse_filters(
    session: Session,
    now: datetime,
    *,
    start: str | None = None,
    end: str | None = None,
    department: str | None = None,
    category: str | None = None,
    service: str | None = None,
    building: str | None = None,
    enterprise: str | None = None,
) -> Filters:
    """Codes (department, category, service, building) and an enterprise id → Filters.
    Dates are inclusive; without them, the last 30 days up to today."""
    errors: dict[str, object] = {}
    last = _date(end, "to") if end else today(now)
    first = _date(start, "from") if start else last - timedelta(days=DEFAULT_PERIOD_DAYS - 1)
    if first > last:
        errors["to"] = "Must not be before the start."
    elif (last - first).days + 1 > MAX_PERIOD_DAYS:
        errors["to"] = Msg("At most {days} days.", days=MAX_PERIOD_DAYS)
    catalog = snapshot.load(session)
    ids: dict[str, int | None] = {}
    found = {
        "department": catalog.department(department) if department else None,
        "service": catalog.service(service) if service else None,
        "building": catalog.building(building) if building else None,
        "category": next((c for c in catalog.categories.values() if c.code == category), None) if category else None,
    }
    for name, given in (("department", department), ("service", service), ("building", building), ("category", category)):
        if given and found[name] is None:
            errors[name] = "Unknown code."
        ids[name] = found[name].id if found[name] is not None else None
    enterprise_id = None
    if enterprise:
        if _ID.fullmatch(enterprise) and int(enterprise) in catalog.enterprises:
            enterprise_id = int(enterprise)
        else:
            errors["enterprise"] = "Unknown enterprise."
    if errors:
        raise InvalidInput("Please check the filters.", errors)
    return Filters(first, last, ids["department"], ids["category"], ids["service"], ids["building"], enterprise_id)


def within_scope(scope: Scope, filters: Filters) -> Filters:
    """The filters a person may use: a lead's are forced to their department; asking for
    another department, or anything without a scope, is refused (403)."""
    if scope.kind == ScopeKind.forbidden:
        raise Forbidden("Only supervisors, administrators and department leads see the figures.")
    if scope.kind == ScopeKind.all:
        return filters
    if filters.department_id not in (None, scope.department_id):
        raise Forbidden("You see the figures of your own department only.")
    return replace(filters, department_id=scope.department_id)
