"""The page tests' app and client (tests/web's), for the programme's tests."""

from tests.web.conftest import app, client  # noqa: F401 - fixtures
