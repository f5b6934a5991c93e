"""Queries for departments: the list, their people, head counts and the references that decide
whether one may be deleted."""

from __future__ import annotations

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from server.models import Department, Person, Service, ServiceRequest
from server.queries import count_where


def departments(session: Session) -> list[Department]:
    return list(session.scalars(select(Department).order_by(Department.position, Department.code)))


def people_in_department(session: Session, department_id: int) -> list[Person]:
    """Everyone placed in the department, whatever their roles and whether active (the admin
    page lists them all); whom a task may go to is ``accounts.people_repository.department_staff``."""
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
