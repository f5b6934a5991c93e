"""Every change to the service menu: categories, services and their fields. One function per
change; each validates (InvalidInput with a message per form field), writes, records an audit
entry in the same transaction, and only flushes: the door commits.

The menu cache refreshes by itself: an ORM write to these tables bumps the catalogue revision
(server/models/catalog_revision.py), so every worker sees the change at its next request.
Old requests are safe from field edits: they keep a snapshot of their answers with the
labels they were filed under (server/requests/answers.py)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from sqlalchemy.orm import Session

from server.audit.service import change, record, snapshot
from server.catalog import repository as repo
from server.catalog import rules as check
from server.enums import Audience, FieldType
from server.errors import Conflict, InvalidInput, NotFound
from server.models import Category, Department, Person, Service, ServiceField, utcnow

Direction = Literal["up", "down"]
INVALID = "Please correct the marked fields."


@dataclass
class CategoryInput:
    code: str
    name: dict[str, str]
    description: dict[str, str] = field(default_factory=dict)
    position: int | None = None  # None: at the end (create) or unchanged (update)


@dataclass
class ServiceInput:
    code: str
    category_id: int | None
    name: dict[str, str]
    description: dict[str, str] = field(default_factory=dict)
    audience: Audience | str = Audience.both
    department_id: int | None = None  # None: a dispatcher decides
    claim_limit_hours: int | str | None = 4
    complete_limit_days: int | str | None = 5
    allow_attachments: bool = True
    position: int | None = None


@dataclass
class FieldInput:
    code: str
    type: FieldType | str
    label: dict[str, str]
    help: dict[str, str] = field(default_factory=dict)
    required: bool = False
    choices: list[dict[str, Any]] = field(default_factory=list)
    min_value: float | str | None = None
    max_value: float | str | None = None
    max_length: int | str | None = None
    position: int | None = None


# --- categories ----------------------------------------------------------------------------------
def _category_values(session: Session, data: CategoryInput, except_id: int | None) -> dict[str, Any]:
    errors: dict[str, str] = {}
    values = check.check_category(errors, code=data.code, name=data.name, description=data.description)
    if "code" not in errors and repo.code_taken(session, Category, values["code"], except_id=except_id):
        errors["code"] = "Another category has this code."
    if errors:
        raise InvalidInput(INVALID, errors)
    if data.position is not None:
        values["position"] = data.position
    return values


def create_category(session: Session, actor: Person | None, data: CategoryInput, *, note: str = "") -> Category:
    values = _category_values(session, data, None)
    values.setdefault("position", repo.next_position(session, Category.position))
    category = Category(**values)
    session.add(category)
    session.flush()
    record(session, actor, entity="category", action="create", entity_id=category.id, label=category.code,
           after=snapshot(category), note=note)
    return category


def update_category(session: Session, actor: Person | None, category_id: int, data: CategoryInput, *, note: str = "") -> Category:
    category = get_category(session, category_id)
    values = _category_values(session, data, category.id)
    return change(session, actor, category, values, entity="category", label=category.code, note=note)


def move_category(session: Session, actor: Person | None, category_id: int, direction: Direction) -> Category:
    category = get_category(session, category_id)
    _move(session, actor, "category", category, repo.category_siblings(session), direction, category.code)
    return category


def retire_category(session: Session, actor: Person | None, category_id: int, *, note: str = "") -> Category:
    """Takes all the category's services off the menu at once; their old requests keep them."""
    return _set_retired(session, actor, "category", get_category(session, category_id), True, note)


def unretire_category(session: Session, actor: Person | None, category_id: int, *, note: str = "") -> Category:
    return _set_retired(session, actor, "category", get_category(session, category_id), False, note)


def delete_category(session: Session, actor: Person | None, category_id: int) -> None:
    category = get_category(session, category_id)
    codes = repo.services_in_category(session, category.id)
    if codes:
        shown = ", ".join(codes[:5]) + (" …" if len(codes) > 5 else "")
        raise Conflict(
            "The category {category} still holds {count} service(s): {services}. Move them to another "
            "category or delete them first; to take a service off the menu, retire it.",
            {"category": category.code, "count": len(codes), "services": shown},
        )
    before = snapshot(category)
    session.delete(category)
    session.flush()
    record(session, actor, entity="category", action="delete", entity_id=category_id, label=category.code, before=before)


