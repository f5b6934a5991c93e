"""The editor of a service's own form fields: list, add, edit, reorder, remove. Old requests
are unaffected: they keep the fields they were filed under in their answers' snapshot."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import RedirectResponse, Response

from server.admin.common import AdminPerson, render_admin
from server.catalog import repository as repo
from server.catalog import service as svc
from server.catalog.pages import forms
from server.errors import InvalidInput
from server.models import ServiceField
from server.web.deps import DatabaseDep
from server.web.formdata import FormDep, values
from server.web.render import is_htmx

router = APIRouter()

SECTION = "/admin/catalog"


def _fields_url(service_id: int) -> str:
    return f"/admin/catalog/services/{service_id}/fields"


def _fields_page(request: Request, database, service_id: int, *, values: dict | None = None,
                 errors: dict | None = None, status_code: int = 200, block: str | None = None) -> Response:
    with database.read() as session:
        service = svc.get_service(session, service_id)
        fields = repo.field_siblings(session, service_id)
    context = {
        "service": service,
        "fields": fields,
        "values": values if values is not None else {"type": "text"},
        "errors": errors or {},
        "type_labels": forms.FIELD_TYPE_LABELS,
    }
    return render_admin(request, "admin/catalog_fields.html", context, section=SECTION, status_code=status_code, block=block)


@router.get("/admin/catalog/services/{service_id:id}/fields")
def fields_page(request: Request, service_id: int, person: AdminPerson, database: DatabaseDep) -> Response:
    return _fields_page(request, database, service_id)


@router.post("/admin/catalog/services/{service_id:id}/fields")
def add_field(request: Request, service_id: int, person: AdminPerson, database: DatabaseDep, form: FormDep) -> Response:
    try:
        with database.write() as session:
            svc.add_field(session, person, service_id, forms.field_input(form))
    except InvalidInput as exc:
        return _fields_page(request, database, service_id, values=values(form), errors=exc.errors, status_code=422)
    return RedirectResponse(_fields_url(service_id), status_code=303)


def _field_form(request: Request, database, row: ServiceField, *, values: dict, errors: dict | None = None,
                status_code: int = 200) -> Response:
    with database.read() as session:
        service = svc.get_service(session, row.service_id)
    context = {"service": service, "field": row, "values": values, "errors": errors or {},
               "type_labels": forms.FIELD_TYPE_LABELS}
    return render_admin(request, "admin/catalog_field_form.html", context, section=SECTION, status_code=status_code)


@router.get("/admin/catalog/fields/{field_id:id}")
def edit_field(request: Request, field_id: int, person: AdminPerson, database: DatabaseDep) -> Response:
    with database.read() as session:
        row = svc.get_field(session, field_id)
    return _field_form(request, database, row, values=forms.field_values(row))


@router.post("/admin/catalog/fields/{field_id:id}")
def update_field(request: Request, field_id: int, person: AdminPerson, database: DatabaseDep, form: FormDep) -> Response:
    try:
        with database.write() as session:
            service_id = svc.update_field(session, person, field_id, forms.field_input(form)).service_id
    except InvalidInput as exc:
        with database.read() as session:
            row = svc.get_field(session, field_id)
        return _field_form(request, database, row, values=values(form), errors=exc.errors, status_code=422)
    return RedirectResponse(_fields_url(service_id), status_code=303)


@router.post("/admin/catalog/fields/{field_id:id}/move")
def move_field(request: Request, field_id: int, person: AdminPerson, database: DatabaseDep, form: FormDep) -> Response:
    direction = "up" if form.get("direction") == "up" else "down"
    with database.write() as session:
        service_id = svc.move_field(session, person, field_id, direction).service_id
    if is_htmx(request):
        return _fields_page(request, database, service_id, block="field_list")
    return RedirectResponse(_fields_url(service_id), status_code=303)


@router.post("/admin/catalog/fields/{field_id:id}/delete")
def remove_field(request: Request, field_id: int, person: AdminPerson, database: DatabaseDep) -> Response:
    with database.write() as session:
        service_id = svc.get_field(session, field_id).service_id
        svc.remove_field(session, person, field_id)
    if is_htmx(request):
        return _fields_page(request, database, service_id, block="field_list")
    return RedirectResponse(_fields_url(service_id), status_code=303)
