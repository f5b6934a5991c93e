"""`lianxin import enterprises|people FILE`: errors with line numbers and nothing written,
--dry-run, and a clean import."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from server.cli import main
from server.config import get_settings
from server.enterprises.credit_code import make_credit_code
from server.models import AuditEntry, Enterprise, Person

CODE = make_credit_code("440305", "MA5F3K7W")


@pytest.fixture
def cli(database, db_url, monkeypatch, world):
    monkeypatch.setenv("DATABASE_URL", db_url)
    get_settings.cache_clear()
    runner = CliRunner()

    def run(*args: str):
        return runner.invoke(main, list(args), catch_exceptions=False)

    yield run
    get_settings.cache_clear()


def _count(database, model) -> int:
    with database.read() as session:
        return session.scalar(select(func.count()).select_from(model))


def test_errors_write_nothing(cli, database, tmp_path):
    wrong = CODE[:17] + ("0" if CODE[17] != "0" else "1")
    path = tmp_path / "e.csv"
    path.write_text(f"name,credit_code\n三号企业,{CODE}\n四号企业,{wrong}\n", encoding="utf-8")
    result = cli("import", "enterprises", str(path))
    assert result.exit_code == 1
    assert "line 3: credit_code" in result.output and "Nothing was imported" in result.output
    assert _count(database, Enterprise) == 2 and _count(database, AuditEntry) == 0


def test_dry_run_then_import(cli, database, tmp_path):
    path = tmp_path / "e.csv"
    path.write_text(f"name,credit_code,building,floor\n三号企业,{CODE},A1,2\n一号企业,,A1,3\n", encoding="utf-8")
    result = cli("import", "enterprises", str(path), "--dry-run")
    assert result.exit_code == 0 and "1 to create, 1 to update" in result.output
    assert _count(database, Enterprise) == 2
    result = cli("import", "enterprises", str(path))
    assert result.exit_code == 0 and "1 created, 1 updated" in result.output
    assert _count(database, Enterprise) == 3


def test_import_people(cli, database, tmp_path):
    path = tmp_path / "p.csv"
    path.write_text("username,display_name,roles,enterprise\nnewbie,新人,contact,一号企业\n", encoding="utf-8")
    result = cli("import", "people", str(path))
    assert result.exit_code == 0, result.output
    assert "reset" in result.output
    with database.read() as session:
        assert session.scalar(select(Person).where(Person.username == "newbie")).must_change_password
