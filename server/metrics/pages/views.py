"""View-models of the supervision pages: the service's figures (``server.metrics.service``) as
rows of text with their links to the requests behind them. No computing of figures here, only
naming, formatting and linking them."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from urllib.parse import urlencode

from server.catalog.snapshot import Catalog
from server.enums import OPEN_STATUSES, RequestStatus
from server.i18n_text import N_, localized
from server.metrics import service as metrics
from server.metrics.filters import today
from server.metrics.pages.formats import Formats
from server.metrics.pages.period import Period
from server.web.links import finder_url

S = RequestStatus
# Statuses a request has reached once it was dispatched, claimed, completed (the finder's
# closest list to "ever dispatched" and so on: a request sent back since is not in it).
DISPATCHED_ON = [S.dispatched, S.claimed, S.suspended, S.completed, S.closed]
CLAIMED_ON = [S.claimed, S.suspended, S.completed, S.closed]
COMPLETED_ON = [S.completed, S.closed]
OPEN = sorted(OPEN_STATUSES, key=list(S).index)


@dataclass(frozen=True)
class Selection:
    """What the page shows: the period as chosen, the checked filters and the same filters as
    the URL's codes (a lead's department filled in), for links back and to the finder."""

    period: Period
    filters: metrics.Filters
    codes: dict[str, str | None]  # department, category, service, building, enterprise

    @classmethod
    def of(cls, period: Period, filters: metrics.Filters, catalog: Catalog) -> Selection:
        def code(table, key):
            row = table.get(key) if key is not None else None
            return row.code if row is not None else None

        codes = {
            "department": code(catalog.departments, filters.department_id),
            "category": code(catalog.categories, filters.category_id),
            "service": code(catalog.services, filters.service_id),
            "building": code(catalog.buildings, filters.building_id),
            "enterprise": str(filters.enterprise_id) if filters.enterprise_id is not None else None,
        }
        return cls(period, filters, codes)

    def finder(self, *, dated: bool = True, **extra) -> str:
        """The request finder showing the requests behind a figure: this period's (``dated``),
        under these filters, narrowed by ``extra``."""
        params: dict = {**self.codes, **extra}
        if dated:
            params = {"from_": self.filters.start, "to": self.filters.end, **params}
        return finder_url(**params)

    def query(self, **overrides) -> dict[str, str]:
        """This page's own query string values (for links between the supervision pages)."""
        values: dict[str, str | None] = {"period": self.period.key}
        if self.period.key == "custom":
            values |= {"from": self.filters.start.isoformat(), "to": self.filters.end.isoformat()}
        values |= self.codes
        values |= overrides
        return {k: v for k, v in values.items() if v not in (None, "")}

    def url(self, path: str, **overrides) -> str:
        query = self.query(**overrides)
        return f"{path}?{urlencode(query)}" if query else path


@dataclass
class Figure:
    key: str
    label: str  # translated
    kind: str  # count, rate, score, hours
    value: float | None
    previous: float | None
    text: str
    change: str
    previous_text: str
    href: str
    trend: str = "same"  # up, down, same, none (no comparison)


def _figure(fmt: Formats, key: str, label: str, kind: str, value, previous, href: str) -> Figure:
    delta = None if value is None or previous is None else value - previous
    trend = "none" if delta is None else ("up" if delta > 0 else "down" if delta < 0 else "same")
    return Figure(key, fmt._(label), kind, value, previous, fmt.of_kind(kind, value), fmt.change(kind, delta),
                  fmt.of_kind(kind, previous), href, trend)


COUNTS = (
    ("submitted", N_("Submitted"), {}),
    ("dispatched", N_("Dispatched"), {"status": DISPATCHED_ON}),
    ("claimed", N_("Claimed"), {"status": CLAIMED_ON}),
    ("completed", N_("Completed"), {"status": COMPLETED_ON}),
    ("closed", N_("Closed"), {"status": [S.closed]}),
    ("cancelled", N_("Cancelled"), {"status": [S.cancelled]}),
    ("rejected", N_("Rejected"), {"status": [S.rejected]}),
    ("overdue", N_("Overdue"), {"overdue": "true"}),
)
RATES = (
    ("response", N_("Response rate"), {"status": DISPATCHED_ON}),
    ("resolution", N_("Resolution rate"), {}),
    ("satisfaction", N_("Satisfaction rate"), {"status": [S.closed]}),
    ("satisfaction_share", N_("Satisfied share"), {"status": [S.closed]}),
    ("unrated_share", N_("Unrated share"), {"status": [S.closed]}),
    ("on_time", N_("On-time completion rate"), {"status": COMPLETED_ON}),
)
DURATIONS = (
    ("dispatch", N_("Time to dispatch"), {"status": DISPATCHED_ON}),
    ("claim", N_("Time to claim"), {"status": CLAIMED_ON}),
    ("complete", N_("Time to complete"), {"status": COMPLETED_ON}),
)