def get_category(session: Session, category_id: int) -> Category:
    category = session.get(Category, category_id)
    if category is None:
        raise NotFound("No such category.")
    return category


# --- services ------------------------------------------------------------------------------------
def _service_values(session: Session, data: ServiceInput, current: Service | None) -> dict[str, Any]:
    errors: dict[str, str] = {}
    values: dict[str, Any] = check.check_service(
        errors, code=data.code, name=data.name, description=data.description, audience=data.audience,
        claim_limit_hours=data.claim_limit_hours, complete_limit_days=data.complete_limit_days,
    )
    values.update(allow_attachments=bool(data.allow_attachments), category_id=data.category_id,
                  department_id=data.department_id)
    if "code" not in errors and repo.code_taken(session, Service, values["code"], except_id=current.id if current else None):
        errors["code"] = "Another service has this code."
    if data.category_id is None or session.get(Category, data.category_id) is None:
        errors["category_id"] = "Please choose a category."
    # An existing link to a department closed since may stay; a new link must be to an open one.
    if data.department_id is not None and (current is None or current.department_id != data.department_id):
        department = session.get(Department, data.department_id)
        if department is None or not department.active:
            errors["department_id"] = "There is no such active department."
    if errors:
        raise InvalidInput(INVALID, errors)
    if data.position is not None:
        values["position"] = data.position
    return values


def create_service(session: Session, actor: Person | None, data: ServiceInput, *, note: str = "") -> Service:
    values = _service_values(session, data, None)
    values.setdefault("position", repo.next_position(session, Service.position, Service.category_id == values["category_id"]))
    service = Service(**values, fields=[])
    session.add(service)
    session.flush()
    record(session, actor, entity="service", action="create", entity_id=service.id, label=service.code,
           after=snapshot(service), note=note)
    return service


def update_service(session: Session, actor: Person | None, service_id: int, data: ServiceInput, *, note: str = "") -> Service:
    service = get_service(session, service_id)
    values = _service_values(session, data, service)
    if values["category_id"] != service.category_id and data.position is None:
        values["position"] = repo.next_position(session, Service.position, Service.category_id == values["category_id"])
    return change(session, actor, service, values, entity="service", label=service.code, note=note)


def move_service(session: Session, actor: Person | None, service_id: int, direction: Direction) -> Service:
    service = get_service(session, service_id)
    _move(session, actor, "service", service, repo.service_siblings(session, service.category_id), direction, service.code)
    return service


def retire_service(session: Session, actor: Person | None, service_id: int, *, note: str = "") -> Service:
    """Off the menu: no new orders; its old requests keep showing it."""
    return _set_retired(session, actor, "service", get_service(session, service_id), True, note)


def unretire_service(session: Session, actor: Person | None, service_id: int, *, note: str = "") -> Service:
    return _set_retired(session, actor, "service", get_service(session, service_id), False, note)


def _set_retired(session: Session, actor: Person | None, entity: str, row: Any, retired: bool, note: str) -> Any:
    """Retire or put back a service or a category (both have ``retired_at`` and ``code``)."""
    if (row.retired_at is not None) == retired:
        return row
    return change(session, actor, row, {"retired_at": utcnow() if retired else None}, entity=entity,
                  label=row.code, action="retire" if retired else "unretire", note=note)


def delete_service(session: Session, actor: Person | None, service_id: int) -> None:
    service = repo.service_with_fields(session, service_id)
    if service is None:
        raise NotFound("No such service.")
    count = repo.request_count(session, service.id)
    if count:
        raise Conflict(
            "{count} request(s) were filed for the service {service}, so it cannot be deleted. Retire it "
            "instead: it then stays on those requests but can no longer be ordered.",
            {"count": count, "service": service.code},
        )
    before = snapshot(service)
    before["fields"] = [f.code for f in service.fields]
    session.delete(service)
    session.flush()
    record(session, actor, entity="service", action="delete", entity_id=service_id, label=service.code, before=before)


