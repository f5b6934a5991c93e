"""Departments: every admin change to one goes through here, with its audit entry in the same
transaction. ORM writes to Department bump the catalogue revision (server/models/
catalog_revision.py), so routing and the menu see a change at their next request."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.accounts import people as people_service
from server.audit import service as audit
from server.checks import raise_if_invalid, refuse_if_referenced
from server.departments import repository as repo
from server.departments.rules import check_department
from server.enums import AssignmentMode, Role
from server.errors import NotFound
from server.i18n_text import N_
from server.models import Department, Person

ENTITY = "department"


@dataclass
class DepartmentInput:
    code: str
    name: dict[str, str]
    kind: str
    assignment_mode: str = AssignmentMode.open_queue
    workday_periods: str = ""
    active: bool = True
    # The person who leads it (must already be in it); None leaves the leads as they are.
    lead_id: int | None = None
    position: int = 0


def get(session: Session, department_id: int) -> Department:
    department = session.get(Department, department_id)
    if department is None:
        raise NotFound("There is no such department.")
    return department


def _validate(session: Session, data: DepartmentInput, current: Department | None) -> dict:
    errors: dict[str, str] = {}
    values = check_department(errors, code=data.code, name=data.name, kind=data.kind,
                              assignment_mode=data.assignment_mode, workday_periods=data.workday_periods)
    if "code" not in errors:
        other = session.scalar(_by_code(values["code"]))
        if other is not None and other is not current:
            errors["code"] = "Another department has this code."
    if data.lead_id is not None:
        lead = session.get(Person, data.lead_id)
        if lead is None or current is None or lead.department_id != current.id:
            errors["lead_id"] = "A lead must be staff of this department: add them to it first."
        elif not lead.active:
            errors["lead_id"] = "This account is disabled."
    raise_if_invalid(errors)
    return {**values, "active": data.active, "position": data.position}


def _by_code(code: str):
    return select(Department).where(Department.code == code)


def create(session: Session, actor: Person | None, data: DepartmentInput) -> Department:
    data.lead_id = None  # a new department has no people yet
    values = _validate(session, data, None)
    department = Department(**values)
    session.add(department)
    session.flush()
    audit.record(session, actor, entity=ENTITY, action="create", entity_id=department.id, label=department.code,
                 after=audit.snapshot(department))
    return department


def update(session: Session, actor: Person | None, department: Department, data: DepartmentInput) -> Department:
    values = _validate(session, data, department)
    audit.change(session, actor, department, values, entity=ENTITY, label=department.code)
    if data.lead_id is not None:
        set_lead(session, actor, department, data.lead_id)
    return department


def set_active(session: Session, actor: Person | None, department: Department, active: bool) -> Department:
    """Deactivating keeps the department on its old requests; routing stops sending it new
    ones (they go to the dispatcher)."""
    if department.active == active:
        return department
    return audit.change(session, actor, department, {"active": active}, entity=ENTITY, label=department.code,
                        action="activate" if active else "deactivate")


def set_lead(session: Session, actor: Person | None, department: Department, person_id: int) -> Person:
    """Make ``person_id`` the department's lead: a lead is also staff of it, so they get both
    roles; whoever led it before keeps only the staff role."""
    lead = session.get(Person, person_id)
    if lead is None or lead.department_id != department.id:
        raise_if_invalid({"lead_id": "A lead must be staff of this department: add them to it first."})
    for person in repo.people_in_department(session, department.id):
        if person.id != lead.id and Role.lead in person.roles:
            people_service.set_roles(session, actor, person, (person.roles - {Role.lead}) | {Role.staff})
    people_service.set_roles(session, actor, lead, lead.roles | {Role.lead, Role.staff})
    return lead


def delete(session: Session, actor: Person | None, department: Department) -> None:
    refuse_if_referenced(
        N_("This department cannot be deleted: {services} services, {requests} requests and {people} people "
           "refer to it. Deactivate it instead."),
        repo.department_references(session, department.id),
    )
    before = audit.snapshot(department)
    audit.record(session, actor, entity=ENTITY, action="delete", entity_id=department.id, label=department.code,
                 before=before)
    session.delete(department)
    session.flush()
