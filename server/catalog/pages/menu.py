"""Pages of the service menu administration: the list of categories and services, their
forms, reorder, retire and delete. Each view parses the form, calls one function of
server/catalog/service.py in one write transaction, and renders.

Reorder and retire answer htmx with the list block alone; without script the same forms
post normally and are redirected back (303)."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter, Request
from starlette.responses import RedirectResponse, Response

from server.admin.common import AdminPerson, render_admin
from server.catalog import repository as repo
from server.catalog import service as svc
from server.catalog.pages import forms
from server.errors import InvalidInput, LianxinError, Msg
from server.i18n_text import LOCALES, localized, missing_locales
from server.models import Category, Department, Service
from server.web.deps import DatabaseDep
from server.web.formdata import FormDep, values
from server.web.i18n import locale_for
from server.web.labels import AUDIENCE_LABELS
from server.web.render import is_htmx

router = APIRouter()

SECTION = "/admin/catalog"
LIST = "/admin/catalog"


@dataclass(frozen=True)
class CategoryRow:
    category: Category
    missing: list[str]
    services: list[ServiceRow]


@dataclass(frozen=True)
class ServiceRow:
    service: Service
    missing: list[str]
    department: Department | None


def _menu(database) -> dict:
    with database.read() as session:
        categories, services, departments = repo.categories(session), repo.services(session), repo.departments(session)
    by_department = {d.id: d for d in departments}
    rows = [
        CategoryRow(
            c,
            _missing(c.name, c.description),
            [
                ServiceRow(s, _missing(s.name, s.description), by_department.get(s.department_id))
                for s in services if s.category_id == c.id
            ],
        )
        for c in categories
    ]
    return {"rows": rows, "audience_labels": AUDIENCE_LABELS}


def _missing(*texts: dict | None) -> list[str]:
    """The languages that fall back to Simplified Chinese in any of ``texts`` (empty ones
    are not translations that are missing)."""
    gaps = {loc for t in texts if t for loc in missing_locales(t)}
    return [loc for loc in LOCALES if loc in gaps]


def _alert(exc: LianxinError) -> Msg:
    return Msg(exc.message, **exc.params)


def _list_response(request: Request, database, *, alert: Msg | None = None, status_code: int = 200) -> Response:
    context = {**_menu(database), "alert": alert}
    block = "catalog_list" if is_htmx(request) else None
    return render_admin(request, "admin/catalog_list.html", context, section=SECTION, block=block, status_code=status_code)


def _back(request: Request, fallback: str) -> str:
    # Only our own admin pages: never an open redirect.
    target = request.query_params.get("back") or fallback
    return target if target.startswith("/admin/catalog") and "//" not in target else fallback


def _after_list_action(request: Request, database, work) -> Response:
    """Run a list action (reorder, retire): htmx gets the list block, a plain form a redirect."""
    try:
        with database.write() as session:
            work(session)
    except LianxinError as exc:
        if not is_htmx(request):
            raise
        return _list_response(request, database, alert=_alert(exc), status_code=exc.status_code)
    if is_htmx(request):
        return _list_response(request, database)
    return RedirectResponse(_back(request, LIST), status_code=303)


@router.get("/admin/catalog")
def catalog_list(request: Request, person: AdminPerson, database: DatabaseDep) -> Response:
    return _list_response(request, database)


# --- categories ----------------------------------------------------------------------------------
def _category_form(request: Request, *, category: Category | None, values: dict, errors: dict | None = None,
                   alert: Msg | None = None, status_code: int = 200) -> Response:
    context = {"category": category, "values": values, "errors": errors or {}, "alert": alert}
    return render_admin(request, "admin/catalog_category_form.html", context, section=SECTION, status_code=status_code)


@router.get("/admin/catalog/categories/new")
def new_category(request: Request, person: AdminPerson) -> Response:
    return _category_form(request, category=None, values={})


@router.post("/admin/catalog/categories")
def create_category(request: Request, person: AdminPerson, database: DatabaseDep, form: FormDep) -> Response:
    try:
        with database.write() as session:
            svc.create_category(session, person, forms.category_input(form))
    except InvalidInput as exc:
        return _category_form(request, category=None, values=values(form), errors=exc.errors, status_code=422)
    return RedirectResponse(LIST, status_code=303)


@router.get("/admin/catalog/categories/{category_id:id}")
def edit_category(request: Request, category_id: int, person: AdminPerson, database: DatabaseDep) -> Response:
    with database.read() as session:
        category = svc.get_category(session, category_id)
    return _category_form(request, category=category, values=forms.category_values(category))


@router.post("/admin/catalog/categories/{category_id:id}")
def update_category(request: Request, category_id: int, person: AdminPerson, database: DatabaseDep,
                    form: FormDep) -> Response:
    try:
        with database.write() as session:
            svc.update_category(session, person, category_id, forms.category_input(form))
    except InvalidInput as exc:
        with database.read() as session:
            category = svc.get_category(session, category_id)
        return _category_form(request, category=category, values=values(form), errors=exc.errors, status_code=422)
    return RedirectResponse(LIST, status_code=303)


@router.post("/admin/catalog/categories/{category_id:id}/move")
def move_category(request: Request, category_id: int, person: AdminPerson, database: DatabaseDep,
                  form: FormDep) -> Response:
    direction = "up" if form.get("direction") == "up" else "down"
    return _after_list_action(request, database, lambda s: svc.move_category(s, person, category_id, direction))


@router.post("/admin/catalog/categories/{category_id:id}/retire")
def retire_category(request: Request, category_id: int, person: AdminPerson, database: DatabaseDep) -> Response:
    return _after_list_action(request, database, lambda s: svc.retire_category(s, person, category_id))


@router.post("/admin/catalog/categories/{category_id:id}/unretire")
def unretire_category(request: Request, category_id: int, person: AdminPerson, database: DatabaseDep) -> Response:
    return _after_list_action(request, database, lambda s: svc.unretire_category(s, person, category_id))


@router.post("/admin/catalog/categories/{category_id:id}/delete")
def delete_category(request: Request, category_id: int, person: AdminPerson, database: DatabaseDep) -> Response:
    try:
        with database.write() as session:
            svc.delete_category(session, person, category_id)
    except LianxinError as exc:
        if exc.status_code == 404:
            raise
        with database.read() as session:
            category = svc.get_category(session, category_id)
        return _category_form(request, category=category, values=forms.category_values(category),
                              alert=_alert(exc), status_code=exc.status_code)
    return RedirectResponse(LIST, status_code=303)


# --- services ------------------------------------------------------------------------------------
def _service_form(request: Request, database, *, service: Service | None, values: dict, errors: dict | None = None,
                  alert: Msg | None = None, status_code: int = 200) -> Response:
    locale = locale_for(request)
    with database.read() as session:
        categories, departments = repo.categories(session), repo.departments(session)
        field_count = len(repo.field_siblings(session, service.id)) if service else 0
    context = {
        "service": service,
        "values": values,
        "errors": errors or {},
        "alert": alert,
        "category_options": [(c.id, localized(c.name, locale)) for c in categories],
        # Closed departments only when the service still points at one.
        "department_options": [
            (d.id, localized(d.name, locale)) for d in departments if d.active or (service and d.id == service.department_id)
        ],
        "audience_labels": AUDIENCE_LABELS,
        "field_count": field_count,
    }
    return render_admin(request, "admin/catalog_service_form.html", context, section=SECTION, status_code=status_code)


@router.get("/admin/catalog/services/new")
def new_service(request: Request, person: AdminPerson, database: DatabaseDep, category: int | None = None) -> Response:
    return _service_form(request, database, service=None, values=forms.new_service_values(category))


@router.post("/admin/catalog/services")
def create_service(request: Request, person: AdminPerson, database: DatabaseDep, form: FormDep) -> Response:
    try:
        with database.write() as session:
            service_id = svc.create_service(session, person, forms.service_input(form)).id
    except InvalidInput as exc:
        return _service_form(request, database, service=None, values=values(form), errors=exc.errors, status_code=422)
    # Next, most often: its own fields.
    return RedirectResponse(f"/admin/catalog/services/{service_id}/fields", status_code=303)


@router.get("/admin/catalog/services/{service_id:id}")
def edit_service(request: Request, service_id: int, person: AdminPerson, database: DatabaseDep) -> Response:
    with database.read() as session:
        service = svc.get_service(session, service_id)
    return _service_form(request, database, service=service, values=forms.service_values(service))


@router.post("/admin/catalog/services/{service_id:id}")
def update_service(request: Request, service_id: int, person: AdminPerson, database: DatabaseDep,
                   form: FormDep) -> Response:
    try:
        with database.write() as session:
            svc.update_service(session, person, service_id, forms.service_input(form))
    except InvalidInput as exc:
        with database.read() as session:
            service = svc.get_service(session, service_id)
        return _service_form(request, database, service=service, values=values(form), errors=exc.errors,
                             status_code=422)
    return RedirectResponse(LIST, status_code=303)


@router.post("/admin/catalog/services/{service_id:id}/move")
def move_service(request: Request, service_id: int, person: AdminPerson, database: DatabaseDep,
                 form: FormDep) -> Response:
    direction = "up" if form.get("direction") == "up" else "down"
    return _after_list_action(request, database, lambda s: svc.move_service(s, person, service_id, direction))


@router.post("/admin/catalog/services/{service_id:id}/retire")
def retire_service(request: Request, service_id: int, person: AdminPerson, database: DatabaseDep) -> Response:
    return _after_list_action(request, database, lambda s: svc.retire_service(s, person, service_id))


@router.post("/admin/catalog/services/{service_id:id}/unretire")
def unretire_service(request: Request, service_id: int, person: AdminPerson, database: DatabaseDep) -> Response:
    return _after_list_action(request, database, lambda s: svc.unretire_service(s, person, service_id))


@router.post("/admin/catalog/services/{service_id:id}/delete")
def delete_service(request: Request, service_id: int, person: AdminPerson, database: DatabaseDep) -> Response:
    try:
        with database.write() as session:
            svc.delete_service(session, person, service_id)
    except LianxinError as exc:
        if exc.status_code == 404:
            raise
        with database.read() as session:
            service = svc.get_service(session, service_id)
        return _service_form(request, database, service=service, values=forms.service_values(service),
                             alert=_alert(exc), status_code=exc.status_code)
    return RedirectResponse(LIST, status_code=303)
