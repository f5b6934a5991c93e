"""The supervision pages' fixtures: the world of tests/factories.py, its people signed in
through the real form (one client each), and the hand-worked week of tests/metrics/scenario.py."""

from __future__ import annotations

import pytest

from tests.metrics import scenario
from tests.requests.pages.worklist_support import as_user, world  # noqa: F401  shared, not copied
from tests.web.conftest import app, client, make_person, signed_in  # noqa: F401


@pytest.fixture
def week(database, world):  # noqa: F811
    return scenario.build(database)
