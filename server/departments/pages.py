"""/admin/departments: the list, the create and edit forms (with the people in a department
and who leads it), activation and deletion."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.datastructures import FormData
from starlette.responses import RedirectResponse

from server.admin.common import SAVED, AdminPerson, problem, render_admin
from server.departments import repository as repo
from server.departments import service as department_service
from server.departments.labels import KIND_LABELS, MODE_LABELS
from server.enums import Role
from server.errors import Conflict, InvalidInput
from server.web.deps import DatabaseDep
from server.web.formdata import FormDep, checked, optional_id, text, texts, values, whole_number

router = APIRouter()
SECTION = "/admin/departments"


def _input(form: FormData) -> department_service.DepartmentInput:
    position = text(form, "position")
    return department_service.DepartmentInput(
        code=text(form, "code", 40), name=texts(form, "name", 200), kind=text(form, "kind"),
        assignment_mode=text(form, "assignment_mode"), workday_periods=text(form, "workday_periods", 100),
        active=checked(form, "active"), lead_id=optional_id(form, "lead_id"),
        position=whole_number(position, signed=True) or 0,
    )


def _form_values(department) -> dict:
    if department is None:
        return {"active": "1", "assignment_mode": "open_queue", "kind": "government"}
    result = {"code": department.code, "kind": department.kind, "assignment_mode": department.assignment_mode,
              "workday_periods": department.workday_periods or "", "active": "1" if department.active else "",
              "position": str(department.position)}
    result.update({f"name.{k}": v for k, v in department.name.items()})
    return result


def _page(request, session, department, form_values, *, errors=None, notice=None, failure=None, status_code=200):
    people = repo.people_in_department(session, department.id) if department else []
    lead = next((p for p in people if p.active and Role.lead in p.roles), None)
    context = {"department": department, "values": form_values, "errors": errors or {}, "notice": notice,
               "failure": failure,
               "people": people, "lead": lead, "kind_labels": KIND_LABELS, "mode_labels": MODE_LABELS,
               "settings": request.app.state.settings}
    return render_admin(request, "admin/department_form.html", context, section=SECTION, status_code=status_code)


@router.get("/admin/departments")
def department_list(request: Request, person: AdminPerson, database: DatabaseDep):
    with database.read() as session:
        context = {"departments": repo.departments(session), "head_counts": repo.department_head_counts(session),
                   "kind_labels": KIND_LABELS, "mode_labels": MODE_LABELS}
        return render_admin(request, "admin/department_list.html", context, section=SECTION)


@router.get("/admin/departments/new")
def new_department(request: Request, person: AdminPerson, database: DatabaseDep):
    with database.read() as session:
        return _page(request, session, None, _form_values(None))


@router.post("/admin/departments/new")
def create_department(request: Request, person: AdminPerson, database: DatabaseDep, form: FormDep):
    try:
        with database.write() as session:
            department = department_service.create(session, person, _input(form))
    except InvalidInput as exc:
        with database.read() as session:
            return _page(request, session, None, values(form), errors=exc.errors, status_code=422)
    return RedirectResponse(f"/admin/departments/{department.id}?saved=1", status_code=303)


@router.get("/admin/departments/{department_id:id}")
def edit_department(request: Request, person: AdminPerson, database: DatabaseDep, department_id: int,
                    saved: bool = False):
    with database.read() as session:
        department = department_service.get(session, department_id)
        return _page(request, session, department, _form_values(department), notice=SAVED if saved else None)


@router.post("/admin/departments/{department_id:id}")
def update_department(request: Request, person: AdminPerson, database: DatabaseDep, department_id: int, form: FormDep):
    try:
        with database.write() as session:
            department = department_service.get(session, department_id)
            department_service.update(session, person, department, _input(form))
    except InvalidInput as exc:
        with database.read() as session:
            department = department_service.get(session, department_id)
            return _page(request, session, department, values(form), errors=exc.errors, status_code=422)
    return RedirectResponse(f"/admin/departments/{department_id}?saved=1", status_code=303)


@router.post("/admin/departments/{department_id:id}/active")
def set_department_active(request: Request, person: AdminPerson, database: DatabaseDep, department_id: int,
                          form: FormDep):
    with database.write() as session:
        department = department_service.get(session, department_id)
        department_service.set_active(session, person, department, checked(form, "active"))
    return RedirectResponse(f"/admin/departments/{department_id}?saved=1", status_code=303)


@router.post("/admin/departments/{department_id:id}/delete")
def delete_department(request: Request, person: AdminPerson, database: DatabaseDep, department_id: int):
    try:
        with database.write() as session:
            department_service.delete(session, person, department_service.get(session, department_id))
    except Conflict as exc:
        with database.read() as session:
            department = department_service.get(session, department_id)
            return _page(request, session, department, _form_values(department), failure=problem(exc), status_code=409)
    return RedirectResponse("/admin/departments", status_code=303)
