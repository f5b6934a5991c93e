"""The metrics tests call the API as the API tests do: the same world, client and tokens."""

from tests.api.conftest import auth, client, world  # noqa: F401  fixtures, shared not copied
