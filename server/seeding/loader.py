"""Loading the seed files into the database, idempotently.

Rows are matched by their natural key (``code``; ``name`` for enterprises; ``username`` for
people). A missing row is created; an existing one is left exactly as it is, because an admin
may have edited it since, unless ``update_existing`` asks for the file to win (the catalogue
import). People are never updated, so loading again never resets a password.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from server import resources
from server.accounts import people
from server.accounts.passwords import hash_password
from server.catalog.file_format import FieldSeed
from server.errors import InvalidInput
from server.models import Building, Category, Department, Enterprise, Person, Service, ServiceField
from server.seeding.rooms import load_demo_bookings, load_rooms
from server.seeding.schema import Seeds, read_seeds
from server.yaml_file import SeedError

SEEDS_DIR = resources.SEEDS_DIR

KINDS = ("buildings", "departments", "categories", "services", "enterprises", "accounts", "rooms", "bookings")


def load_seeds(
    session: Session,
    seeds_dir: Path = SEEDS_DIR,
    *,
    with_accounts: bool = True,
    update_existing: bool = False,
) -> dict[str, dict[str, int]]:
    """Create what the seed files describe and the database lacks; only flushes.

    Returns ``{kind: {"created": n, "updated": n, "unchanged": n}}`` for each kind in
    :data:`KINDS`. Raises :class:`server.yaml_file.SeedError` for a bad file: the
    files' own format before anything is written; an account the people rules refuse (say, a
    username already taken) while loading, after earlier rows were flushed, so the caller's unit
    of work rolls them all back."""
    seeds = read_seeds(Path(seeds_dir), with_accounts=with_accounts)
    counts = {kind: {"created": 0, "updated": 0, "unchanged": 0} for kind in KINDS}
    buildings = _load_buildings(session, seeds, counts["buildings"], update_existing)
    departments = _load_departments(session, seeds, counts["departments"], update_existing)
    categories = _load_categories(session, seeds, counts["categories"], update_existing)
    _load_services(session, seeds, categories, departments, counts["services"], update_existing)
    load_rooms(session, Path(seeds_dir), buildings, counts["rooms"])
    if seeds.demo is not None:
        enterprises = _load_enterprises(session, seeds, buildings, counts["enterprises"])
        _load_accounts(session, seeds, enterprises, departments, counts["accounts"])
        load_demo_bookings(session, Path(seeds_dir), counts["bookings"])
    session.flush()
    return counts


def _apply(row: Any, values: dict[str, Any]) -> bool:
    """Set the attributes that differ; True when anything changed."""
    changed = False
    for name, value in values.items():
        if getattr(row, name) != value:
            setattr(row, name, value)
            changed = True
    return changed


def _upsert(session: Session, model: type, existing: dict, key: str, values: dict, tally: dict, update: bool):
    row = existing.get(key)
    if row is None:
        row = model(**values)
        session.add(row)
        existing[key] = row
        tally["created"] += 1
    elif update and _apply(row, values):
        tally["updated"] += 1
    else:
        tally["unchanged"] += 1
    return row


def _load_buildings(session: Session, seeds: Seeds, tally: dict, update: bool) -> dict[str, Building]:
    existing = {b.code: b for b in session.scalars(select(Building))}
    for position, b in enumerate(seeds.buildings):
        values = {"code": b.code, "name": b.name, "address": b.address, "floors": b.floors, "position": position}
        _upsert(session, Building, existing, b.code, values, tally, update)
    session.flush()
    return existing


def _load_departments(session: Session, seeds: Seeds, tally: dict, update: bool) -> dict[str, Department]:
    existing = {d.code: d for d in session.scalars(select(Department))}
    for position, d in enumerate(seeds.departments):
        values = {
            "code": d.code,
            "name": d.name,
            "kind": d.kind,
            "assignment_mode": d.assignment_mode,
            "workday_periods": d.workday_periods,
            "position": position,
        }
        _upsert(session, Department, existing, d.code, values, tally, update)
    session.flush()
    return existing


def _load_categories(session: Session, seeds: Seeds, tally: dict, update: bool) -> dict[str, Category]:
    existing = {c.code: c for c in session.scalars(select(Category))}
    for position, c in enumerate(seeds.categories):
        values = {"code": c.code, "name": c.name, "description": c.description, "position": position}
        _upsert(session, Category, existing, c.code, values, tally, update)
    session.flush()
    return existing


def _field_values(f: FieldSeed, position: int) -> dict[str, Any]:
    return {
        "code": f.code,
        "type": f.type,
        "label": f.label,
        "help": f.help,
        "required": f.required,
        "choices": f.choices,
        "min_value": f.min_value,
        "max_value": f.max_value,
        "max_length": f.max_length,
        "position": position,
    }


def _load_services(
    session: Session,
    seeds: Seeds,
    categories: dict[str, Category],
    departments: dict[str, Department],
    tally: dict,
    update: bool,
) -> None:
    existing = {s.code: s for s in session.scalars(select(Service).options(selectinload(Service.fields)))}
    for position, s in enumerate(seeds.services):
        values = {
            "code": s.code,
            "category_id": categories[s.category].id,
            "name": s.name,
            "description": s.description,
            "audience": s.audience,
            "department_id": departments[s.department].id if s.department else None,
            "claim_limit_hours": s.claim_limit_hours,
            "complete_limit_days": s.complete_limit_days,
            "allow_attachments": s.allow_attachments,
            "position": position,
        }
        row = existing.get(s.code)
        if row is None:
            row = Service(**values, fields=[ServiceField(**_field_values(f, n)) for n, f in enumerate(s.fields)])
            session.add(row)
            tally["created"] += 1
        elif update and (_apply(row, values) | _sync_fields(row, s.fields)):
            tally["updated"] += 1
        else:
            tally["unchanged"] += 1
    session.flush()


def _sync_fields(service: Service, fields: list[FieldSeed]) -> bool:
    """Make a service's fields match the file (requests keep their own snapshots)."""
    by_code = {f.code: f for f in service.fields}
    wanted = {f.code for f in fields}
    changed = False
    for row in list(service.fields):
        if row.code not in wanted:
            service.fields.remove(row)
            changed = True
    for position, f in enumerate(fields):
        values = _field_values(f, position)
        row = by_code.get(f.code)
        if row is None:
            service.fields.append(ServiceField(**values))
            changed = True
        else:
            changed |= _apply(row, values)
    return changed


