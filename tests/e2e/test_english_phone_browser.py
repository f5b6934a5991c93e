"""English is the longest of the three languages: at 375 px its pages must not scroll
sideways either. Regressions: a dispatch form's department choice (a select is as wide as its
longest option) pushed the board's rows to 518 px; the charts' screen-reader tables (a table
will not shrink to the 1px of .visually-hidden) made the dashboard 814 px; a wide admin table
stretched the admin grid and its menu to 723 px."""

import pytest
from sqlalchemy import select

from server.models import Department
from tests.e2e.conftest import screenshot, sign_in
from tests.factories import build_world
from tests.metrics import scenario
from tests.requests.helpers import submit

pytestmark = pytest.mark.browser

LONG_NAME = "Municipal Bureau of Human Resources and Social Security, Employment Services Division"


def _width(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


@pytest.fixture
def long_named(database):
    build_world(database)
    scenario.build(database)
    with database.write() as session:
        department = session.scalar(select(Department).where(Department.code == "legal"))
        department.name = {**department.name, "en": LONG_NAME}
    submit(database, "member1", "misc.other", description="Which office handles this?")


@pytest.mark.parametrize(("username", "paths"), [
    ("dispatcher1", ["/dispatch", "/requests"]),
    ("supervisor1", ["/supervision?period=custom&from=2026-10-26&to=2026-11-15", "/supervision/staff",
                     "/supervision/overdue"]),
    ("admin1", ["/admin/departments", "/admin/people", "/admin/enterprises", "/admin/audit"]),
])
def test_english_pages_fit_a_phone(long_named, new_page, username, paths):
    page = new_page(locale="en-US", width=375, height=800)
    sign_in(page, username)
    for path in paths:
        page.goto(path)
        assert page.locator("html").get_attribute("lang") == "en"
        assert _width(page) <= 375, (path, _width(page))
    screenshot(page, f"english-375-{username}")
