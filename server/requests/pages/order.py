"""The service menu 服务菜单 with its search, and each service's order form (点单).

The menu comes from the catalogue snapshot (no queries beyond its revision check). The order
form posts multipart data: the service's own fields as ``answers.<code>``, their files under
the same names, general attachments under ``attachments``. Files are streamed to disk before
the transaction; the request and its attachment rows are written in one transaction, and the
files are deleted again if it fails. A hidden idempotency key makes a double click or a
browser's retry file one request."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from starlette.datastructures import FormData
from starlette.responses import RedirectResponse, Response

from server import policy
from server.attachments import service as attachment_service
from server.attachments.storage import staging
from server.catalog import snapshot
from server.catalog.snapshot import Catalog
from server.config import get_settings
from server.enums import FieldType
from server.errors import InvalidInput, LianxinError, NotFound
from server.http.session import page_person_in, resolved_in_its_unit_of_work
from server.i18n_text import LOCALES, localized
from server.models import Building, Person, Service
from server.requests import service as request_service
from server.web.deps import DatabaseDep, PagePerson
from server.web.formdata import FormDep, chose_files, receive_files, text
from server.web.formdata import values as formdata_values
from server.web.i18n import locale_for
from server.web.labels import AUDIENCE_LABELS
from server.web.nav import SERVICE_PAGES
from server.web.render import is_htmx, render

router = APIRouter()

# Form inputs the order page shows itself (errors for other keys are listed above the form).
PLACE_AND_CONTACT = ("description", "contact_phone", "building_code", "floor", "room", "attachments")
SEARCH_LIMIT = 100


# --- the menu ------------------------------------------------------------------------------------
def _matches(service: Service, category_name: dict, words: list[str]) -> bool:
    haystack = " ".join(
        [service.code]
        + [service.name.get(loc, "") for loc in LOCALES]
        + [(service.description or {}).get(loc, "") for loc in LOCALES]
        + [(category_name or {}).get(loc, "") for loc in LOCALES]
    ).casefold()
    return all(word in haystack for word in words)


def menu_groups(catalog: Catalog, person: Person, locale: str, q: str) -> list[dict[str, Any]]:
    words = q.casefold().split()
    groups: dict[int, dict[str, Any]] = {}
    for service in catalog.ordered_services():
        category = catalog.categories.get(service.category_id)
        if words and not _matches(service, category.name if category else {}, words):
            continue
        group = groups.setdefault(
            service.category_id, {"name": localized(category.name, locale) if category else "", "services": []}
        )
        # The menu shows an order button by the same rule the submission enforces.
        refusal = policy.order_refusal(person, service)
        group["services"].append({**service_card(catalog, service, locale), "can_order": refusal is None, "refusal": refusal})
    return list(groups.values())


def service_card(catalog: Catalog, service: Service, locale: str) -> dict[str, Any]:
    department = catalog.departments.get(service.department_id)
    return {
        "code": service.code,
        "name": localized(service.name, locale),
        "description": localized(service.description, locale),
        "audience": AUDIENCE_LABELS[str(service.audience)],
        "claim_hours": service.claim_limit_hours,
        "complete_days": service.complete_limit_days,
        "department": localized(department.name, locale) if department else None,
        "allow_attachments": service.allow_attachments,
        "page": SERVICE_PAGES.get(service.code),
    }


@router.get("/menu")
def menu(
    request: Request, person: PagePerson, database: DatabaseDep, q: Annotated[str, Query(max_length=SEARCH_LIMIT)] = ""
) -> Response:
    with database.read() as session:
        catalog = snapshot.load(session)
    context = {"groups": menu_groups(catalog, person, locale_for(request), q.strip()), "q": q.strip()}
    return render(request, "menu/menu.html", context, block="results" if is_htmx(request) else None)


# --- the order form ------------------------------------------------------------------------------
def _orderable(catalog: Catalog, code: str) -> Service:
    service = request_service.orderable_service(catalog, code)
    if service is None:
        raise NotFound("No service {code}.", {"code": code})
    return service


def _buildings(catalog: Catalog) -> list[Building]:
    return sorted((b for b in catalog.buildings.values() if b.active), key=lambda b: (b.position, b.id))


def floor_choices(catalog: Catalog, building_code: str, locale: str) -> tuple[list, list]:
    """(floors of the chosen building, or [] ; every building's floors as groups) — without
    script the person may change the building after the page loaded, so then all are offered."""
    building = catalog.building(building_code) if building_code else None
    if building is not None:
        return list(building.floors), []
    return [], [(localized(b.name, locale), list(b.floors)) for b in _buildings(catalog)]


def _order_context(catalog: Catalog, person: Person, service: Service, locale: str, values: dict, **extra) -> dict:
    building_code = values.get("building_code", "")
    floors, floor_groups = floor_choices(catalog, building_code, locale)
    shown = set(PLACE_AND_CONTACT) | {f"answers.{f.code}" for f in service.fields}
    errors = extra.get("errors", {})
    return {
        "service": service_card(catalog, service, locale),
        "fields": service.fields,
        "buildings": [(b.code, localized(b.name, locale)) for b in _buildings(catalog)],
        "floors": floors,
        "floor_groups": floor_groups,
        "values": values,
        "errors": errors,
        "other_errors": [message for key, message in errors.items() if key not in shown],
        "idempotency_key": extra.get("idempotency_key") or uuid.uuid4().hex,
        "had_files": extra.get("had_files", False),
        "max_upload_mb": get_settings().max_upload_bytes // (1024 * 1024),
        "max_request_upload_mb": get_settings().max_request_upload_bytes // (1024 * 1024),
        "max_upload_bytes": get_settings().max_upload_bytes,
        "max_request_upload_bytes": get_settings().max_request_upload_bytes,
        "duplicate": extra.get("duplicate"),
    }


@router.get("/places/floors")
def floors(
    request: Request, person: PagePerson, database: DatabaseDep,
    building_code: Annotated[str, Query(max_length=40)] = "", floor: Annotated[str, Query(max_length=20)] = "",
) -> Response:
    """The floor picker for the chosen building (htmx swaps it in when the building changes)."""
    with database.read() as session:
        catalog = snapshot.load(session)
    choices, groups = floor_choices(catalog, building_code, locale_for(request))
    context = {"floors": choices, "floor_groups": groups, "values": {"floor": floor}, "errors": {}}
    return render(request, "menu/order.html", context, block="floor_field")


@router.get("/menu/{code}")
def order_form(request: Request, code: Annotated[str, Path(max_length=60)], person: PagePerson, database: DatabaseDep) -> Response:
    with database.read() as session:
        catalog = snapshot.load(session)
    service = _orderable(catalog, code)
    if service.code in SERVICE_PAGES:
        return RedirectResponse(SERVICE_PAGES[service.code], status_code=303)
    refusal = policy.order_refusal(person, service)
    if refusal is not None:
        # The service's page with the reason and the way on, not a bare 403 (the POST still
        # refuses with 403: require_can_order in the submission).
        card = service_card(catalog, service, locale_for(request))
        return render(request, "menu/not_orderable.html", {"service": card, "refusal": refusal})
    values: dict = {}
    context = _order_context(catalog, person, service, locale_for(request), values)
    return render(request, "menu/order.html", context)


def _submit_input(service: Service, form: FormData) -> tuple[request_service.SubmitInput, dict]:
    """The service's input, and the values to show again if it is refused."""
    answers: dict[str, Any] = {}
    for field in service.fields:
        name = f"answers.{field.code}"
        if field.type == FieldType.file:
            continue
        if field.type == FieldType.multiple_choice:
            answers[field.code] = [v for v in form.getlist(name) if isinstance(v, str)]
        else:
            answers[field.code] = text(form, name, 6000)
    data = request_service.SubmitInput(
        service_code=service.code,
        description=text(form, "description", 5000),
        contact_phone=text(form, "contact_phone", 40).strip(),
        building_code=text(form, "building_code", 40).strip() or None,
        floor=text(form, "floor", 20).strip(),
        room=text(form, "room", 60),
        answers=answers,
    )
    values = {
        "description": data.description, "contact_phone": data.contact_phone, "building_code": data.building_code or "",
        "floor": data.floor, "room": data.room, **{f"answers.{k}": v for k, v in answers.items()},
    }
    return data, values


# An identical request from the same person within this time is most likely filed twice
# (Back, then submit: the form comes back with a fresh idempotency key).
DUPLICATE_WINDOW = timedelta(minutes=10)


SUBMIT_PATH = "/menu/{code}"


@router.post(SUBMIT_PATH)
# The busiest write of the pages checks who asks inside its own write transaction, as the
# API's submission does: a read transaction and a thread hop fewer (server.http.session).
@resolved_in_its_unit_of_work("POST", SUBMIT_PATH)
def submit_order(
    request: Request, code: Annotated[str, Path(max_length=60)], database: DatabaseDep, form: FormDep
) -> Response:
    person: Person | None = None

    def asker() -> Person:
        """Who asks, for an answer given before the write has checked them: in a read of its
        own, refused exactly as in the write (and so before anything else is said)."""
        nonlocal person
        if person is None:
            with database.read() as session:
                person = page_person_in(request, session)
        return person

    # The catalogue this process holds says which fields to read: a read of its own here
    # would cost a transaction per submission. The write below validates against the current
    # catalogue; only a service the held copy does not know (yet) is looked up first.
    catalog = snapshot.held(database.cache)
    if catalog is None or request_service.orderable_service(catalog, code) is None:
        with database.read() as session:
            catalog = snapshot.load(session)
    try:
        # Whether this person may order it is the submission's to check (once, in the policy).
        service = _orderable(catalog, code)
        key = text(form, "idempotency_key", 200).strip() or None
    except LianxinError:
        asker()
        raise
    try:
        data, values = _submit_input(service, form)
    except InvalidInput as exc:
        # Longer than any field allows: the form again, with the error at the field.
        asker()
        typed: dict = formdata_values(form)
        typed.update({  # as _submit_input keeps them: a multiple choice is a list
            f"answers.{f.code}": [v for v in form.getlist(f"answers.{f.code}") if isinstance(v, str)]
            for f in service.fields if f.type == FieldType.multiple_choice
        })
        context = _order_context(catalog, person, service, locale_for(request), typed, errors=exc.errors,
                                 idempotency_key=key, had_files=chose_files(form))
        return render(request, "menu/order.html", context, status_code=422)
    inputs: dict[str, str | None] = {f"answers.{f.code}": f.code for f in service.fields if f.type == FieldType.file}
    inputs["attachments"] = None
    if chose_files(form):
        # Files are stored (on disk, or sent to the object store) before the write: who asks,
        # their CSRF token and the password guard are checked first, or anyone could make the
        # server store files with a made-up cookie. The write checks them again.
        asker()
    try:
        with staging(request.app.state.settings) as staged:
            refused = receive_files(staged, form, inputs)
            with database.write() as session:
                person = page_person_in(request, session)
                result = attachment_service.submit_with_files(
                    session, person, data, staged, refused=refused, idempotency_key=key,
                    refuse_duplicate_within=None if form.get("file_anyway") else DUPLICATE_WINDOW,
                )
                number = result.request.number
    except request_service.DuplicateSubmission as exc:
        # Back and submit again: say so, link the first one, and offer to file it anyway.
        context = _order_context(catalog, asker(), service, locale_for(request), values, idempotency_key=key,
                                 had_files=chose_files(form), duplicate=exc)
        return render(request, "menu/order.html", context, status_code=409)
    except InvalidInput as exc:
        context = _order_context(
            catalog, asker(), service, locale_for(request), values, errors=exc.errors or {"form": exc.message},
            # A key already spent on another body would refuse every retry: start afresh.
            idempotency_key=None if "Idempotency-Key" in exc.errors else key, had_files=chose_files(form),
        )
        return render(request, "menu/order.html", context, status_code=422)
    return RedirectResponse(f"/requests/{number}?submitted=1", status_code=303)
