"""Fixtures for the admin tests: the small world of tests/factories.py and its admin."""

from __future__ import annotations

import pytest

from tests.factories import build_world


@pytest.fixture
def world(database):
    return build_world(database)


@pytest.fixture
def admin(world):
    return world["admin1"]