def _load_enterprises(session: Session, seeds: Seeds, buildings: dict[str, Building], tally: dict) -> dict[str, Enterprise]:
    assert seeds.demo is not None
    existing = {e.name: e for e in session.scalars(select(Enterprise))}
    for e in seeds.demo.enterprises:
        values = {
            "name": e.name,
            "credit_code": e.credit_code,
            "building_id": buildings[e.building].id if e.building else None,
            "floor": e.floor,
        }
        _upsert(session, Enterprise, existing, e.name, values, tally, update=False)
    session.flush()
    return existing


def _load_accounts(
    session: Session,
    seeds: Seeds,
    enterprises: dict[str, Enterprise],
    departments: dict[str, Department],
    tally: dict,
) -> None:
    assert seeds.demo is not None
    taken = set(session.scalars(select(Person.username)))
    missing = [a for a in seeds.demo.accounts if a.username not in taken]
    tally["unchanged"] += len(seeds.demo.accounts) - len(missing)
    if not missing:
        return
    # Argon2 is deliberately slow: hash the shared demo password once, not once per person.
    shared_hash = hash_password(seeds.demo.password)
    for a in missing:
        data = people.PersonInput(
            username=a.username, display_name=a.display_name, roles=set(a.roles), phone=a.phone, email=a.email,
            enterprise_id=enterprises[a.enterprise].id if a.enterprise else None,
            department_id=departments[a.department].id if a.department else None,
            is_party_member=a.is_party_member, party_branch=a.party_branch,
        )
        try:
            people.add(session, data, password_hash=shared_hash)
        except InvalidInput as exc:
            details = "; ".join(f"{k}: {v}" for k, v in exc.errors.items())
            raise SeedError(f"demo.yaml: account {a.username}: {details or exc.detail}") from exc
        tally["created"] += 1
