"""The home page's fixtures: the world of tests/factories.py, its people signed in through the
real form (one client each)."""

from __future__ import annotations

from tests.requests.pages.worklist_support import as_user, world  # noqa: F401  shared, not copied
from tests.web.conftest import app, client, make_person, signed_in  # noqa: F401
