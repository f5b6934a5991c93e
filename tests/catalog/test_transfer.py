"""`lianxin export catalog` and `lianxin import catalog`: the seeds' YAML format, a round trip
that restores a menu, and a broken file that writes nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from sqlalchemy import func, select

from server.catalog import service as svc
from server.cli import main
from server.config import get_settings
from server.models import AuditEntry, Category, Department, Service, ServiceField
from server.seeding import SEEDS_DIR


@pytest.fixture
def cli(database, db_url, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", db_url)
    get_settings.cache_clear()
    runner = CliRunner()

    def run(*args: str):
        return runner.invoke(main, list(args), catch_exceptions=False)

    assert run("seed", "--no-accounts").exit_code == 0
    yield run
    get_settings.cache_clear()


def _count(database, model) -> int:
    with database.read() as session:
        return session.scalar(select(func.count()).select_from(model))


def test_export_is_the_seed_format(cli):
    exported = yaml.safe_load(cli("export", "catalog").output)
    seeds = yaml.safe_load((SEEDS_DIR / "catalog.yaml").read_text(encoding="utf-8"))
    assert [c["code"] for c in exported["categories"]] == [c["code"] for c in seeds["categories"]]
    assert exported["services"][0] == seeds["services"][0]


def test_importing_the_seeds_changes_nothing(cli, database):
    # The seeds themselves may audit (the rooms service records what it creates); the
    # import of an unchanged file must add nothing to the trail.
    audited = _count(database, AuditEntry)
    result = cli("import", "catalog", str(SEEDS_DIR / "catalog.yaml"))
    assert result.exit_code == 0, result.output
    assert "0 created,    0 updated,   22 unchanged" in result.output
    assert _count(database, AuditEntry) == audited


def test_round_trip_restores_an_edited_menu(cli, database, tmp_path: Path):
    # An admin-made service with a missing translation, retired, with a choice field.
    with database.write() as session:
        category_id = session.scalar(select(Category.id).where(Category.code == "social"))
        service = svc.create_service(session, None, svc.ServiceInput(
            code="social.tea", category_id=category_id, name={"zh-Hans": "茶话会", "en": "Tea"},
            claim_limit_hours=2, complete_limit_days=3,
        ))
        svc.add_field(session, None, service.id, svc.FieldInput(
            code="size", type="single_choice", label={"zh-Hans": "规模"},
            choices=[{"value": "s", "label": {"zh-Hans": "小"}}, {"value": "l", "label": {"zh-Hans": "大", "en": "Large"}}],
        ))
        svc.retire_service(session, None, service.id)
    saved = tmp_path / "menu.yaml"
    assert cli("export", "catalog", "-o", str(saved)).exit_code == 0
    original = saved.read_text(encoding="utf-8")

    # Change things the file describes: names, routing, fields, retirement.
    with database.write() as session:
        tea = session.scalar(select(Service).where(Service.code == "social.tea"))
        svc.unretire_service(session, None, tea.id)
        transfer = session.scalar(select(Service).where(Service.code == "party.relation-transfer"))
        transfer.department_id = session.scalar(select(Department.id).where(Department.code == "centre"))
        transfer.name = {"zh-Hans": "改名"}
        for field in session.scalars(select(ServiceField).where(ServiceField.service_id == transfer.id)):
            if field.code == "letter":
                session.delete(field)
            elif field.code == "direction":
                field.label = {"zh-Hans": "方向"}
        session.add(ServiceField(service_id=transfer.id, code="extra", type="text", label={"zh-Hans": "多余"}))
    assert cli("export", "catalog").output != original

    result = cli("import", "catalog", str(saved))
    assert result.exit_code == 0, result.output
    # Updated: the two changed services, and those whose position follows the file's order.
    assert "services        0 created," in result.output
    assert cli("export", "catalog").output == original
    with database.read() as session:
        notes = set(session.scalars(select(AuditEntry.note).where(AuditEntry.actor_id.is_(None), AuditEntry.note == "import")))
    assert notes == {"import"}


def test_dry_run_writes_nothing(cli, database, tmp_path: Path):
    data = yaml.safe_load(cli("export", "catalog").output)
    data["categories"].append({"code": "extra", "name": {"zh-Hans": "其他"}})
    path = tmp_path / "menu.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    result = cli("import", "catalog", str(path), "--dry-run")
    assert result.exit_code == 0 and "1 created" in result.output and "nothing was written" in result.output
    assert _count(database, Category) == 5


@pytest.mark.parametrize(("change", "message"), [
    (lambda d: d["services"][3].update(department="nowhere"), "service #4 (party.branch-setup): unknown department 'nowhere'"),
    (lambda d: d["services"][0]["fields"][0].update(type="colour"), "field #1 (direction): `type` must be one of"),
    # The file is checked by the catalogue's own rules, the ones the admin pages apply.
    (lambda d: d["services"][1].update(claim_limit_hours=100000),
     "service #2 (party.member-development): `claim_limit_hours`: A whole number from 1 to 200."),
])
def test_a_broken_file_writes_nothing(cli, database, tmp_path: Path, change, message):
    audited = _count(database, AuditEntry)
    data = yaml.safe_load(cli("export", "catalog").output)
    data["categories"].insert(0, {"code": "first", "name": {"zh-Hans": "新分类"}})
    change(data)
    path = tmp_path / "broken.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    result = CliRunner().invoke(main, ["import", "catalog", str(path)])
    assert result.exit_code == 1
    assert message in result.output, result.output
    assert _count(database, Category) == 5 and _count(database, AuditEntry) == audited


def test_a_retired_category_travels_through_export_and_import(cli, database, tmp_path: Path):
    with database.write() as session:
        social = session.scalar(select(Category).where(Category.code == "social"))
        svc.retire_category(session, None, social.id)
    saved = tmp_path / "menu.yaml"
    assert cli("export", "catalog", "-o", str(saved)).exit_code == 0
    exported = yaml.safe_load(saved.read_text(encoding="utf-8"))
    assert {c["code"]: c.get("retired", False) for c in exported["categories"]}["social"] is True
    with database.write() as session:
        svc.unretire_category(session, None, session.scalar(select(Category.id).where(Category.code == "social")))
    assert cli("import", "catalog", str(saved)).exit_code == 0
    with database.read() as session:
        assert session.scalar(select(Category).where(Category.code == "social")).retired_at is not None
