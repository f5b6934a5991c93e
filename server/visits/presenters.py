"""Visits and plan lines → what the API shows, with a fixed number of queries per page."""

from __future__ import annotations

from sqlalchemy.orm import Session

from server import policy
from server.accounts import people_repository
from server.catalog import snapshot
from server.i18n_text import localized
from server.models import Person, Visit
from server.requests.schemas import PersonRef, Ref
from server.visits import repository
from server.visits.schemas import EnterpriseRef, NeedOut, PhotoOut, PlanLineOut, VisitOut
from server.visits.service import PlanLine


def _person(p: Person | None) -> PersonRef | None:
    return PersonRef(username=p.username, name=p.display_name) if p is not None else None


def visits(session: Session, person: Person, rows: list[Visit], *, photos: bool = False) -> list[VisitOut]:
    ids = [v.id for v in rows]
    staff = repository.staff_of(session, ids)
    needs = repository.needs_of(session, ids)
    enterprises = repository.enterprises_by_id(session, [v.enterprise_id for v in rows])
    creators = people_repository.people_by_ids(session, {v.created_by_id for v in rows}) if rows else {}
    services = snapshot.load(session).services
    internal = policy.sees_visit_internals(person)
    out = []
    for v in rows:
        shown = repository.photos_of(session, v.id) if photos else []
        out.append(VisitOut(
            id=v.id, enterprise=EnterpriseRef(id=v.enterprise_id, name=enterprises[v.enterprise_id].name),
            visited_on=v.visited_on, staff=[_person(p) for p in staff.get(v.id, [])], met_with=v.met_with,
            topics=v.topics, findings=v.findings, follow_ups=v.follow_ups,
            internal_notes=v.internal_notes if internal else None, created_by=_person(creators.get(v.created_by_id)),
            created_at=v.created_at,
            needs=[NeedOut(number=r.number, status=r.status, service=services[r.service_id].code if r.service_id in services else "")
                   for r in needs.get(v.id, [])],
            photos=[PhotoOut(id=p.id, name=p.original_name, content_type=p.content_type, size=p.size,
                             url=f"/visits/photos/{p.id}") for p in shown],
        ))
    return out


def plan_lines(session: Session, lines: list[PlanLine], locale: str) -> list[PlanLineOut]:
    catalog = snapshot.load(session)
    people = people_repository.people_by_ids(
        session, {x.plan.responsible_person_id for x in lines if x.plan and x.plan.responsible_person_id})
    out = []
    for x in lines:
        plan = x.plan
        department = catalog.departments.get(plan.responsible_department_id) if plan and plan.responsible_department_id else None
        out.append(PlanLineOut(
            enterprise=EnterpriseRef(id=x.enterprise.id, name=x.enterprise.name), frequency_months=x.frequency_months,
            frequency_is_default=not (plan and plan.frequency_months),
            responsible_department=Ref(code=department.code, name=localized(department.name, locale)) if department else None,
            responsible_person=_person(people.get(plan.responsible_person_id)) if plan and plan.responsible_person_id else None,
            starts_on=plan.starts_on if plan else None, last_visit_on=x.last_visit_on, visits=x.visits,
            next_due_on=x.due, standing=x.standing, requested_by=x.requested.number if x.requested else None,
            note=plan.note if plan else "",
        ))
    return out
