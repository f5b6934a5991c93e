"""Queries for buildings: the list, the floors in use and the references that decide whether
one may be deleted."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.models import Building, Enterprise, ServiceRequest
from server.queries import count_where


def buildings(session: Session) -> list[Building]:
    return list(session.scalars(select(Building).order_by(Building.position, Building.code)))


def building_references(session: Session, building_id: int) -> dict[str, int]:
    return {
        "enterprises": count_where(session, Enterprise, Enterprise.building_id == building_id),
        "requests": count_where(session, ServiceRequest, ServiceRequest.building_id == building_id),
    }


def floors_in_use(session: Session, building_id: int) -> set[str]:
    return set(session.scalars(select(Enterprise.floor).where(Enterprise.building_id == building_id).distinct()))
