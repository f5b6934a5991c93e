"""Who may see and do what: the one permissions module that the API, the pages and the CLI
all call. Role checks for whole areas, relation checks for one request, and the SQL filter
that limits every request list to what the person may see."""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_, false, or_, true

from server.enums import Audience, Party, Role
from server.errors import Forbidden
from server.i18n_text import N_
from server.models import Person, Service, ServiceRequest

# Roles that see every request.
OVERSEERS = frozenset({Role.dispatcher, Role.supervisor, Role.admin})


def parties_of(person: Person, request: ServiceRequest) -> frozenset[Party]:
    """The person's relations to one request, which the workflow table grants actions to."""
    roles = person.roles
    parties: set[Party] = set()
    if request.requester_id == person.id:
        parties.add(Party.requester)
    if Role.dispatcher in roles:
        parties.add(Party.dispatcher)
    if Role.supervisor in roles:
        parties.add(Party.supervisor)
    in_department = person.department_id is not None and person.department_id == request.department_id
    if in_department and roles & {Role.staff, Role.lead}:
        parties.add(Party.department_staff)
    if in_department and Role.lead in roles:
        parties.add(Party.department_lead)
    if request.assignee_id is not None and request.assignee_id == person.id:
        parties.add(Party.assignee)
    return frozenset(parties)


def visibility_clauses(person: Person) -> list[ColumnElement[bool]] | None:
    """The SQL conditions, any of which lets this person see a request; None means all.

    A member sees their own; a contact also their enterprise's; staff and leads their
    department's queue and tasks (including those it co-handles); dispatchers, supervisors
    and admins see all. Each condition matches one index, so lists can query them apart."""
    roles = person.roles
    if roles & OVERSEERS:
        return None
    clauses: list[ColumnElement[bool]] = [ServiceRequest.requester_id == person.id]
    if Role.contact in roles and person.enterprise_id is not None:
        clauses.append(ServiceRequest.enterprise_id == person.enterprise_id)
    if roles & {Role.staff, Role.lead} and person.department_id is not None:
        department = ServiceRequest.department_id
        clauses.append(department == person.department_id)
        clauses.append(ServiceRequest.cohandler_department_id == person.department_id)
        # What they hold outside their department (moved there with them still on it, or they
        # moved): inside it the department's clause has it already, and a list reading both
        # would read most of the department twice. Ranges of (assignee_id, department_id, id).
        outside = or_(department < person.department_id, department > person.department_id, department.is_(None))
        clauses.append(and_(ServiceRequest.assignee_id == person.id, outside))
    return clauses


def visibility_filter(person: Person) -> ColumnElement[bool]:
    """One SQL condition for the requests this person may see (for counts and figures)."""
    clauses = visibility_clauses(person)
    if clauses is None:
        return true()
    return or_(*clauses) if clauses else false()


def can_see(person: Person, request: ServiceRequest) -> bool:
    roles = person.roles
    if roles & OVERSEERS or request.requester_id == person.id:
        return True
    if Role.contact in roles and person.enterprise_id is not None and request.enterprise_id == person.enterprise_id:
        return True
    if roles & {Role.staff, Role.lead} and person.department_id is not None:
        if person.department_id in (request.department_id, request.cohandler_department_id):
            return True
        if request.assignee_id == person.id:
            return True
    return False


def sees_internal_notes(person: Person, request: ServiceRequest) -> bool:
    """Internal history (returns' reasons, staff notes) is for the people handling requests."""
    roles = person.roles
    if roles & OVERSEERS:
        return True
    return bool(roles & {Role.staff, Role.lead}) and person.department_id is not None and (
        person.department_id in (request.department_id, request.cohandler_department_id)
        or request.assignee_id == person.id
    )


def on_requester_side(person: Person, request: ServiceRequest) -> bool:
    """Who speaks for the requester on a request's conversation 沟通留言: the requester, and
    their enterprise's contacts (who see and may write on its requests), unless they are among
    those handling it. Their messages go to the handler and show on the handler's row."""
    if request.requester_id == person.id:
        return True
    contact = Role.contact in person.roles and person.enterprise_id is not None
    return contact and request.enterprise_id == person.enterprise_id and not sees_internal_notes(person, request)


def may_message(person: Person, request: ServiceRequest) -> bool:
    """The conversation on a request 沟通留言 is open to everyone who may see the request: its
    requester (and their enterprise's contacts), the department handling it, the overseers."""
    return can_see(person, request)


def may_post_internal(person: Person, request: ServiceRequest) -> bool:
    """A message for staff only: whoever reads the internal history may add to it."""
    return sees_internal_notes(person, request)


def order_refusal(person: Person, service: Service) -> str | None:
    """Why this person cannot order this service (a message to show them), or None if they can.

    Members order the services open to members, contacts those open to enterprises. The menu
    shows the reason on the service instead of a button that would end in a 403."""
    roles = person.roles
    if service.audience == Audience.members:
        return None if Role.member in roles else N_("Only members (party members and staff of the enterprises) order this service.")
    if service.audience == Audience.enterprises:
        return None if Role.contact in roles else N_("Only an enterprise's contact person orders this service: ask yours to order it for you.")
    if roles & {Role.member, Role.contact}:
        return None
    return N_("Services are ordered by members and enterprise contacts; your account is for handling them.")


def can_order(person: Person, service: Service) -> bool:
    return order_refusal(person, service) is None


def require_can_order(person: Person, service: Service) -> None:
    """:func:`can_order`, or 403: the check a submission makes, once."""
    refusal = order_refusal(person, service)
    if refusal is not None:
        raise Forbidden(refusal)


def require_role(person: Person, *roles: Role) -> None:
    if not person.has_role(*roles):
        raise Forbidden("This needs one of the roles: {roles}", {"roles": ", ".join(r.value for r in roles)})


def may_work_in(person: Person, department_id: int) -> bool:
    return person.department_id == department_id and person.has_role(Role.staff, Role.lead)


# --- visits to enterprises 走访 (server/visits) -------------------------------------------------
# Who works with the visit plan: the centre's staff of any department, and the overseers.
VISIT_WORKERS = frozenset({Role.staff, Role.lead}) | OVERSEERS


def sees_all_visits(person: Person) -> bool:
    """Dispatchers, supervisors and admins see the whole plan and every visit."""
    return bool(person.roles & OVERSEERS)


def may_open_visits(person: Person) -> bool:
    """The visit pages: the centre's people, and an enterprise's contacts (their own visits)."""
    return bool(person.roles & VISIT_WORKERS) or (Role.contact in person.roles and person.enterprise_id is not None)


def may_record_visit(person: Person, responsible_department_id: int | None) -> bool:
    """Log a visit (and file the needs found) for an enterprise: overseers for any; staff and
    leads for the enterprises their department is responsible for, or nobody is."""
    if sees_all_visits(person):
        return True
    return bool(person.roles & {Role.staff, Role.lead}) and person.department_id is not None and (
        responsible_department_id is None or responsible_department_id == person.department_id
    )


def may_manage_visit_plan(person: Person) -> bool:
    """Set frequencies and who is responsible, import the plan: the centre's dispatchers and admins."""
    return bool(person.roles & {Role.dispatcher, Role.admin})


def sees_visit_internals(person: Person) -> bool:
    """A visit's internal notes are for the centre's people, never for the enterprise."""
    return bool(person.roles & VISIT_WORKERS)
