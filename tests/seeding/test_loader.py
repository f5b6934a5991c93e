"""Loading the seeds into a database: complete, idempotent, never resetting passwords."""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml
from sqlalchemy import select, update
from sqlalchemy.orm import selectinload

from server.accounts.service import authenticate
from server.enterprises.credit_code import is_valid_credit_code
from server.enums import AssignmentMode, Role
from server.models import Building, Category, Department, Enterprise, Person, Service
from server.seeding import SEEDS_DIR, load_seeds


def test_load_creates_everything(database):
    with database.write() as session:
        counts = load_seeds(session)
    assert counts["buildings"]["created"] == 8
    assert counts["categories"]["created"] == 5
    assert counts["services"]["created"] >= 20
    assert counts["enterprises"]["created"] >= 6
    assert counts["accounts"]["created"] >= 11
    with database.read() as session:
        services = session.scalars(select(Service).options(selectinload(Service.fields))).all()
        assert len(services) == counts["services"]["created"]
        assert len({s.category_id for s in services}) == 5
        assert sum(s.department_id is None for s in services) >= 3
        assert all(len(s.fields) >= 1 for s in services)
        assert session.scalar(select(Building).where(Building.code == "A2")).floors[-1] == "18"
        enterprises = session.scalars(select(Enterprise)).all()
        assert all(is_valid_credit_code(e.credit_code) and e.building_id for e in enterprises)


def test_loading_twice_creates_nothing(database):
    with database.write() as session:
        load_seeds(session)
    with database.write() as session:
        counts = load_seeds(session)
    assert all(tally["created"] == 0 and tally["updated"] == 0 for tally in counts.values())
    with database.read() as session:
        assert len(session.scalars(select(Category)).all()) == 5


def test_reload_keeps_passwords_and_edits(database):
    with database.write() as session:
        load_seeds(session)
        session.execute(update(Person).where(Person.username == "member1").values(password_hash="changed"))
        session.execute(update(Department).where(Department.code == "centre").values(name={"en": "Edited"}))
    with database.write() as session:
        load_seeds(session)
    with database.read() as session:
        assert session.scalar(select(Person.password_hash).where(Person.username == "member1")) == "changed"
        assert session.scalar(select(Department.name).where(Department.code == "centre")) == {"en": "Edited"}


def test_demo_accounts(database):
    with database.write() as session:
        load_seeds(session)
    with database.read() as session:
        people = {p.username: p for p in session.scalars(select(Person))}
        departments = {d.id: d for d in session.scalars(select(Department))}
        authenticate(session, "staff1", "lianxin-demo-2026")
        assert people["member1"].roles == {Role.member}
        assert people["member1"].enterprise_id != people["member2"].enterprise_id
        assert people["contact1"].enterprise_id == people["member1"].enterprise_id
        assert people["contact2"].has_role(Role.contact)
        centre = departments[people["staff1"].department_id]
        assert centre.assignment_mode == AssignmentMode.open_queue
        assert people["staff2"].department_id == people["lead1"].department_id == centre.id
        assert people["lead1"].roles == {Role.lead, Role.staff}
        assert people["staff3"].department_id not in (None, centre.id)
        assert people["dispatcher1"].roles == {Role.dispatcher}
        assert people["supervisor1"].roles == {Role.supervisor}
        assert people["admin1"].roles == {Role.admin}
        staffed = {p.department_id for p in people.values() if p.has_role(Role.staff)}
        assert staffed == set(departments)


def test_catalogue_only(database):
    with database.write() as session:
        counts = load_seeds(session, with_accounts=False)
    assert counts["accounts"] == {"created": 0, "updated": 0, "unchanged": 0}
    with database.read() as session:
        assert session.scalars(select(Person)).first() is None


def test_update_existing_applies_file_changes(database, tmp_path: Path):
    seeds = tmp_path / "seeds"
    shutil.copytree(SEEDS_DIR, seeds)
    with database.write() as session:
        load_seeds(session, seeds)
    catalog = yaml.safe_load((seeds / "catalog.yaml").read_text(encoding="utf-8"))
    catalog["services"][0]["claim_limit_hours"] = 9
    catalog["services"][0]["fields"].pop()
    (seeds / "catalog.yaml").write_text(yaml.safe_dump(catalog, allow_unicode=True), encoding="utf-8")
    with database.write() as session:
        assert load_seeds(session, seeds)["services"]["updated"] == 0  # default: the database wins
    with database.write() as session:
        assert load_seeds(session, seeds, update_existing=True)["services"]["updated"] == 1
    with database.read() as session:
        service = session.scalar(
            select(Service).where(Service.code == catalog["services"][0]["code"]).options(selectinload(Service.fields))
        )
        assert service.claim_limit_hours == 9
        assert [f.code for f in service.fields] == [f["code"] for f in catalog["services"][0]["fields"]]
