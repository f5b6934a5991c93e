"""Visits to enterprises 走访, every write and the plan as people see it, for every door.

- :func:`record_visit` logs a visit with its staff and photos.
- :func:`file_need` turns a need found on a visit into a request in one step: filed through the
  one submission path (``request_service.submit``) with the enterprise's contact as the
  requester and ``OnBehalf`` naming the staff member and the visit, so routing, limits,
  numbering and the figures all apply, and the contact follows and rates it as usual.
- :func:`set_plan` changes one enterprise's plan (frequency, who is responsible, start).
- :func:`plan_lines` is the plan with each enterprise's next due date and standing
  (``rules.py``), including visits the centre accepted through the menu's "enterprise visit"
  service: claiming such a request puts the asked-for date on the plan until a visit is logged.

Writes flush, never commit."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from server import policy
from server.accounts import people_repository
from server.attachments.storage import Staging
from server.catalog import snapshot
from server.config import get_settings
from server.enums import Role
from server.errors import Forbidden, InvalidInput, Msg, NotFound
from server.models import (
    Department,
    Enterprise,
    Person,
    ServiceRequest,
    Visit,
    VisitNeed,
    VisitPhoto,
    VisitPlan,
    VisitStaff,
    utcnow,
)
from server.requests import service as request_service
from server.visits import repository, rules

MAX_SHORT = 200
MAX_TOPICS = 500
MAX_TEXT = 4000
MAX_NOTE = 500
MAX_STAFF = 10
EARLIEST = date(2000, 1, 1)
# Accepted "enterprise visit" requests older than this no longer move the plan.
REQUEST_WINDOW = timedelta(days=366)


def today() -> date:
    return datetime.now(ZoneInfo(get_settings().timezone)).date()


def local_date(moment: datetime) -> date:
    return moment.astimezone(ZoneInfo(get_settings().timezone)).date()


# --- reading: visits ---------------------------------------------------------------------------
def get_enterprise(session: Session, enterprise_id: int) -> Enterprise:
    enterprise = session.get(Enterprise, enterprise_id)
    if enterprise is None:
        raise NotFound("No enterprise {id}.", {"id": enterprise_id})
    return enterprise


def get_visit(session: Session, person: Person, visit_id: int) -> Visit:
    """The visit, if this person may see it; else 404 without saying whether it exists."""
    visit = session.get(Visit, visit_id)
    if visit is not None:
        plan = repository.plan_for(session, visit.enterprise_id)
        staff = {p.id for p in repository.staff_of(session, [visit.id]).get(visit.id, [])}
        if repository.can_see(person, visit, plan, staff):
            return visit
    raise NotFound("No visit {id} that you may see.", {"id": visit_id})


def require_may_record(session: Session, person: Person, enterprise_id: int) -> VisitPlan | None:
    plan = repository.plan_for(session, enterprise_id)
    if not policy.may_record_visit(person, plan.responsible_department_id if plan else None):
        raise Forbidden("Only the centre's staff responsible for this enterprise log its visits.")
    return plan


def get_photo(session: Session, person: Person, photo_id: int) -> VisitPhoto:
    """A visit's photo, for the people who may see the visit (404 for everyone else)."""
    photo = repository.photo(session, photo_id)
    if photo is not None:
        try:
            get_visit(session, person, photo.visit_id)
            return photo
        except NotFound:
            pass
    raise NotFound("No photo {id} that you may see.", {"id": photo_id})


# --- writing: visits ---------------------------------------------------------------------------
@dataclass
class VisitInput:
    enterprise_id: int | None
    visited_on: date | str | None
    staff_ids: list[int] = field(default_factory=list)
    met_with: str = ""
    topics: str = ""
    findings: str = ""
    internal_notes: str = ""
    follow_ups: str = ""
    staff_usernames: list[str] = field(default_factory=list)  # the API names people by username


def _text(errors: dict, name: str, value: str, limit: int, *, required: bool = False) -> str:
    value = (value or "").strip() if isinstance(value, str) else ""
    if "\x00" in value or len(value) > limit:
        errors[name] = Msg("At most {limit} characters.", limit=limit)
    elif required and not value:
        errors[name] = Msg("Please fill this in.")
    return value


def _visit_date(errors: dict, value: date | str | None) -> date | None:
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value.strip()) if value.strip() else None
        except ValueError:
            errors["visited_on"] = Msg("Please give the date as YYYY-MM-DD.")
            return None
    if value is None:
        errors["visited_on"] = Msg("Please give the date of the visit.")
    elif value > today():
        errors["visited_on"] = Msg("A visit is logged after it happened: the date cannot be in the future.")
    elif value < EARLIEST:
        errors["visited_on"] = Msg("This date is too far in the past.")
    return value if "visited_on" not in errors else None


