"""The browser harness itself: the sign-in page renders and signing in works."""

import pytest

from tests.e2e.conftest import screenshot, sign_in
from tests.factories import build_world

pytestmark = pytest.mark.browser


def test_sign_in_in_a_real_browser(database, new_page):
    build_world(database)
    page = new_page()
    sign_in(page, "member1")
    assert page.locator(".person-name").inner_text() == "Member1"
    screenshot(page, "home-1280")
