from tests.admin.fixtures import admin, world  # noqa: F401 - fixtures
