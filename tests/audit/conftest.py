from tests.web.conftest import app, client, make_person, signed_in  # noqa: F401 - page fixtures
