"""The dashboard's charts: the SVG drawn is the numbers the service computed (parsed back out
of the page), with a title, translated axis labels and a hidden table with the same numbers;
and the chart geometry on its own."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import UTC, date, datetime

import pytest

from server.metrics import service as metrics
from server.web import charts

SVG = "{http://www.w3.org/2000/svg}"
WEEK = "period=custom&from=2026-10-26&to=2026-11-15"


def chart_of(html: str, chart_id: str) -> tuple[ET.Element, str]:
    """The chart's <svg> parsed as XML, and its figure's HTML (legend, hidden table)."""
    figure = re.search(rf'<figure class="chart [^"]*" id="{chart_id}">.*?</figure>', html, re.S)
    assert figure, f"no chart {chart_id}"
    svg = re.search(r"<svg.*?</svg>", figure.group(0), re.S).group(0)
    return ET.fromstring(svg), figure.group(0)


def drawn_bars(svg: ET.Element) -> list[dict]:
    return [rect.attrib for rect in svg.iter(f"{SVG}rect")]


def plot_height(svg: ET.Element) -> float:
    axes = [line.attrib for line in svg.iter(f"{SVG}line") if line.get("class") == "axis"]
    vertical = next(a for a in axes if a["x1"] == a["x2"])
    return float(vertical["y2"]) - float(vertical["y1"])


def axis_max(svg: ET.Element) -> float:
    ticks = [t.text for t in svg.iter(f"{SVG}text") if t.get("class") == "tick" and t.get("text-anchor") == "end"]
    return float(ticks[-1].rstrip("%"))


@pytest.fixture
def page(as_user, week):
    return as_user("supervisor1").get(f"/supervision?{WEEK}").text


@pytest.fixture
def computed(database, week):
    with database.read() as session:
        return metrics.overview(session, metrics.Filters(date(2026, 10, 26), date(2026, 11, 15)), now=datetime.now(UTC))


def test_weekly_volume_bars_are_the_computed_counts(page, computed):
    svg, figure = chart_of(page, "chart-weekly-volume")
    assert svg.find(f"{SVG}title").text == "每周提交工单数"
    texts = [t.text for t in svg.iter(f"{SVG}text")]
    assert "周起始日" in texts and "工单数" in texts  # axis labels in the page's language
    weeks = {w.start: w.submitted for w in computed.weekly}
    assert weeks == {date(2026, 10, 26): 0, date(2026, 11, 2): 6, date(2026, 11, 9): 0}
    bars = drawn_bars(svg)
    # Only bars with something to draw; each one's height is its share of the axis.
    assert [(b["data-label"], int(b["data-value"])) for b in bars] == [("11/2", 6)]
    assert float(bars[0]["height"]) == pytest.approx(6 / axis_max(svg) * plot_height(svg), abs=0.01)
    # The hidden table has every week, linked to the week's requests.
    table = re.search(r'<div class="visually-hidden">\s*<table class="chart-table">.*?</table>', figure, re.S).group(0)
    assert re.findall(r"<th scope=\"row\">([^<]*)</th><td><a [^>]*>([^<]*)</a>", table) == [
        ("10/26", "0"), ("11/2", "6"), ("11/9", "0")
    ]
    assert 'href="/requests?from=2026-11-02&amp;to=2026-11-08"' in table


def test_the_bar_links_to_the_requests_behind_it(page):
    svg, _ = chart_of(page, "chart-weekly-volume")
    links = [a.get("href") for a in svg.iter(f"{SVG}a")]
    assert links == ["/requests?from=2026-11-02&to=2026-11-08"]


def test_rate_lines_are_the_computed_weekly_rates(page, computed):
    svg, figure = chart_of(page, "chart-weekly-rates")
    week = next(w for w in computed.weekly if w.start == date(2026, 11, 2))
    points = [(p.get("data-label"), float(p.get("data-value"))) for p in svg.iter(f"{SVG}circle")]
    # Weeks without requests have no rate: no point, no zero.
    assert points == [("11/2", week.rates.response), ("11/2", week.rates.resolution),
                      ("11/2", week.rates.satisfaction), ("11/2", week.rates.on_time)]
    assert points[0][1] == 0.5
    y_axis = next(line.attrib for line in svg.iter(f"{SVG}line") if line.get("class") == "axis" and line.get("x1") == line.get("x2"))
    top, bottom = float(y_axis["y1"]), float(y_axis["y2"])
    circle = next(svg.iter(f"{SVG}circle"))
    assert float(circle.get("cy")) == pytest.approx(bottom - 0.5 * (bottom - top), abs=0.01)
    assert "响应率" in figure and "按时办结率" in figure and ">—<" in figure


def test_backlog_bars_stack_the_open_requests_by_state_and_age(page, computed):
    svg, _ = chart_of(page, "chart-backlog")
    cells = {(c.state.value, c.age_bucket): c.count for c in computed.backlog if c.count}
    drawn = [(b["data-label"], int(b["data-value"]), float(b["height"])) for b in drawn_bars(svg)]
    assert sorted((label, value) for label, value, _ in drawn) == sorted(
        [("待接单", cells[("dispatched", "over_7_days")]), ("办理中", cells[("claimed", "over_7_days")])]
    )
    for _label, value, height in drawn:
        assert height == pytest.approx(value / axis_max(svg) * plot_height(svg), abs=0.01)


def test_top_services_and_enterprises_are_the_computed_demand(page, computed, world):
    svg, _ = chart_of(page, "chart-top-services")
    bars = drawn_bars(svg)
    names = {world.services[code].id: f"服务{code}" for code in world.services}
    assert [(b["data-label"], int(b["data-value"])) for b in bars] == [(names[s], n) for s, n in computed.top_services]
    widths = [float(b["width"]) for b in bars]
    assert widths[0] / widths[1] == pytest.approx(4 / 2)
    svg, _ = chart_of(page, "chart-top-enterprises")
    assert [(b["data-label"], int(b["data-value"])) for b in drawn_bars(svg)] == [("一号企业", 4), ("二号企业", 2)]
    links = [a.get("href") for a in svg.iter(f"{SVG}a")]
    assert links[0] == f"/requests?from=2026-10-26&to=2026-11-15&enterprise={world['member1'].enterprise_id}"


def test_charts_read_in_english(as_user, week):
    client = as_user("supervisor1")
    client.cookies.set("lianxin_lang", "en")
    svg, _ = chart_of(client.get(f"/supervision?{WEEK}").text, "chart-weekly-volume")
    assert svg.find(f"{SVG}title").text == "Requests submitted per week"
    assert {"Week starting", "Number of requests"} <= {t.text for t in svg.iter(f"{SVG}text")}


def test_the_page_is_printable_without_script(page):
    assert '<link rel="stylesheet" href="/static/supervision.' in page
    assert "<script" not in re.search(r"<main.*</main>", page, re.S).group(0)


# --- the geometry alone ---------------------------------------------------------------------------


def items(*values):
    return [charts.Item(str(i), v, str(v), f"/x/{i}") for i, v in enumerate(values)]


@pytest.mark.parametrize("biggest, expected", [(0, (1, [0, 1])), (1, (1, [0, 1])), (4, (4, [0, 1, 2, 3, 4])),
                                               (6, (6, [0, 2, 4, 6])), (13, (15, [0, 5, 10, 15])),
                                               (180, (200, [0, 50, 100, 150, 200]))])
def test_count_axes_tick_at_whole_nice_numbers(biggest, expected):
    assert charts.axis(biggest) == expected


def test_column_heights_are_shares_of_the_axis():
    chart = charts.column_chart("c", "t", [charts.Series("s", items(3, 0, 5))], x_label="x", y_label="y", fmt=str)
    left, top, right, bottom = chart.plot
    assert chart.axis_max == 6
    assert [b.height for b in chart.bars] == [round(3 / 6 * (bottom - top), 2), 0, round(5 / 6 * (bottom - top), 2)]
    assert all(b.y + b.height == pytest.approx(bottom) for b in chart.bars)


def test_stacked_columns_sit_on_each_other():
    chart = charts.column_chart("c", "t", [charts.Series("a", items(2)), charts.Series("b", items(3))],
                                x_label="x", y_label="y", fmt=str, stacked=True)
    low, high = chart.bars
    assert high.y + high.height == pytest.approx(low.y) and chart.axis_max == 6  # 2 + 3 on an axis of 0, 2, 4, 6
    assert chart.legend == ["a", "b"]


def test_a_missing_value_breaks_the_line_instead_of_dropping_to_zero():
    chart = charts.line_chart("c", "t", [charts.Series("s", items(0.5, None, 1.0))], x_label="x", y_label="y", fmt=str)
    assert len(chart.lines) == 2 and len(chart.points) == 2
    assert [p.item.value for p in chart.points] == [0.5, 1.0]


def test_the_fallback_table_has_every_value_and_link():
    chart = charts.bar_list_chart("c", "t", items(4, 2), x_label="Service", y_label="Requests", fmt=str)
    assert chart.table_head == ["Service", "Requests"]
    assert chart.table_rows == [[("0", None), ("4", "/x/0")], [("1", None), ("2", "/x/1")]]

