"""The finder's fixtures: the world, the API client with bearer tokens, the pages' app."""

from tests.api.conftest import auth, client, world  # noqa: F401 - fixtures
from tests.web.conftest import app  # noqa: F401 - fixture
