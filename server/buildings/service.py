"""Buildings and their floors. ORM writes bump the catalogue revision, so the request form's
building and floor pickers change at once in every worker."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.audit import service as audit
from server.buildings import repository as repo
from server.buildings.rules import check_building
from server.checks import raise_if_invalid, refuse_if_referenced
from server.errors import NotFound
from server.i18n_text import N_
from server.models import Building, Person

ENTITY = "building"


@dataclass
class BuildingInput:
    code: str
    name: dict[str, str]
    address: str = ""
    floors: list[str] = field(default_factory=list)
    active: bool = True
    position: int = 0


def parse_floors(text: str) -> list[str]:
    """"B1, 1, 2" (commas, Chinese commas or spaces) → ["B1", "1", "2"]."""
    return [f for f in text.replace("，", ",").replace("、", ",").replace(" ", ",").split(",") if f]


def get(session: Session, building_id: int) -> Building:
    building = session.get(Building, building_id)
    if building is None:
        raise NotFound("There is no such building.")
    return building


def _validate(session: Session, data: BuildingInput, current: Building | None) -> dict:
    errors: dict[str, str] = {}
    values = check_building(errors, code=data.code, name=data.name, address=data.address, floors=data.floors)
    if "code" not in errors:
        other = session.scalar(select(Building).where(Building.code == values["code"]))
        if other is not None and other is not current:
            errors["code"] = "Another building has this code."
    if "floors" not in errors and current is not None:
        # Enterprises on a floor would point at a floor that no longer exists.
        gone = sorted(repo.floors_in_use(session, current.id) - set(values["floors"]) - {""})
        if gone:
            errors["floors"] = "Enterprises are on floors you removed: move them first."
    raise_if_invalid(errors)
    return {**values, "active": data.active, "position": data.position}


def create(session: Session, actor: Person | None, data: BuildingInput) -> Building:
    building = Building(**_validate(session, data, None))
    session.add(building)
    session.flush()
    audit.record(session, actor, entity=ENTITY, action="create", entity_id=building.id, label=building.code,
                 after=audit.snapshot(building))
    return building


def update(session: Session, actor: Person | None, building: Building, data: BuildingInput) -> Building:
    values = _validate(session, data, building)
    return audit.change(session, actor, building, values, entity=ENTITY, label=building.code)


def set_active(session: Session, actor: Person | None, building: Building, active: bool) -> Building:
    if building.active == active:
        return building
    return audit.change(session, actor, building, {"active": active}, entity=ENTITY, label=building.code,
                        action="activate" if active else "deactivate")


def delete(session: Session, actor: Person | None, building: Building) -> None:
    refuse_if_referenced(
        N_("This building cannot be deleted: {enterprises} enterprises and {requests} requests refer to it. "
           "Deactivate it instead."),
        repo.building_references(session, building.id),
    )
    audit.record(session, actor, entity=ENTITY, action="delete", entity_id=building.id, label=building.code,
                 before=audit.snapshot(building))
    session.delete(building)
    session.flush()
