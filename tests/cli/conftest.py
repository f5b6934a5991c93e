from __future__ import annotations

import pytest
from click.testing import CliRunner

from server.cli import main
from server.config import get_settings


@pytest.fixture
def cli(database, db_url, monkeypatch):
    """Run ``lianxin`` against this test's database."""
    monkeypatch.setenv("DATABASE_URL", db_url)
    get_settings.cache_clear()
    runner = CliRunner()

    def run(*args: str, input: str | None = None):
        return runner.invoke(main, list(args), input=input, catch_exceptions=False)

    yield run
    get_settings.cache_clear()
