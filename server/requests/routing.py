"""Routing: where a new request goes and how a department's task reaches a person.

- A service that names a department is dispatched to it automatically on submission (the
  system is the actor); a service without one waits for a dispatcher.
- A department chooses how its tasks reach people: an open queue anyone in it claims from
  (抢单, the default), round-robin over its staff, or the staff member with the fewest open
  tasks. For the last two the system assigns the task as soon as the department receives it.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from server.catalog.snapshot import Catalog
from server.enums import AssignmentMode, RequestStatus, Role
from server.models import Department, Person, PersonRole, Service, ServiceRequest


def department_for(catalog: Catalog, service: Service) -> Department | None:
    """The department a new request of ``service`` is dispatched to, or None for a dispatcher."""
    if service.department_id is None:
        return None
    department = catalog.departments.get(service.department_id)
    return department if department is not None and department.active else None


def eligible_staff_ids(session: Session, department_id: int) -> list[int]:
    """Active staff of the department (leads count only if they also hold the staff role)."""
    return list(
        session.scalars(
            select(Person.id)
            .join(PersonRole, PersonRole.person_id == Person.id)
            .where(Person.department_id == department_id, Person.active, PersonRole.role == Role.staff)
            .order_by(Person.id)
        )
    )


def choose_assignee(session: Session, department: Department) -> int | None:
    """The person to receive the department's next task, or None for the open queue."""
    mode = AssignmentMode(department.assignment_mode)
    if mode == AssignmentMode.open_queue:
        return None
    staff = eligible_staff_ids(session, department.id)
    if not staff:
        return None
    if mode == AssignmentMode.round_robin:
        last = department.last_assignee_id or 0
        chosen = next((pid for pid in staff if pid > last), staff[0])
    else:
        loads = dict(
            session.execute(
                select(ServiceRequest.assignee_id, func.count())
                .where(
                    ServiceRequest.assignee_id.in_(staff),
                    ServiceRequest.status.in_([RequestStatus.claimed, RequestStatus.suspended]),
                )
                .group_by(ServiceRequest.assignee_id)
            ).all()
        )
        # Ties go round-robin, so equally loaded people take turns.
        last = department.last_assignee_id or 0
        rotated = [pid for pid in staff if pid > last] + [pid for pid in staff if pid <= last]
        chosen = min(rotated, key=lambda pid: loads.get(pid, 0))
    department.last_assignee_id = chosen
    return chosen