def _staff(session: Session, errors: dict, ids: list[int], usernames: list[str]) -> list[Person]:
    ids = list(dict.fromkeys(i for i in ids if isinstance(i, int) and not isinstance(i, bool)))
    if usernames:
        found = people_repository.people_by_usernames(session, usernames)
        missing = [u for u in usernames if u not in found]
        if missing:
            errors["staff"] = Msg("There is no account {username}.", username=missing[0])
            return []
        ids = list(dict.fromkeys([*ids, *(found[u].id for u in usernames)]))
    if not ids:
        errors["staff_ids"] = Msg("Please choose who went on the visit.")
        return []
    if len(ids) > MAX_STAFF:
        errors["staff_ids"] = Msg("At most {limit} people.", limit=MAX_STAFF)
        return []
    people = list(session.scalars(select(Person).where(Person.id.in_(ids))))
    if len(people) != len(ids) or any(not p.active or not (p.roles & policy.VISIT_WORKERS) for p in people):
        errors["staff_ids"] = Msg("Only active staff of the centre and its departments go on visits.")
    return people


def record_visit(session: Session, person: Person, data: VisitInput, staged: Staging | None = None) -> Visit:
    """Log a visit, with the files in ``staged`` as its photos. InvalidInput names each field."""
    errors: dict[str, str] = {}
    enterprise = session.get(Enterprise, data.enterprise_id) if data.enterprise_id else None
    if enterprise is None or not enterprise.active:
        errors["enterprise_id"] = Msg("Please choose an active enterprise.")
    else:
        require_may_record(session, person, enterprise.id)
    visited_on = _visit_date(errors, data.visited_on)
    staff = _staff(session, errors, data.staff_ids, data.staff_usernames)
    values = {
        "met_with": _text(errors, "met_with", data.met_with, MAX_SHORT, required=True),
        "topics": _text(errors, "topics", data.topics, MAX_TOPICS),
        "findings": _text(errors, "findings", data.findings, MAX_TEXT, required=True),
        "internal_notes": _text(errors, "internal_notes", data.internal_notes, MAX_TEXT),
        "follow_ups": _text(errors, "follow_ups", data.follow_ups, MAX_TEXT),
    }
    if errors:
        raise InvalidInput("Some answers need attention.", errors)
    now = utcnow()
    visit = Visit(enterprise_id=enterprise.id, visited_on=visited_on, created_by_id=person.id, created_at=now, **values)
    session.add(visit)
    session.flush()
    session.add_all(VisitStaff(visit_id=visit.id, person_id=p.id) for p in staff)
    for stored in staged.files if staged is not None else []:
        session.add(VisitPhoto(
            visit_id=visit.id, uploaded_by_id=person.id, original_name=stored.original_name,
            stored_name=stored.stored_name, content_type=stored.content_type, size=stored.size,
            sha256=stored.sha256, created_at=now,
        ))
    session.flush()
    return visit


def file_need(
    session: Session, person: Person, visit: Visit, data: request_service.SubmitInput, *,
    idempotency_key: str | None = None, now: datetime | None = None,
) -> ServiceRequest:
    """File a need found on ``visit`` as a request for its enterprise, requested by the
    enterprise's contact and marked in its history as coming from the visit."""
    require_may_record(session, person, visit.enterprise_id)
    enterprise = get_enterprise(session, visit.enterprise_id)
    contact = repository.enterprise_contact(session, enterprise.id)
    if contact is None:
        raise InvalidInput("This enterprise has no active contact person to file the request for; add one first.",
                           {"service_code": Msg("The enterprise has no contact person.")})
    on_behalf = request_service.OnBehalf(filed_by=person, visit_id=visit.id, visit_on=visit.visited_on.isoformat(),
                                         enterprise=enterprise.name)
    result = request_service.submit(session, contact, data, idempotency_key=idempotency_key, now=now,
                                    on_behalf=on_behalf)
    if not result.replayed:
        session.add(VisitNeed(visit_id=visit.id, request_id=result.request.id, filed_by_id=person.id,
                              created_at=now or utcnow()))
        session.flush()
        # The contact is told (request_filed_from_visit) by the submission's own history hook
        # (server/notifications/service.py request_event), which sees the visit in its event.
    return result.request


# --- the plan ----------------------------------------------------------------------------------
@dataclass
class PlanInput:
    frequency: str | int | None = None  # months, a code, or empty for the default
    responsible_department_id: int | None = None
    responsible_person_id: int | None = None
    starts_on: date | str | None = None
    note: str = ""


