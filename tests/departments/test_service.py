"""Departments: validation, the lead rule, deactivation seen by routing at once, deletion
refused while referenced, and the audit trail."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from server.catalog import snapshot
from server.departments import service as department_service
from server.departments.service import DepartmentInput
from server.enums import Role
from server.errors import Conflict, InvalidInput
from server.models import AuditEntry, Department, Person
from tests.factories import create_person


def _input(**overrides) -> DepartmentInput:
    values = {"code": "youth", "name": {"zh-Hans": "团委"}, "kind": "mass_organisation",
              "assignment_mode": "round_robin"}
    values.update(overrides)
    return DepartmentInput(**values)


def test_create_records_audit(database, admin):
    with database.write() as session:
        department = department_service.create(session, admin, _input(workday_periods="8:30-12:00, 13:30-17:30"))
        department_id = department.id
    with database.read() as session:
        department = session.get(Department, department_id)
        assert department.workday_periods == "08:30-12:00,13:30-17:30"
        entry = session.scalar(select(AuditEntry).where(AuditEntry.entity == "department"))
        assert entry.action == "create" and entry.actor_id == admin.id and entry.after["code"] == "youth"


@pytest.mark.parametrize(("overrides", "field"), [
    ({"code": "has space"}, "code"),
    ({"code": "union"}, "code"),
    ({"name": {"en": "Youth"}}, "name.zh-Hans"),
    ({"kind": "club"}, "kind"),
    ({"assignment_mode": "random"}, "assignment_mode"),
    ({"workday_periods": "18:00-09:00"}, "workday_periods"),
    ({"workday_periods": "nine to five"}, "workday_periods"),
])
def test_invalid_input_names_the_field(database, admin, overrides, field):
    with database.write() as session, pytest.raises(InvalidInput) as caught:
        department_service.create(session, admin, _input(**overrides))
    assert field in caught.value.errors


def test_lead_must_be_staff_of_the_department(database, admin, world):
    with database.write() as session:
        union = session.get(Department, world.departments["union"].id)
        outsider = session.get(Person, world["staff3"].id)  # staff of legal
        data = _input(code="union", name=union.name, kind=union.kind, lead_id=outsider.id)
        with pytest.raises(InvalidInput) as caught:
            department_service.update(session, admin, union, data)
        assert "lead_id" in caught.value.errors


def test_setting_a_lead_gives_both_roles_and_demotes_the_old_one(database, admin, world):
    with database.write() as session:
        union = session.get(Department, world.departments["union"].id)
        data = _input(code="union", name=union.name, kind=union.kind, lead_id=world["staff1"].id)
        department_service.update(session, admin, union, data)
    with database.read() as session:
        new_lead = session.get(Person, world["staff1"].id)
        old_lead = session.get(Person, world["lead1"].id)
        assert {Role.lead, Role.staff} <= new_lead.roles
        assert Role.lead not in old_lead.roles and Role.staff in old_lead.roles
        actions = session.scalars(select(AuditEntry.entity).where(AuditEntry.entity == "person")).all()
        assert len(actions) == 2


def test_deactivation_is_seen_by_the_catalogue_at_once(database, admin, world):
    with database.read() as session:
        assert snapshot.load(session).department("union").active
    with database.write() as session:
        department_service.set_active(session, admin, session.get(Department, world.departments["union"].id), False)
    with database.read() as session:
        assert not snapshot.load(session).department("union").active
        entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "deactivate"))
        assert entry.before["active"] is True and entry.after["active"] is False


def test_delete_refused_while_referenced(database, admin, world):
    with database.write() as session:
        union = session.get(Department, world.departments["union"].id)
        with pytest.raises(Conflict) as caught:
            department_service.delete(session, admin, union)
    message = caught.value.detail
    assert "2 services" in message and "3 people" in message and "Deactivate" in message


def test_delete_unreferenced(database, admin):
    with database.write() as session:
        department = department_service.create(session, admin, _input())
    with database.write() as session:
        department_service.delete(session, admin, session.get(Department, department.id))
    with database.read() as session:
        assert session.get(Department, department.id) is None
        entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "delete"))
        assert entry.before["code"] == "youth"


def test_new_member_can_then_lead(database, admin):
    with database.write() as session:
        department = department_service.create(session, admin, _input())
        person = create_person(session, "newbie", Role.staff, department=department)
        department_service.update(session, admin, department, _input(lead_id=person.id))
        assert Role.lead in person.roles