def get_service(session: Session, service_id: int) -> Service:
    service = session.get(Service, service_id)
    if service is None:
        raise NotFound("No such service.")
    return service


# --- a service's fields --------------------------------------------------------------------------
def _field_values(session: Session, data: FieldInput, service_id: int, except_id: int | None) -> dict[str, Any]:
    errors: dict[str, str] = {}
    values: dict[str, Any] = check.check_field(
        errors, code=data.code, type=data.type, label=data.label, help=data.help, required=data.required,
        choices=data.choices, min_value=data.min_value, max_value=data.max_value, max_length=data.max_length,
    )
    if "code" not in errors and any(f.code == values["code"] and f.id != except_id for f in repo.field_siblings(session, service_id)):
        errors["code"] = "Another field of this service has this code."
    if errors:
        raise InvalidInput(INVALID, errors)
    if data.position is not None:
        values["position"] = data.position
    return values


def _field_label(session: Session, row: ServiceField) -> str:
    service = session.get(Service, row.service_id)
    return f"{service.code if service else row.service_id}/{row.code}"


def add_field(session: Session, actor: Person | None, service_id: int, data: FieldInput, *, note: str = "") -> ServiceField:
    get_service(session, service_id)
    values = _field_values(session, data, service_id, None)
    values.setdefault("position", repo.next_position(session, ServiceField.position, ServiceField.service_id == service_id))
    row = ServiceField(service_id=service_id, **values)
    session.add(row)
    session.flush()
    record(session, actor, entity="service_field", action="create", entity_id=row.id, label=_field_label(session, row),
           after=snapshot(row), note=note)
    return row


def update_field(session: Session, actor: Person | None, field_id: int, data: FieldInput, *, note: str = "") -> ServiceField:
    """Old requests keep the labels and choices they were filed under (their own snapshot)."""
    row = get_field(session, field_id)
    values = _field_values(session, data, row.service_id, row.id)
    return change(session, actor, row, values, entity="service_field", label=_field_label(session, row), note=note)


def move_field(session: Session, actor: Person | None, field_id: int, direction: Direction) -> ServiceField:
    row = get_field(session, field_id)
    _move(session, actor, "service_field", row, repo.field_siblings(session, row.service_id), direction, _field_label(session, row))
    return row


def remove_field(session: Session, actor: Person | None, field_id: int, *, note: str = "") -> None:
    """Always allowed: requests filed with this field keep its answer in their snapshot."""
    row = get_field(session, field_id)
    label, before = _field_label(session, row), snapshot(row)
    session.delete(row)
    session.flush()
    record(session, actor, entity="service_field", action="delete", entity_id=field_id, label=label, before=before, note=note)


def get_field(session: Session, field_id: int) -> ServiceField:
    row = session.get(ServiceField, field_id)
    if row is None:
        raise NotFound("No such field.")
    return row


# --- shared --------------------------------------------------------------------------------------
def _move(session: Session, actor: Person | None, entity: str, row: Any, siblings: list, direction: Direction, label: str) -> None:
    """Swap ``row`` with its neighbour. Positions are renumbered first, because rows created
    by seeds or imports may share a number and a swap of equals would change nothing."""
    if direction not in ("up", "down"):
        raise InvalidInput("Unknown direction.", {"direction": "Up or down."})
    index = next(i for i, s in enumerate(siblings) if s.id == row.id)
    other = index - 1 if direction == "up" else index + 1
    if not 0 <= other < len(siblings):
        return
    before = {"position": row.position}
    siblings[index], siblings[other] = siblings[other], siblings[index]
    for position, sibling in enumerate(siblings, 1):
        if sibling.position != position:
            sibling.position = position
    session.flush()
    record(session, actor, entity=entity, action="reorder", entity_id=row.id, label=label,
           before=before, after={"position": row.position}, note=f"{direction}")