@dataclass
class Headline:
    counts: list[Figure]
    rates: list[Figure]
    composite: Figure
    durations: list[tuple[str, Figure, Figure]]  # (label, p50, p90)


def headline(fmt: Formats, sel: Selection, current: metrics.Figures, previous: metrics.Figures, *,
             only: Collection[str] | None = None) -> Headline:
    """Every figure of the period, or with ``only`` the composite and the counts and rates
    named there, and no durations (the desk's strip: formatting and linking the figures it
    does not show was a good part of its cost)."""
    counts = [
        _figure(fmt, key, label, "count", getattr(current.counts, key), getattr(previous.counts, key), sel.finder(**extra))
        for key, label, extra in COUNTS if only is None or key in only
    ]
    rates = [
        _figure(fmt, key, label, "rate", getattr(current.rates, key), getattr(previous.rates, key), sel.finder(**extra))
        for key, label, extra in RATES if only is None or key in only
    ]
    composite = _figure(fmt, "composite", N_("Composite score"), "score", current.composite, previous.composite,
                        sel.finder())
    durations = []
    for key, label, extra in DURATIONS if only is None else ():
        pair = []
        for p, name in (("p50", N_("median")), ("p90", N_("90th percentile"))):
            attr = f"{key}_{p}"
            pair.append(_figure(fmt, attr, name, "hours", getattr(current.durations, attr),
                                getattr(previous.durations, attr), sel.finder(**extra)))
        durations.append((fmt._(label), *pair))
    return Headline(counts, rates, composite, durations)


@dataclass
class Cell:
    text: str
    href: str | None = None
    value: float | None = None


@dataclass
class DepartmentLine:
    department_id: int
    code: str
    name: str
    staff_href: str
    cells: dict[str, Cell] = field(default_factory=dict)


# The department table's columns: (key, label, kind); the export uses the same.
DEPARTMENT_COLUMNS = (
    ("load", N_("Open now"), "count"),
    ("submitted", N_("Submitted"), "count"),
    ("completed", N_("Completed"), "count"),
    ("response", N_("Response rate"), "rate"),
    ("resolution", N_("Resolution rate"), "rate"),
    ("satisfaction", N_("Satisfaction rate"), "rate"),
    ("on_time", N_("On-time completion rate"), "rate"),
    ("average_rating", N_("Average rating"), "rating"),
    ("returns", N_("Returns"), "count"),
    ("reworks", N_("Reworks"), "count"),
    ("overdue", N_("Overdue"), "count"),
    ("composite", N_("Composite score"), "score"),
)


def department_value(row: metrics.DepartmentRow, key: str):
    if hasattr(row.rates, key) and key not in ("load", "submitted", "completed"):
        return getattr(row.rates, key)
    return getattr(row, key)


def visible_rows(rows: list[metrics.DepartmentRow], scope: metrics.Scope, filters: metrics.Filters) -> list[metrics.DepartmentRow]:
    """The department table's rows this person may see, narrowed to the chosen department."""
    return [r for r in rows if scope.allows(r.department_id)
            and filters.department_id in (None, r.department_id)]


def export_value(kind: str, value: float | None):
    """A cell of the exported table: a number a spreadsheet can sum (rates in percent), empty
    for no figure."""
    if value is None:
        return None
    if kind == "rate":
        return round(value * 100, 1)
    if kind == "rating":
        return round(value, 2)
    return value


def department_lines(fmt: Formats, sel: Selection, rows: list[metrics.DepartmentRow], catalog: Catalog,
                     scope: metrics.Scope) -> list[DepartmentLine]:
    lines = []
    for row in visible_rows(rows, scope, sel.filters):
        department = catalog.departments.get(row.department_id)
        code = department.code if department else str(row.department_id)
        name = localized(department.name, fmt.locale) if department else code
        mine = {**sel.codes, "department": code}
        dated = Selection(sel.period, sel.filters, mine)
        links = {
            "load": dated.finder(dated=False, status=OPEN),
            "submitted": dated.finder(),
            "completed": dated.finder(status=COMPLETED_ON),
            "response": dated.finder(status=DISPATCHED_ON),
            "resolution": dated.finder(),
            "satisfaction": dated.finder(status=[S.closed]),
            "on_time": dated.finder(status=COMPLETED_ON),
            "average_rating": dated.finder(status=[S.closed]),
            "returns": dated.finder(),
            "reworks": dated.finder(status=COMPLETED_ON + [S.claimed]),
            "overdue": dated.finder(overdue="true"),
            "composite": dated.finder(),
        }
        line = DepartmentLine(row.department_id, code, name, dated.url("/supervision/staff"))
        for key, _label, kind in DEPARTMENT_COLUMNS:
            value = department_value(row, key)
            line.cells[key] = Cell(fmt.of_kind(kind, value), links[key], value)
        lines.append(line)
    return lines


