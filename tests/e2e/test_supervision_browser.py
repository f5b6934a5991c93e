"""The supervision dashboard in a real browser on a phone: supervisor1 signs in, lands on
/supervision, and sees the charts at 375 px without scrolling sideways."""

import pytest

from tests.e2e.conftest import screenshot, sign_in
from tests.factories import build_world
from tests.metrics import scenario

pytestmark = pytest.mark.browser


def test_the_dashboard_fits_a_phone(database, new_page):
    build_world(database)
    scenario.build(database)
    page = new_page(width=375, height=800)
    sign_in(page, "supervisor1")
    assert page.url.endswith("/supervision")  # a supervisor's home
    page.goto("/supervision?period=custom&from=2026-10-26&to=2026-11-15")
    assert page.locator("h1").inner_text() == "督办看板"
    charts = page.locator("figure.chart svg")
    assert charts.count() == 5
    for i in range(charts.count()):
        chart = charts.nth(i)
        chart.scroll_into_view_if_needed()
        assert chart.is_visible()
        box = chart.bounding_box()
        assert box["width"] > 250 and box["x"] >= 0 and box["x"] + box["width"] <= 375, (i, box)
    # The drawn bar is there and is the week's six requests.
    bar = page.locator("#chart-weekly-volume rect.bar")
    assert bar.count() == 1 and bar.get_attribute("data-value") == "6"
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    screenshot(page, "supervision-375")
    # The department table scrolls inside its own region, not the page.
    page.locator("#sv-departments").scroll_into_view_if_needed()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375


def test_the_dashboard_prints_its_charts_without_the_form(database, new_page):
    build_world(database)
    scenario.build(database)
    page = new_page(width=1024)
    sign_in(page, "supervisor1")
    page.goto("/supervision?period=custom&from=2026-10-26&to=2026-11-15")
    page.emulate_media(media="print")
    assert not page.locator("form.sv-filters").is_visible()
    assert not page.locator(".site-header").is_visible()
    assert page.locator("figure.chart svg").first.is_visible()
    assert page.locator("#sv-departments").is_visible()
