"""Queries behind the admin pages for departments, buildings, enterprises and people: lists,
look-ups and the reference counts that decide whether a row may be deleted."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from server.enums import Role
from server.models import (
    Building,
    Department,
    Enterprise,
    Person,
    PersonRole,
    Service,
    ServiceRequest,
)

PAGE_SIZE = 50


def count_where(session: Session, model, *conditions) -> int:
    return session.scalar(select(func.count()).select_from(model).where(*conditions)) or 0


# --- departments ---------------------------------------------------------------------------
def departments(session: Session) -> list[Department]:
    return list(session.scalars(select(Department).order_by(Department.position, Department.code)))


def department_people(session: Session, department_id: int) -> list[Person]:
    return list(session.scalars(
        select(Person).where(Person.department_id == department_id).order_by(Person.display_name, Person.id)
    ))


def department_head_counts(session: Session) -> dict[int, int]:
    rows = session.execute(
        select(Person.department_id, func.count()).where(Person.department_id.is_not(None), Person.active)
        .group_by(Person.department_id)
    )
    return dict(rows.all())


def department_references(session: Session, department_id: int) -> dict[str, int]:
    return {
        "services": count_where(session, Service, Service.department_id == department_id),
        "requests": count_where(session, ServiceRequest, or_(
            ServiceRequest.department_id == department_id, ServiceRequest.cohandler_department_id == department_id,
        )),
        "people": count_where(session, Person, Person.department_id == department_id),
    }


# --- buildings -----------------------------------------------------------------------------
def buildings(session: Session) -> list[Building]:
    return list(session.scalars(select(Building).order_by(Building.position, Building.code)))


def building_references(session: Session, building_id: int) -> dict[str, int]:
    return {
        "enterprises": count_where(session, Enterprise, Enterprise.building_id == building_id),
        "requests": count_where(session, ServiceRequest, ServiceRequest.building_id == building_id),
    }


def floors_in_use(session: Session, building_id: int) -> set[str]:
    return set(session.scalars(select(Enterprise.floor).where(Enterprise.building_id == building_id).distinct()))


# --- enterprises ---------------------------------------------------------------------------
def enterprises_page(session: Session, *, query: str = "", page: int = 1) -> tuple[list[Enterprise], int]:
    """One page of enterprises by name, and the number of matches."""
    conditions = []
    if query:
        like = f"%{query}%"
        conditions.append(or_(Enterprise.name.ilike(like), Enterprise.credit_code.ilike(like)))
    total = count_where(session, Enterprise, *conditions)
    rows = session.scalars(
        select(Enterprise).where(*conditions).order_by(Enterprise.name, Enterprise.id)
        .offset((max(page, 1) - 1) * PAGE_SIZE).limit(PAGE_SIZE)
    )
    return list(rows), total


def active_enterprises(session: Session) -> list[Enterprise]:
    return list(session.scalars(select(Enterprise).where(Enterprise.active).order_by(Enterprise.name)))


def enterprise_people(session: Session, enterprise_id: int) -> list[Person]:
    return list(session.scalars(
        select(Person).where(Person.enterprise_id == enterprise_id).order_by(Person.display_name, Person.id)
    ))


def enterprise_references(session: Session, enterprise_id: int) -> dict[str, int]:
    return {
        "people": count_where(session, Person, Person.enterprise_id == enterprise_id),
        "requests": count_where(session, ServiceRequest, ServiceRequest.enterprise_id == enterprise_id),
    }


def enterprise_by_name(session: Session, name: str) -> Enterprise | None:
    return session.scalar(select(Enterprise).where(Enterprise.name == name))


def enterprise_by_credit_code(session: Session, code: str) -> Enterprise | None:
    return session.scalar(select(Enterprise).where(Enterprise.credit_code == code))


def enterprises_by_names(session: Session, names: Iterable[str]) -> dict[str, Enterprise]:
    names = list(set(names))
    found: dict[str, Enterprise] = {}
    for start in range(0, len(names), 500):
        for e in session.scalars(select(Enterprise).where(Enterprise.name.in_(names[start:start + 500]))):
            found[e.name] = e
    return found


def enterprises_by_credit_codes(session: Session, codes: Iterable[str]) -> dict[str, Enterprise]:
    codes = list(set(codes))
    found: dict[str, Enterprise] = {}
    for start in range(0, len(codes), 500):
        for e in session.scalars(select(Enterprise).where(Enterprise.credit_code.in_(codes[start:start + 500]))):
            found[e.credit_code or ""] = e
    return found


# --- people --------------------------------------------------------------------------------
@dataclass(frozen=True)
class PeopleFilter:
    query: str = ""
    role: Role | None = None
    department_id: int | None = None
    enterprise_id: int | None = None


def people_page(session: Session, filters: PeopleFilter, *, page: int = 1) -> tuple[list[Person], int]:
    conditions = []
    if filters.query:
        like = f"%{filters.query}%"
        conditions.append(or_(Person.username.ilike(like), Person.display_name.ilike(like), Person.phone.ilike(like),
                              Person.email.ilike(like)))
    if filters.role is not None:
        conditions.append(Person.id.in_(select(PersonRole.person_id).where(PersonRole.role == filters.role)))
    if filters.department_id is not None:
        conditions.append(Person.department_id == filters.department_id)
    if filters.enterprise_id is not None:
        conditions.append(Person.enterprise_id == filters.enterprise_id)
    total = count_where(session, Person, *conditions)
    rows = session.scalars(
        select(Person).where(*conditions).order_by(Person.username)
        .offset((max(page, 1) - 1) * PAGE_SIZE).limit(PAGE_SIZE)
    )
    return list(rows), total


def person_by_username(session: Session, username: str) -> Person | None:
    return session.scalar(select(Person).where(Person.username == username))


def people_by_usernames(session: Session, usernames: Iterable[str]) -> dict[str, Person]:
    usernames = list(set(usernames))
    found: dict[str, Person] = {}
    for start in range(0, len(usernames), 500):
        for p in session.scalars(select(Person).where(Person.username.in_(usernames[start:start + 500]))):
            found[p.username] = p
    return found


def active_admin_count(session: Session) -> int:
    return count_where(session, Person, Person.active,
                       Person.id.in_(select(PersonRole.person_id).where(PersonRole.role == Role.admin)))


def names_by_id(session: Session, model, ids: Iterable[int]) -> dict[int, object]:
    """Rows of ``model`` by id, for showing names beside a page of people (one query)."""
    ids = {i for i in ids if i is not None}
    if not ids:
        return {}
    return {row.id: row for row in session.scalars(select(model).where(model.id.in_(ids)))}