def validate_plan(session: Session, data: PlanInput) -> dict:
    """The plan's column values for ``data``, or InvalidInput naming each bad field (the plan
    form, the API and the import all check here)."""
    errors: dict[str, str] = {}
    try:
        months = rules.parse_frequency(data.frequency)
    except ValueError:
        months = None
        errors["frequency"] = Msg("Give monthly, quarterly, half_yearly, yearly or a number of months from 1 to {max}.",
                                  max=rules.MAX_FREQUENCY_MONTHS)
    department_id = data.responsible_department_id
    if department_id is not None:
        department = session.get(Department, department_id)
        if department is None or not department.active:
            errors["responsible_department_id"] = Msg("There is no such active department.")
    person_id = data.responsible_person_id
    if person_id is not None:
        responsible = session.get(Person, person_id)
        if responsible is None or not responsible.active or not (responsible.roles & policy.VISIT_WORKERS):
            errors["responsible_person_id"] = Msg("Only active staff of the centre and its departments are responsible for visits.")
    starts_on = data.starts_on
    if isinstance(starts_on, str):
        try:
            starts_on = date.fromisoformat(starts_on.strip()) if starts_on.strip() else None
        except ValueError:
            errors["starts_on"] = Msg("Please give the date as YYYY-MM-DD.")
            starts_on = None
    if starts_on is not None and starts_on < EARLIEST:
        errors["starts_on"] = Msg("This date is too far in the past.")
    note = _text(errors, "note", data.note, MAX_NOTE)
    if errors:
        raise InvalidInput("Some answers need attention.", errors)
    return {"frequency_months": months, "responsible_department_id": department_id,
            "responsible_person_id": person_id, "starts_on": starts_on, "note": note}


def set_plan(session: Session, person: Person, enterprise_id: int, data: PlanInput) -> VisitPlan:
    """Create or change one enterprise's plan (dispatchers and admins)."""
    if not policy.may_manage_visit_plan(person):
        raise Forbidden("Only the centre's dispatchers and admins change the visit plan.")
    get_enterprise(session, enterprise_id)
    values = validate_plan(session, data)
    plan = repository.plan_for(session, enterprise_id)
    if plan is None:
        plan = VisitPlan(enterprise_id=enterprise_id)
        session.add(plan)
    for key, value in values.items():
        setattr(plan, key, value)
    plan.updated_at = utcnow()
    session.flush()
    return plan


@dataclass(frozen=True, slots=True)
class PlanLine:
    enterprise: Enterprise
    plan: VisitPlan | None
    frequency_months: int
    last_visit_on: date | None
    visits: int
    due: date
    standing: rules.Standing
    requested: ServiceRequest | None  # an accepted visit request still waiting for its visit
    requested_on: date | None


def _requested_on(request: ServiceRequest) -> date:
    """The date the enterprise asked for (the request's date answer), else the day accepted."""
    for answer in request.answers or []:
        if answer.get("type") == "date" and answer.get("value"):
            try:
                return date.fromisoformat(str(answer["value"])[:10])
            except ValueError:
                break
    return local_date(request.first_claimed_at)


def visible_plan_department(person: Person) -> int | None:
    """The department whose plan a person sees (None: all, for overseers). Others see none."""
    if policy.sees_all_visits(person):
        return None
    if person.roles & {Role.staff, Role.lead} and person.department_id is not None:
        return person.department_id
    raise Forbidden("The visit plan is for the centre's staff.")


def plan_lines(session: Session, person: Person, *, department_id: int | None = None,
               on: date | None = None) -> list[PlanLine]:
    """The plan this person may see, in the plan's order (overdue first; ``rules.plan_order``).
    Overseers see all and may narrow it to a department; staff see their department's."""
    own = visible_plan_department(person)
    if own is not None:
        department_id = own
    return compute_plan(session, department_id=department_id, on=on)


def compute_plan(session: Session, *, department_id: int | None = None, on: date | None = None,
                 enterprise_ids: list[int] | None = None) -> list[PlanLine]:
    """Every active enterprise's line (no visibility check: the figures count them all)."""
    on = on or today()
    rows = repository.plan_rows(session, department_id=department_id, enterprise_ids=enterprise_ids)
    default_months = get_settings().visit_default_months
    requests: dict[int, ServiceRequest] = {}
    service = snapshot.load(session).service(get_settings().visit_request_service)
    if service is not None and rows:
        since = datetime.combine(on, datetime.min.time(), tzinfo=ZoneInfo(get_settings().timezone)) - REQUEST_WINDOW
        for request in repository.newest_accepted_visit_requests(
                session, service.id, since, [r.enterprise.id for r in rows]):
            requests[request.enterprise_id] = request
    lines = []
    for row in rows:
        months = (row.plan.frequency_months if row.plan and row.plan.frequency_months else default_months)
        starts_on = (row.plan.starts_on if row.plan and row.plan.starts_on else local_date(row.enterprise.created_at))
        request = requests.get(row.enterprise.id)
        if request is not None and not rules.request_pending(local_date(request.first_claimed_at), row.last_visit_on):
            request = None
        requested_on = _requested_on(request) if request is not None else None
        due = rules.next_due(last_visit_on=row.last_visit_on, frequency_months=months, starts_on=starts_on,
                             requested_on=requested_on)
        lines.append(PlanLine(row.enterprise, row.plan, months, row.last_visit_on, row.visits, due,
                              rules.standing(due, on), request, requested_on))
    lines.sort(key=lambda line: rules.plan_order(
        rules.PlanLine(line.enterprise.id, line.enterprise.name, line.due, line.standing)))
    return lines
