"""What the pages and exports show of a score: each line with the words for it, its points as
text and the address of the record behind it. No queries."""

from __future__ import annotations

from dataclasses import dataclass

from server.pioneer.index import Fact, FactKind, Line

RECORD_PAGES = {
    "attendance_record": "/pioneer/attendance/{ref}",
    "volunteer_hours": "/pioneer/hours/{ref}",
    "contribution_points": "/pioneer/points/{ref}",
    "activity": "/activities/{ref}",
    "service_request": "/requests/{ref}",
}


def record_href(fact: Fact) -> str:
    return RECORD_PAGES[fact.source].format(ref=fact.ref)


def points_text(value: float, *, signed: bool = False) -> str:
    """At most two decimals, no trailing zeros: 10, 2.5, 3.38; "+5" when signed."""
    text = f"{round(value + 0.0, 2):.2f}".rstrip("0").rstrip(".")
    text = "0" if text in ("-0", "") else text
    return f"+{text}" if signed and value > 0 else text


@dataclass(frozen=True)
class LineView:
    day: str
    fact_kind: str
    activity_kind: str | None
    label: str
    amount: str  # hours or points as entered, "" for one attendance
    rating: str
    points: str
    href: str


def line_view(line: Line) -> LineView:
    fact = line.fact
    amount = ""
    if fact.kind == FactKind.volunteered:
        amount = points_text(fact.amount)
    elif fact.kind == FactKind.points:
        amount = points_text(fact.amount, signed=True)
    rating = points_text(fact.rating) if fact.rating is not None else ""
    return LineView(fact.day.isoformat(), fact.kind.value, fact.activity_kind, fact.label, amount, rating,
                    points_text(line.points, signed=True), record_href(fact))
