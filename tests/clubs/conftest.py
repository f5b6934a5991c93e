"""The page tests' app and client (tests/web's), for the clubs' pages."""

from tests.web.conftest import app, client  # noqa: F401 - fixtures
