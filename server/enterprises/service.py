"""Enterprises in the buildings: their unified social credit code (checked by its check
character, unique), where they are, whether they are active. Contacts are people with the
contact role and this enterprise (server/accounts/people.py)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from server.audit import service as audit
from server.checks import raise_if_invalid, refuse_if_referenced
from server.enterprises import repository as repo
from server.enterprises.credit_code import check_credit_code
from server.errors import NotFound
from server.i18n_text import N_
from server.models import Building, Enterprise, Person

ENTITY = "enterprise"


@dataclass
class EnterpriseInput:
    name: str
    credit_code: str = ""
    building_id: int | None = None
    floor: str = ""
    active: bool = True


def get(session: Session, enterprise_id: int) -> Enterprise:
    enterprise = session.get(Enterprise, enterprise_id)
    if enterprise is None:
        raise NotFound("There is no such enterprise.")
    return enterprise


def validate(session: Session, data: EnterpriseInput, current: Enterprise | None) -> dict:
    errors: dict[str, str] = {}
    name = data.name.strip()
    if not name:
        errors["name"] = "A name is required."
    elif len(name) > 200:
        errors["name"] = "At most 200 characters."
    else:
        other = repo.enterprise_by_name(session, name)
        if other is not None and other is not current:
            errors["name"] = "Another enterprise has this name."
    code = check_credit_code(errors, data.credit_code)
    if code and "credit_code" not in errors:
        other = repo.enterprise_by_credit_code(session, code)
        if other is not None and other is not current:
            errors["credit_code"] = "Another enterprise has this unified social credit code."
    floor = data.floor.strip()
    building = session.get(Building, data.building_id) if data.building_id is not None else None
    if data.building_id is not None and building is None:
        errors["building_id"] = "There is no such building."
    elif building is None and floor:
        errors["building_id"] = "Choose the building of this floor."
    elif building is not None and floor and floor not in building.floors:
        errors["floor"] = "This building has no such floor."
    raise_if_invalid(errors)
    return {"name": name, "credit_code": code or None, "building_id": building.id if building else None,
            "floor": floor, "active": data.active}


def create(session: Session, actor: Person | None, data: EnterpriseInput) -> Enterprise:
    enterprise = Enterprise(**validate(session, data, None))
    session.add(enterprise)
    session.flush()
    audit.record(session, actor, entity=ENTITY, action="create", entity_id=enterprise.id, label=enterprise.name,
                 after=audit.snapshot(enterprise))
    return enterprise


def update(session: Session, actor: Person | None, enterprise: Enterprise, data: EnterpriseInput) -> Enterprise:
    values = validate(session, data, enterprise)
    return audit.change(session, actor, enterprise, values, entity=ENTITY, label=enterprise.name)


def set_active(session: Session, actor: Person | None, enterprise: Enterprise, active: bool) -> Enterprise:
    """A retired enterprise stays on its people and requests; nobody new joins it."""
    if enterprise.active == active:
        return enterprise
    return audit.change(session, actor, enterprise, {"active": active}, entity=ENTITY, label=enterprise.name,
                        action="activate" if active else "deactivate")


def delete(session: Session, actor: Person | None, enterprise: Enterprise) -> None:
    refuse_if_referenced(
        N_("This enterprise cannot be deleted: {people} people and {requests} requests refer to it. "
           "Deactivate it instead."),
        repo.enterprise_references(session, enterprise.id),
    )
    audit.record(session, actor, entity=ENTITY, action="delete", entity_id=enterprise.id, label=enterprise.name,
                 before=audit.snapshot(enterprise))
    session.delete(enterprise)
    session.flush()
