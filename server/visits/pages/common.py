"""What the visit pages share: the guard, names for departments and people, a visit as a card."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends
from sqlalchemy.orm import Session

from server import policy
from server.accounts import people_repository
from server.catalog import snapshot
from server.errors import Forbidden
from server.i18n_text import localized
from server.models import Enterprise, Person, ServiceRequest, Visit, VisitPhoto
from server.visits import repository
from server.web.deps import PagePerson


async def visits_person(person: PagePerson) -> Person:
    if not policy.may_open_visits(person):
        raise Forbidden("You may not open this page.")
    return person


VisitsPerson = Annotated[Person, Depends(visits_person)]


def department_options(session: Session, locale: str) -> list[tuple[int, str]]:
    catalog = snapshot.load(session)
    departments = sorted((d for d in catalog.departments.values() if d.active), key=lambda d: (d.position, d.id))
    return [(d.id, localized(d.name, locale)) for d in departments]


def department_names(session: Session, locale: str) -> dict[int, str]:
    return {d.id: localized(d.name, locale) for d in snapshot.load(session).departments.values()}


def service_names(session: Session, locale: str) -> dict[int, str]:
    return {s.id: localized(s.name, locale) for s in snapshot.load(session).services.values()}


@dataclass
class VisitCard:
    visit: Visit
    enterprise: Enterprise
    staff: list[Person]
    needs: list[ServiceRequest]
    photos: list[VisitPhoto]
    created_by: Person | None


def cards(session: Session, visits: list[Visit], *, photos: bool = False) -> list[VisitCard]:
    """Visits with their enterprise, staff and requests: a fixed number of queries for a page."""
    ids = [v.id for v in visits]
    staff = repository.staff_of(session, ids)
    needs = repository.needs_of(session, ids)
    enterprises = repository.enterprises_by_id(session, [v.enterprise_id for v in visits])
    creators = people_repository.people_by_ids(session, {v.created_by_id for v in visits}) if visits else {}
    return [
        VisitCard(v, enterprises[v.enterprise_id], staff.get(v.id, []), needs.get(v.id, []),
                  repository.photos_of(session, v.id) if photos else [], creators.get(v.created_by_id))
        for v in visits
    ]