# --- the red and black list -------------------------------------------------------------------

RED_BLACK_COLUMNS = (
    ("volume", N_("Number of requests"), "count"),
    ("composite", N_("Composite score"), "score"),
    ("satisfaction", N_("Satisfaction rate"), "rate"),
    ("response", N_("Response rate"), "rate"),
    ("return_rate", N_("Return rate"), "rate"),
    ("rework_rate", N_("Rework rate"), "rate"),
    ("on_time", N_("On-time completion rate"), "rate"),
    ("overdue", N_("Overdue"), "count"),
)


@dataclass
class RankedLine:
    rank: int
    code: str
    name: str
    cells: dict[str, Cell]


def ranked_lines(fmt: Formats, rows: list[metrics.RedBlackRow], catalog: Catalog, scope: metrics.Scope,
                 month: date, *, links: bool = True) -> list[RankedLine]:
    start, end = metrics.month_bounds(month)
    out = []
    for rank, row in enumerate(rows, start=1):
        if not scope.allows(row.department_id):
            continue
        department = catalog.departments.get(row.department_id)
        name = localized(department.name, fmt.locale) if department else row.code
        href = finder_url(from_=start, to=end, department=row.code) if links else None
        cells = {key: Cell(fmt.of_kind(kind, getattr(row, key)), href, getattr(row, key))
                 for key, _label, kind in RED_BLACK_COLUMNS}
        if links:
            cells["overdue"].href = finder_url(from_=start, to=end, department=row.code, overdue="true")
        out.append(RankedLine(rank, row.code, name, cells))
    return out


def month_links(month: date, now: datetime) -> tuple[str, str | None]:
    """The months before and after (none after the current month)."""
    before = (month - timedelta(days=1)).replace(day=1)
    after = (month + timedelta(days=32)).replace(day=1)
    return before.strftime("%Y-%m"), (after.strftime("%Y-%m") if after <= today(now) else None)


# --- the filter form's choices ------------------------------------------------------------------


def choices(catalog: Catalog, locale: str, scope: metrics.Scope) -> dict[str, list[tuple[str, str]]]:
    departments = sorted(catalog.departments.values(), key=lambda d: d.code)
    if scope.kind != metrics.ScopeKind.all:
        departments = [d for d in departments if scope.allows(d.id)]
    return {
        "department": [(d.code, localized(d.name, locale)) for d in departments],
        "category": [(c.code, localized(c.name, locale)) for c in catalog.ordered_categories(include_retired=True)],
        "service": [(s.code, localized(s.name, locale)) for s in catalog.ordered_services(include_retired=True)],
        "building": [(b.code, localized(b.name, locale)) for b in sorted(catalog.buildings.values(), key=lambda b: b.code)],
        "enterprise": [(str(e.id), e.name) for e in sorted(catalog.enterprises.values(), key=lambda e: e.name)],
    }


# --- a department's staff -----------------------------------------------------------------------

STAFF_COLUMNS = (
    ("load", N_("Open now"), "count"),
    ("completed", N_("Completed"), "count"),
    ("response", N_("Response rate"), "rate"),
    ("resolution", N_("Resolution rate"), "rate"),
    ("satisfaction", N_("Satisfaction rate"), "rate"),
    ("on_time", N_("On-time completion rate"), "rate"),
    ("average_rating", N_("Average rating"), "rating"),
    ("composite", N_("Composite score"), "score"),
)


@dataclass
class StaffLine:
    name: str
    username: str
    cells: dict[str, Cell]


def staff_lines(fmt: Formats, sel: Selection, rows: list[metrics.StaffRow], people: dict) -> list[StaffLine]:
    """One line per person. (The finder has no filter by holder, so these figures link nowhere.)"""
    out = []
    for row in rows:
        person = people.get(row.person_id)
        cells = {}
        for key, _label, kind in STAFF_COLUMNS:
            value = getattr(row.rates, key) if hasattr(row.rates, key) else getattr(row, key)
            cells[key] = Cell(fmt.of_kind(kind, value), None, value)
        out.append(StaffLine(person.display_name if person else str(row.person_id),
                             person.username if person else "", cells))
    return out
