"""Charts drawn on the server: pure functions from numbers to the geometry of an SVG chart
(bars, lines, axes, ticks) plus the table a screen reader reads instead. The markup is
``web/templates/components/charts.html``'s ``chart(c)`` macro, so it autoescapes like every page
and needs no script; these functions take labels already translated and formatted.

Coordinates are in the SVG's own units (``viewBox``), rounded to two decimals; the drawn size
of a bar is exactly ``value / axis maximum × plot size`` (tests parse the SVG and check).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

WIDTH = 480
FONT = 16  # text size in SVG units (the chart scales to its box: about 11 px at 375 px wide)
_MARGIN_LEFT, _MARGIN_RIGHT, _MARGIN_TOP, _MARGIN_BOTTOM = 62, 12, 18, 50
_LABEL_CHARS = 6  # a bottom axis label's rough width in characters, to thin them out when crowded
Fmt = Callable[[float], str]


@dataclass(frozen=True)
class Item:
    """One value to draw: its label, the number, how to say it, where it links to."""

    label: str
    value: float | None
    text: str  # the value as the page says it ("—" for None)
    href: str | None = None


@dataclass(frozen=True)
class Series:
    name: str
    items: Sequence[Item]


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    series: int  # which series: the colour and the legend entry
    item: Item
    title: str  # the tooltip and accessible name: "label · series: value"


@dataclass(frozen=True)
class Tick:
    x: float
    y: float
    text: str
    anchor: str = "middle"


@dataclass(frozen=True)
class Line:
    series: int
    points: str  # an SVG polyline's points; a null value breaks the line into segments


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    series: int
    item: Item
    title: str


@dataclass
class Chart:
    kind: str  # "bars", "stacked", "hbars", "lines"
    id: str
    title: str
    x_label: str
    y_label: str
    width: float
    height: float
    plot: tuple[float, float, float, float]  # left, top, right, bottom
    axis_max: float
    bars: list[Bar] = field(default_factory=list)
    lines: list[Line] = field(default_factory=list)
    points: list[Point] = field(default_factory=list)
    x_ticks: list[Tick] = field(default_factory=list)
    y_ticks: list[Tick] = field(default_factory=list)  # with their grid lines
    labels: list[Tick] = field(default_factory=list)  # texts beside bars (hbars)
    legend: list[str] = field(default_factory=list)  # series names, when more than one
    # The fallback table: a header row and one row per category (texts only).
    table_head: list[str] = field(default_factory=list)
    table_rows: list[list[tuple[str, str | None]]] = field(default_factory=list)  # (text, href)


def _r(value: float) -> float:
    return round(value, 2)


def nice_step(value: float, *, whole: bool = False) -> float:
    """The smallest 1, 2, 2.5 or 5 × 10^k at or above ``value`` (no 2.5 and at least 1 for
    ``whole`` numbers, so that count axes tick at whole numbers)."""
    if value <= 0:
        return 1
    magnitude = 10 ** math.floor(math.log10(value))
    for step in ((1, 2, 5, 10) if whole else (1, 2, 2.5, 5, 10)):
        if value <= step * magnitude:
            return max(step * magnitude, 1) if whole else step * magnitude
    return 10 * magnitude  # not reached


def axis(biggest: float, *, whole: bool = True, ticks: int = 4) -> tuple[float, list[float]]:
    """The axis maximum and its tick values for data up to ``biggest``: ``ticks`` steps of a
    nice size (fewer when the numbers are small whole ones), starting at 0."""
    step = nice_step(biggest / ticks, whole=whole) if biggest > 0 else 1
    steps = max(1, math.ceil(biggest / step)) if biggest > 0 else 1
    return step * steps, [step * i for i in range(steps + 1)]


def _y_ticks(values: list[float], axis_max: float, fmt: Fmt, left: float, top: float, bottom: float) -> list[Tick]:
    return [Tick(left - 6, _r(bottom - (bottom - top) * v / axis_max), fmt(v), "end") for v in values]


def _thin(n: int, plot_width: float) -> int:
    """Show every k-th bottom label so they do not overlap."""
    fits = max(1, int(plot_width // (_LABEL_CHARS * FONT * 0.6)))
    return max(1, math.ceil(n / fits))


def _table(head: str, series: Sequence[Series]) -> tuple[list[str], list[list[tuple[str, str | None]]]]:
    categories = [item.label for item in series[0].items] if series else []
    rows = []
    for i, label in enumerate(categories):
        rows.append([(label, None)] + [(s.items[i].text, s.items[i].href) for s in series])
    return [head] + [s.name for s in series], rows


def _title(item: Item, series: Series, many: bool) -> str:
    return f"{item.label} · {series.name}: {item.text}" if many else f"{item.label}: {item.text}"


def column_chart(id: str, title: str, series: Sequence[Series], *, x_label: str, y_label: str, fmt: Fmt,
                 stacked: bool = False, axis_max: float | None = None, height: float = 240) -> Chart:
    """Vertical bars, one group (or stack, ``stacked``) per category; every series has the same
    categories in the same order."""
    left, top, right, bottom = _MARGIN_LEFT, _MARGIN_TOP, WIDTH - _MARGIN_RIGHT, height - _MARGIN_BOTTOM
    n = len(series[0].items) if series else 0
    if stacked:
        biggest = max((sum(s.items[i].value or 0 for s in series) for i in range(n)), default=0)
    else:
        biggest = max((item.value or 0 for s in series for item in s.items), default=0)
    top_value, tick_values = axis(biggest) if axis_max is None else (axis_max, [axis_max * i / 4 for i in range(5)])
    chart = Chart("stacked" if stacked else "bars", id, title, x_label, y_label, WIDTH, height,
                  (left, top, right, bottom), top_value, legend=[s.name for s in series] if len(series) > 1 else [])
    chart.y_ticks = _y_ticks(tick_values, top_value, fmt, left, top, bottom)
    slot = (right - left) / n if n else 0
    gap = slot * 0.2
    lanes = 1 if stacked else max(1, len(series))
    bar_width = (slot - gap) / lanes
    every = _thin(n, right - left)
    for i in range(n):
        base = bottom
        for k, s in enumerate(series):
            item = s.items[i]
            h = (item.value or 0) / top_value * (bottom - top)
            x = left + slot * i + gap / 2 + (0 if stacked else k * bar_width)
            y = (base - h) if stacked else (bottom - h)
            chart.bars.append(Bar(_r(x), _r(y), _r(bar_width), _r(h), k, item, _title(item, s, len(series) > 1)))
            if stacked:
                base -= h
        if i % every == 0:
            chart.x_ticks.append(Tick(_r(left + slot * (i + 0.5)), bottom + FONT + 4, series[0].items[i].label))
    chart.table_head, chart.table_rows = _table(x_label, series)
    return chart


def bar_list_chart(id: str, title: str, items: Sequence[Item], *, x_label: str, y_label: str, fmt: Fmt) -> Chart:
    """Horizontal bars, largest first as given, each with its label above it (long Chinese
    names keep their whole width on a phone) and its value after it."""
    row = FONT * 3
    left, right = 4, WIDTH - 56
    top = _MARGIN_TOP
    height = top + row * max(len(items), 1) + FONT * 2.5
    top_value, _ticks = axis(max((item.value or 0 for item in items), default=0))
    bottom = top + row * len(items)
    chart = Chart("hbars", id, title, x_label, y_label, WIDTH, _r(height), (left, top, right, bottom), top_value)
    for i, item in enumerate(items):
        y = top + row * i
        w = (item.value or 0) / top_value * (right - left)
        chart.labels.append(Tick(left, _r(y + FONT), item.label, "start"))
        chart.bars.append(Bar(left, _r(y + FONT + 4), _r(w), FONT + 2, 0, item, f"{item.label}: {item.text}"))
        chart.labels.append(Tick(_r(left + w + 4), _r(y + FONT * 2 + 3), item.text, "start"))
    chart.x_ticks = [Tick(left, _r(bottom + FONT + 4), fmt(0), "start"), Tick(right, _r(bottom + FONT + 4), fmt(top_value), "end")]
    chart.table_head, chart.table_rows = _table(x_label, [Series(y_label, items)])
    return chart


def line_chart(id: str, title: str, series: Sequence[Series], *, x_label: str, y_label: str, fmt: Fmt,
               axis_max: float = 1.0, height: float = 240) -> Chart:
    """One line per series over the same categories; a null value leaves a gap, not a zero."""
    left, top, right, bottom = _MARGIN_LEFT, _MARGIN_TOP, WIDTH - _MARGIN_RIGHT, height - _MARGIN_BOTTOM
    n = len(series[0].items) if series else 0
    chart = Chart("lines", id, title, x_label, y_label, WIDTH, height, (left, top, right, bottom), axis_max,
                  legend=[s.name for s in series])
    chart.y_ticks = _y_ticks([axis_max * i / 4 for i in range(5)], axis_max, fmt, left, top, bottom)
    slot = (right - left) / n if n else 0
    every = _thin(n, right - left)
    for k, s in enumerate(series):
        segment: list[str] = []
        for i, item in enumerate(s.items):
            x = _r(left + slot * (i + 0.5))
            if item.value is None:
                if segment:
                    chart.lines.append(Line(k, " ".join(segment)))
                segment = []
                continue
            y = _r(bottom - min(item.value, axis_max) / axis_max * (bottom - top))
            segment.append(f"{x},{y}")
            chart.points.append(Point(x, y, k, item, _title(item, s, True)))
        if segment:
            chart.lines.append(Line(k, " ".join(segment)))
    for i in range(0, n, every):
        chart.x_ticks.append(Tick(_r(left + slot * (i + 0.5)), bottom + FONT + 4, series[0].items[i].label))
    chart.table_head, chart.table_rows = _table(x_label, series)
    return chart
