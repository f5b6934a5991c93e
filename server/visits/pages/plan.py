"""The visit plan 走访计划 (/visits): overdue enterprises first, then those due this month, then
the rest, with a filter by responsible department; an enterprise's plan and visit history
(/visits/enterprises/{id}); the plan's edit form for dispatchers and admins.

An enterprise contact has no plan to see: /visits sends them to their enterprise's visits."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from starlette.responses import RedirectResponse, Response

from server import policy
from server.accounts import people_repository
from server.config import get_settings
from server.enums import Role
from server.errors import Forbidden, InvalidInput
from server.i18n_text import N_
from server.visits import repository, rules
from server.visits import service as visit_service
from server.visits.labels import FREQUENCY_LABELS, STANDING_LABELS
from server.visits.pages.common import VisitsPerson, cards, department_names, department_options
from server.web.deps import DatabaseDep
from server.web.formdata import FormDep, optional_id, text, values
from server.web.i18n import locale_for
from server.web.render import render

router = APIRouter()


def _contact_only(person) -> bool:
    return not (person.roles & policy.VISIT_WORKERS)


@router.get("/visits")
def plan_page(request: Request, person: VisitsPerson, database: DatabaseDep,
              department: Annotated[str, Query(max_length=12)] = "") -> Response:
    if _contact_only(person):
        return RedirectResponse("/visits/log", status_code=303)
    locale = locale_for(request)
    chosen = int(department) if department.isascii() and department.isdigit() and len(department) < 10 else None
    with database.read() as session:
        lines = visit_service.plan_lines(session, person, department_id=chosen)
        names = department_names(session, locale)
        options = department_options(session, locale) if policy.sees_all_visits(person) else []
        responsible = people_repository.people_by_ids(
            session, {x.plan.responsible_person_id for x in lines if x.plan and x.plan.responsible_person_id})
    groups = [(standing, STANDING_LABELS[standing], [x for x in lines if x.standing == standing])
              for standing in rules.Standing]
    context = {
        "groups": groups, "total": len(lines), "department_names": names, "department_options": options,
        "chosen_department": chosen, "responsible": responsible, "frequency_label": _frequency_label,
        "own_department": names.get(person.department_id) if not policy.sees_all_visits(person) else None,
        "may_manage": policy.may_manage_visit_plan(person),
    }
    return render(request, "visits/plan.html", context)


def _frequency_label(months: int) -> tuple[str, dict]:
    """(msgid, params) for a frequency: its code's word, or "every N months"."""
    code = rules.MONTHS_CODE.get(months)
    if code is not None:
        return FREQUENCY_LABELS[code], {}
    return N_("Every %(count)s months"), {"count": months}


@router.get("/visits/enterprises/{enterprise_id:id}")
def enterprise_page(request: Request, person: VisitsPerson, database: DatabaseDep, enterprise_id: int,
                    saved: bool = False) -> Response:
    locale = locale_for(request)
    with database.read() as session:
        enterprise = visit_service.get_enterprise(session, enterprise_id)
        is_contact_of = Role.contact in person.roles and person.enterprise_id == enterprise.id
        if not (person.roles & policy.VISIT_WORKERS) and not is_contact_of:
            raise Forbidden("You may not open this page.")
        line = None
        if person.roles & policy.VISIT_WORKERS:
            found = visit_service.compute_plan(session, enterprise_ids=[enterprise.id])
            line = found[0] if found else None
        visits = repository.visits_for_export(session, person, enterprise_id=enterprise.id)
        plan = line.plan if line else None
        context = {
            "enterprise": enterprise, "line": line, "plan": plan, "cards": cards(session, visits),
            "department_names": department_names(session, locale),
            "responsible": people_repository.people_by_ids(session, [plan.responsible_person_id])
            if plan and plan.responsible_person_id else {},
            "frequency_label": _frequency_label, "standing_labels": STANDING_LABELS,
            "may_record": bool(person.roles & policy.VISIT_WORKERS)
            and policy.may_record_visit(person, plan.responsible_department_id if plan else None),
            "may_manage": policy.may_manage_visit_plan(person),
            "internal": policy.sees_visit_internals(person), "saved": saved,
        }
    return render(request, "visits/enterprise.html", context)


def _plan_form(request, session, enterprise, form_values, *, errors=None, status_code=200) -> Response:
    locale = locale_for(request)
    workers = repository.centre_people(session)
    context = {
        "enterprise": enterprise, "values": form_values, "errors": errors or {},
        "department_options": department_options(session, locale),
        "person_options": [(p.id, p.display_name) for p in workers],
        "default_months": get_settings().visit_default_months,
        "frequency_options": [(code.value, label) for code, label in FREQUENCY_LABELS.items()],
    }
    return render(request, "visits/plan_form.html", context, status_code=status_code)


def _require_manager(person) -> None:
    if not policy.may_manage_visit_plan(person):
        raise Forbidden("Only the centre's dispatchers and admins change the visit plan.")


@router.get("/visits/enterprises/{enterprise_id:id}/plan")
def plan_form(request: Request, person: VisitsPerson, database: DatabaseDep, enterprise_id: int) -> Response:
    _require_manager(person)
    with database.read() as session:
        enterprise = visit_service.get_enterprise(session, enterprise_id)
        plan = repository.plan_for(session, enterprise_id)
        form_values = {}
        if plan is not None:
            form_values = {
                "frequency": rules.frequency_code(plan.frequency_months) if plan.frequency_months else "",
                "responsible_department_id": plan.responsible_department_id or "",
                "responsible_person_id": plan.responsible_person_id or "",
                "starts_on": plan.starts_on.isoformat() if plan.starts_on else "", "note": plan.note,
            }
        return _plan_form(request, session, enterprise, form_values)


@router.post("/visits/enterprises/{enterprise_id:id}/plan")
def save_plan(request: Request, person: VisitsPerson, database: DatabaseDep, enterprise_id: int,
              form: FormDep) -> Response:
    _require_manager(person)
    try:
        data = visit_service.PlanInput(
            frequency=text(form, "frequency", 20), responsible_department_id=optional_id(form, "responsible_department_id"),
            responsible_person_id=optional_id(form, "responsible_person_id"), starts_on=text(form, "starts_on", 20),
            note=text(form, "note", visit_service.MAX_NOTE),
        )
        with database.write() as session:
            visit_service.set_plan(session, person, enterprise_id, data)
    except InvalidInput as exc:
        with database.read() as session:
            enterprise = visit_service.get_enterprise(session, enterprise_id)
            return _plan_form(request, session, enterprise, values(form), errors=exc.errors, status_code=422)
    return RedirectResponse(f"/visits/enterprises/{enterprise_id}?saved=1", status_code=303)
