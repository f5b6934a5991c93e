import pytest

from tests.factories import build_world


@pytest.fixture
def world(database):
    return build_world(database)


from tests.web.conftest import app, client, make_person, signed_in  # noqa: E402,F401 - page fixtures
