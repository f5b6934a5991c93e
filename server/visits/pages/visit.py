"""Logging a visit (/visits/new), a visit's page (/visits/{id}) with the requests filed from it
(block `needs`, which polls itself every 15 s like the desk's queue), filing a need found as a
request in one step (/visits/{id}/need: pick the service, then fill in its fields), and the
visit's photos (/visits/photos/{id}, served like request attachments)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from starlette.datastructures import FormData
from starlette.responses import RedirectResponse, Response

from server import policy
from server.attachments.pages import send_stored
from server.attachments.storage import IMAGE_TYPES, staging
from server.catalog import snapshot
from server.config import get_settings
from server.enums import FieldType
from server.errors import InvalidInput, NotFound
from server.i18n_text import localized
from server.models import Person
from server.requests import service as request_service
from server.visits import repository
from server.visits import service as visit_service
from server.visits.pages.common import VisitsPerson, cards
from server.web.deps import DatabaseDep
from server.web.formdata import (
    FormDep,
    chose_files,
    optional_id,
    receive_files,
    text,
    values,
    whole_number,
)
from server.web.i18n import locale_for
from server.web.render import is_htmx, render

router = APIRouter()
PHOTOS_FIELD = "photos"


# --- logging a visit ---------------------------------------------------------------------------
def _recordable_enterprises(session, person: Person) -> list[tuple[int, str]]:
    lines = visit_service.compute_plan(session)
    return [(x.enterprise.id, x.enterprise.name) for x in sorted(lines, key=lambda x: x.enterprise.name)
            if policy.may_record_visit(person, x.plan.responsible_department_id if x.plan else None)]


def _visit_form(request: Request, session, person: Person, form_values: dict, *, errors=None, had_files=False,
                status_code=200) -> Response:
    workers = repository.centre_people(session)
    context = {
        "values": form_values, "errors": errors or {}, "had_files": had_files,
        "enterprise_options": _recordable_enterprises(session, person),
        "staff_options": [(p.id, p.display_name) for p in workers],
        "today": visit_service.today().isoformat(),
        "max_upload_mb": get_settings().max_upload_bytes // (1024 * 1024),
    }
    return render(request, "visits/visit_form.html", context, status_code=status_code)


@router.get("/visits/new")
def new_visit(request: Request, person: VisitsPerson, database: DatabaseDep,
              enterprise: Annotated[str, Query(max_length=12)] = "") -> Response:
    if not person.roles & policy.VISIT_WORKERS:
        raise NotFound("There is nothing at this address.")
    with database.read() as session:
        defaults = {"enterprise_id": enterprise, "visited_on": visit_service.today().isoformat(),
                    "staff_ids": [str(person.id)]}
        return _visit_form(request, session, person, defaults)


def _visit_input(form: FormData) -> visit_service.VisitInput:
    staff = [whole_number(v) for v in form.getlist("staff_ids") if isinstance(v, str)]
    return visit_service.VisitInput(
        enterprise_id=optional_id(form, "enterprise_id"), visited_on=text(form, "visited_on", 20),
        staff_ids=[s for s in staff if s is not None], met_with=text(form, "met_with", visit_service.MAX_SHORT),
        topics=text(form, "topics", visit_service.MAX_TOPICS), findings=text(form, "findings", visit_service.MAX_TEXT),
        internal_notes=text(form, "internal_notes", visit_service.MAX_TEXT),
        follow_ups=text(form, "follow_ups", visit_service.MAX_TEXT),
    )


def _typed(form: FormData) -> dict[str, Any]:
    typed: dict[str, Any] = values(form)
    typed["staff_ids"] = [v for v in form.getlist("staff_ids") if isinstance(v, str)]
    return typed


@router.post("/visits/new")
def create_visit(request: Request, person: VisitsPerson, database: DatabaseDep, form: FormDep) -> Response:
    try:
        data = _visit_input(form)
        with staging(request.app.state.settings) as staged:
            refused = receive_files(staged, form, {PHOTOS_FIELD: None})
            with database.write() as session:
                try:
                    visit = visit_service.record_visit(session, person, data, staged)
                except InvalidInput as exc:
                    # Refused files are reported with the fields' own errors, all at once.
                    raise InvalidInput(exc.message, {**exc.errors, **refused}) from exc
                if refused:
                    raise InvalidInput("Some answers need attention.", refused)
                visit_id = visit.id
    except InvalidInput as exc:
        with database.read() as session:
            return _visit_form(request, session, person, _typed(form), errors=exc.errors or {"form": exc.message},
                               had_files=chose_files(form), status_code=422)
    return RedirectResponse(f"/visits/{visit_id}?logged=1", status_code=303)


# --- a visit's page ----------------------------------------------------------------------------
def _visit_context(session, person: Person, visit, locale: str) -> dict[str, Any]:
    [card] = cards(session, [visit], photos=True)
    plan = repository.plan_for(session, visit.enterprise_id)
    catalog = snapshot.load(session)
    return {
        "card": card, "visit": visit, "internal": policy.sees_visit_internals(person),
        "may_file": bool(person.roles & policy.VISIT_WORKERS)
        and policy.may_record_visit(person, plan.responsible_department_id if plan else None),
        "service_names": {s.id: localized(s.name, locale) for s in catalog.services.values()},
        "image_types": IMAGE_TYPES,
        "service_options": [(s.code, localized(s.name, locale)) for s in catalog.ordered_services()],
    }


@router.get("/visits/{visit_id:id}")
def visit_page(request: Request, person: VisitsPerson, database: DatabaseDep, visit_id: int,
               logged: bool = False, filed: Annotated[str, Query(max_length=24)] = "",
               part: Annotated[str, Query(max_length=10)] = "") -> Response:
    with database.read() as session:
        visit = visit_service.get_visit(session, person, visit_id)
        context = _visit_context(session, person, visit, locale_for(request))
    context.update(logged=logged, filed=filed)
    block = "needs" if is_htmx(request) and part == "needs" else None
    return render(request, "visits/visit.html", context, block=block)


# --- filing a need as a request ----------------------------------------------------------------
def _need_form(request: Request, session, person: Person, visit, service, form_values: dict, *, errors=None,
               idempotency_key=None, status_code=200) -> Response:
    locale = locale_for(request)
    catalog = snapshot.load(session)
    contact = repository.enterprise_contact(session, visit.enterprise_id)
    enterprise = visit_service.get_enterprise(session, visit.enterprise_id)
    errors = errors or {}
    shown = {"description", "contact_phone", "service_code"} | ({f"answers.{f.code}" for f in service.fields if f.type != FieldType.file} if service else set())
    context = {
        "visit": visit, "enterprise": enterprise, "contact": contact, "service": service,
        "service_name": localized(service.name, locale) if service else "",
        "fields": [f for f in service.fields if f.type != FieldType.file] if service else [],
        "has_file_fields": bool(service and any(f.type == FieldType.file for f in service.fields)),
        "service_options": [(s.code, localized(s.name, locale)) for s in catalog.ordered_services()
                            if contact is None or policy.can_order(contact, s)],
        "values": form_values, "errors": errors,
        "other_errors": [m for k, m in errors.items() if k not in shown],
        "idempotency_key": idempotency_key or uuid.uuid4().hex,
    }
    return render(request, "visits/need_form.html", context, status_code=status_code)


def _chosen_service(session, code: str):
    if not code:
        return None
    return request_service.orderable_service(snapshot.load(session), code)


@router.get("/visits/{visit_id:id}/need")
def need_form(request: Request, person: VisitsPerson, database: DatabaseDep, visit_id: int,
              service: Annotated[str, Query(max_length=60)] = "") -> Response:
    with database.read() as session:
        visit = visit_service.get_visit(session, person, visit_id)
        visit_service.require_may_record(session, person, visit.enterprise_id)
        chosen = _chosen_service(session, service)
        errors = {"service_code": "There is no such service to order."} if service and chosen is None else None
        return _need_form(request, session, person, visit, chosen, {},
                          errors=errors, status_code=422 if errors else 200)


def _need_input(service, form: FormData) -> tuple[request_service.SubmitInput, dict]:
    answers: dict[str, Any] = {}
    for f in service.fields:
        name = f"answers.{f.code}"
        if f.type == FieldType.file:
            continue
        if f.type == FieldType.multiple_choice:
            answers[f.code] = [v for v in form.getlist(name) if isinstance(v, str)]
        else:
            answers[f.code] = text(form, name, 6000)
    data = request_service.SubmitInput(service_code=service.code, description=text(form, "description", 5000),
                                       contact_phone=text(form, "contact_phone", 40), answers=answers)
    typed = {"description": data.description, "contact_phone": data.contact_phone,
             **{f"answers.{k}": v for k, v in answers.items()}}
    return data, typed


@router.post("/visits/{visit_id:id}/need")
def file_need(request: Request, person: VisitsPerson, database: DatabaseDep, visit_id: int, form: FormDep) -> Response:
    code = text(form, "service_code", 60)
    key = text(form, "idempotency_key", 200) or None
    with database.read() as session:
        visit = visit_service.get_visit(session, person, visit_id)
        visit_service.require_may_record(session, person, visit.enterprise_id)
        service = _chosen_service(session, code)
        if service is None:
            return _need_form(request, session, person, visit, None, values(form),
                              errors={"service_code": "There is no such service to order."}, status_code=422)
    try:
        data, typed = _need_input(service, form)
    except InvalidInput as exc:
        with database.read() as session:
            return _need_form(request, session, person, visit, service, values(form), errors=exc.errors,
                              idempotency_key=key, status_code=422)
    try:
        with database.write() as session:
            visit = visit_service.get_visit(session, person, visit_id)
            created = visit_service.file_need(session, person, visit, data, idempotency_key=key)
            number = created.number
    except InvalidInput as exc:
        with database.read() as session:
            visit = visit_service.get_visit(session, person, visit_id)
            retry_key = None if "Idempotency-Key" in exc.errors else key
            return _need_form(request, session, person, visit, service, typed, errors=exc.errors or {"form": exc.message},
                              idempotency_key=retry_key, status_code=422)
    return RedirectResponse(f"/visits/{visit_id}?filed={number}", status_code=303)


# --- photos ------------------------------------------------------------------------------------
@router.get("/visits/photos/{photo_id:id}")
def photo(request: Request, person: VisitsPerson, database: DatabaseDep, photo_id: int, inline: bool = False) -> Response:
    with database.read() as session:
        found = visit_service.get_photo(session, person, photo_id)
    return send_stored(
        request.app.state.settings, found.stored_name, found.content_type, found.original_name, inline=inline,
        missing=NotFound("No photo {id} that you may see.", {"id": photo_id}),
    )
