from tests.admin.fixtures import admin, world  # noqa: F401 - fixtures
from tests.web.conftest import app, client, make_person, signed_in  # noqa: F401 - the sign-in pages' fixtures
