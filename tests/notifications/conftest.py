"""The page fixtures (the app on this test's database, signed-in clients) for the notification pages."""

from tests.web.conftest import app, client, make_person, signed_in  # noqa: F401 - page fixtures
