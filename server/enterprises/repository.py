"""Queries for enterprises: one page of the list, look-ups by name and credit code (one at a
time or in batches for the bulk import), their people, and the references that decide whether
one may be deleted."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from server.models import Enterprise, Person, ServiceRequest
from server.queries import PAGE_SIZE, count_where


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
