import pytest

from tests.factories import build_world


@pytest.fixture
def world(database):
    return build_world(database)
