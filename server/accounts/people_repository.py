"""Queries for people as the admin keeps them: one filtered page of the list and look-ups by
username."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, lazyload

from server.enums import Role
from server.models import Person, PersonRole
from server.queries import PAGE_SIZE, count_where


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


def people_by_ids(session: Session, ids: Iterable[int]) -> dict[int, Person]:
    """People by id, 500 to a query (the supervision staff table names its rows)."""
    ids = sorted(set(ids))
    found: dict[int, Person] = {}
    for start in range(0, len(ids), 500):
        for p in session.scalars(select(Person).where(Person.id.in_(ids[start:start + 500]))):
            found[p.id] = p
    return found


def department_staff(session: Session, department_id: int | None) -> list[Person]:
    """Active staff and leads of a department, by name, in one query: whom a lead may assign
    a task to (the request page's panel, the desk). Their roles are not loaded: show them,
    never check permissions with them."""
    if department_id is None:
        return []
    stmt = (
        select(Person)
        .where(
            Person.department_id == department_id,
            Person.active,
            select(PersonRole.person_id)
            .where(PersonRole.person_id == Person.id, PersonRole.role.in_([Role.staff, Role.lead]))
            .exists(),
        )
        .options(lazyload(Person.role_rows))
        .order_by(Person.display_name, Person.id)
    )
    return list(session.scalars(stmt))
