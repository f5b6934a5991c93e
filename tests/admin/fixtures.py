"""Fixtures for the tests of the admin areas (catalogue, departments, buildings, enterprises,
people, imports, audit): the small world of tests/factories.py and its admin. Each of those
test folders imports them in its conftest.py."""

from __future__ import annotations

import pytest

from tests.factories import build_world


@pytest.fixture
def world(database):
    return build_world(database)


@pytest.fixture
def admin(world):
    return world["admin1"]
