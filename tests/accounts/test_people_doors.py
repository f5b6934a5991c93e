"""Door parity for accounts: `lianxin create-user` and /admin/people/new go through the same
people service, so they refuse the same usernames (the rule was once written twice)."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from server.app import create_app
from server.cli import main
from server.config import get_settings
from server.models import Person
from tests.admin.pages import error_next_to, post, sign_in

BAD_USERNAMES = ["", "   ", "two words", "tab\there", "x" * 65, "member1"]


@pytest.fixture
def cli(database, db_url, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", db_url)
    get_settings.cache_clear()
    yield lambda *args: CliRunner().invoke(main, list(args), catch_exceptions=False)
    get_settings.cache_clear()


@pytest.fixture
def admin_client(settings, database, world):
    with TestClient(create_app(settings, database), base_url="http://testserver") as client:
        yield sign_in(client, "admin1")


def _people(database) -> int:
    with database.read() as session:
        return session.scalar(select(func.count()).select_from(Person))


@pytest.mark.parametrize("username", BAD_USERNAMES)
def test_cli_and_page_refuse_the_same_usernames(cli, admin_client, database, username):
    before = _people(database)
    result = cli("create-user", username, "--name", "Someone", "--role", "member", "--password", "secret-123")
    assert result.exit_code == 1 and "USERNAME: " in result.output, result.output
    page = post(admin_client, "/admin/people/new", {"username": username, "display_name": "Someone", "roles": ["member"]})
    assert page.status_code == 422 and error_next_to(page.text, "username")
    assert _people(database) == before


def test_cli_and_page_accept_the_same_username(cli, admin_client, database):
    assert cli("create-user", "x" * 64, "--name", "Someone", "--role", "member", "--password", "secret-123").exit_code == 0
    page = post(admin_client, "/admin/people/new", {"username": "y" * 64, "display_name": "Someone", "roles": ["member"]})
    assert page.status_code == 303
