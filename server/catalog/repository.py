"""Queries on the service menu."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from server.models import Building, Category, Department, Service


def get_service(session: Session, code: str, *, with_fields: bool = True) -> Service | None:
    stmt = select(Service).where(Service.code == code)
    if with_fields:
        stmt = stmt.options(selectinload(Service.fields))
    return session.scalar(stmt)


def list_services(session: Session, *, include_retired: bool = False) -> list[Service]:
    stmt = (
        select(Service)
        .join(Category, Category.id == Service.category_id)
        .options(selectinload(Service.fields))
        .order_by(Category.position, Category.id, Service.position, Service.id)
    )
    if not include_retired:
        stmt = stmt.where(Service.retired_at.is_(None))
    return list(session.scalars(stmt))


def list_categories(session: Session) -> list[Category]:
    return list(session.scalars(select(Category).order_by(Category.position, Category.id)))


def categories_by_id(session: Session) -> dict[int, Category]:
    return {c.id: c for c in list_categories(session)}


def departments_by_id(session: Session) -> dict[int, Department]:
    return {d.id: d for d in session.scalars(select(Department))}


def get_department(session: Session, *, id: int | None = None, code: str | None = None) -> Department | None:
    if id is not None:
        return session.get(Department, id)
    if code is not None:
        return session.scalar(select(Department).where(Department.code == code))
    return None


def get_building(session: Session, *, id: int | None = None, code: str | None = None) -> Building | None:
    if id is not None:
        return session.get(Building, id)
    if code is not None:
        return session.scalar(select(Building).where(Building.code == code))
    return None


def list_buildings(session: Session) -> list[Building]:
    return list(session.scalars(select(Building).where(Building.active).order_by(Building.position, Building.id)))
