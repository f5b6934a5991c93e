"""Queries behind the menu administration: the rows the admin service changes and the
references that stop a deletion."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from server.models import Category, Department, Service, ServiceField, ServiceRequest


def categories(session: Session) -> list[Category]:
    return list(session.scalars(select(Category).order_by(Category.position, Category.id)))


def services(session: Session) -> list[Service]:
    """Every service, retired ones too, in menu order, with their fields."""
    stmt = (
        select(Service)
        .join(Category, Category.id == Service.category_id)
        .options(selectinload(Service.fields))
        .order_by(Category.position, Category.id, Service.position, Service.id)
    )
    return list(session.scalars(stmt))


def departments(session: Session) -> list[Department]:
    return list(session.scalars(select(Department).order_by(Department.position, Department.id)))


def service_with_fields(session: Session, service_id: int) -> Service | None:
    return session.scalar(select(Service).where(Service.id == service_id).options(selectinload(Service.fields)))


def code_taken(session: Session, model: type[Category] | type[Service], code: str, *, except_id: int | None) -> bool:
    stmt = select(model.id).where(model.code == code)
    if except_id is not None:
        stmt = stmt.where(model.id != except_id)
    return session.scalar(stmt.limit(1)) is not None


def category_siblings(session: Session) -> list[Category]:
    return categories(session)


def service_siblings(session: Session, category_id: int) -> list[Service]:
    stmt = select(Service).where(Service.category_id == category_id).order_by(Service.position, Service.id)
    return list(session.scalars(stmt))


def field_siblings(session: Session, service_id: int) -> list[ServiceField]:
    stmt = select(ServiceField).where(ServiceField.service_id == service_id).order_by(ServiceField.position, ServiceField.id)
    return list(session.scalars(stmt))


def next_position(session: Session, column, *where) -> int:
    return (session.scalar(select(func.max(column)).where(*where)) or 0) + 1


def services_in_category(session: Session, category_id: int) -> list[str]:
    stmt = select(Service.code).where(Service.category_id == category_id).order_by(Service.position, Service.id)
    return list(session.scalars(stmt))


def request_count(session: Session, service_id: int) -> int:
    return session.scalar(select(func.count()).select_from(ServiceRequest).where(ServiceRequest.service_id == service_id)) or 0
