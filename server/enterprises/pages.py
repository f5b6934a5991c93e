"""/admin/enterprises: a searchable, paged list; create and edit forms with the building and
floor and the enterprise's contacts; retiring and deleting."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from starlette.datastructures import FormData
from starlette.responses import RedirectResponse

from server import queries
from server.admin.common import SAVED, AdminPerson, problem, render_admin
from server.buildings import repository as building_repo
from server.enterprises import repository as repo
from server.enterprises import service as enterprise_service
from server.enums import Role
from server.errors import Conflict, InvalidInput
from server.queries import MAX_PAGE
from server.web.deps import DatabaseDep
from server.web.formdata import FormDep, checked, optional_id, text, values

router = APIRouter()
SECTION = "/admin/enterprises"


def _input(form: FormData) -> enterprise_service.EnterpriseInput:
    return enterprise_service.EnterpriseInput(
        name=text(form, "name", 300), credit_code=text(form, "credit_code", 40),
        building_id=optional_id(form, "building_id"), floor=text(form, "floor", 40), active=checked(form, "active"),
    )


def _form_values(enterprise) -> dict:
    if enterprise is None:
        return {"active": "1"}
    return {"name": enterprise.name, "credit_code": enterprise.credit_code or "",
            "building_id": enterprise.building_id or "", "floor": enterprise.floor,
            "active": "1" if enterprise.active else ""}


def _page(request, session, enterprise, form_values, *, errors=None, notice=None, failure=None, status_code=200):
    people = repo.enterprise_people(session, enterprise.id) if enterprise else []
    context = {"enterprise": enterprise, "values": form_values, "errors": errors or {}, "notice": notice,
               "failure": failure, "buildings": building_repo.buildings(session),
               "contacts": [p for p in people if Role.contact in p.roles], "people_count": len(people)}
    return render_admin(request, "admin/enterprise_form.html", context, section=SECTION, status_code=status_code)


@router.get("/admin/enterprises")
def enterprise_list(request: Request, person: AdminPerson, database: DatabaseDep, q: str = "", page: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 1):
    with database.read() as session:
        rows, total = repo.enterprises_page(session, query=q.strip()[:100], page=page)
        buildings = {b.id: b for b in building_repo.buildings(session)}
    pages = max(1, -(-total // queries.PAGE_SIZE))
    context = {"enterprises": rows, "total": total, "q": q, "page": page, "pages": pages, "buildings": buildings}
    return render_admin(request, "admin/enterprise_list.html", context, section=SECTION)


@router.get("/admin/enterprises/new")
def new_enterprise(request: Request, person: AdminPerson, database: DatabaseDep):
    with database.read() as session:
        return _page(request, session, None, _form_values(None))


@router.post("/admin/enterprises/new")
def create_enterprise(request: Request, person: AdminPerson, database: DatabaseDep, form: FormDep):
    try:
        with database.write() as session:
            enterprise = enterprise_service.create(session, person, _input(form))
    except InvalidInput as exc:
        with database.read() as session:
            return _page(request, session, None, values(form), errors=exc.errors, status_code=422)
    return RedirectResponse(f"/admin/enterprises/{enterprise.id}?saved=1", status_code=303)


@router.get("/admin/enterprises/{enterprise_id:id}")
def edit_enterprise(request: Request, person: AdminPerson, database: DatabaseDep, enterprise_id: int,
                    saved: bool = False):
    with database.read() as session:
        enterprise = enterprise_service.get(session, enterprise_id)
        return _page(request, session, enterprise, _form_values(enterprise), notice=SAVED if saved else None)


@router.post("/admin/enterprises/{enterprise_id:id}")
def update_enterprise(request: Request, person: AdminPerson, database: DatabaseDep, enterprise_id: int,
                      form: FormDep):
    try:
        with database.write() as session:
            enterprise_service.update(session, person, enterprise_service.get(session, enterprise_id), _input(form))
    except InvalidInput as exc:
        with database.read() as session:
            enterprise = enterprise_service.get(session, enterprise_id)
            return _page(request, session, enterprise, values(form), errors=exc.errors, status_code=422)
    return RedirectResponse(f"/admin/enterprises/{enterprise_id}?saved=1", status_code=303)


@router.post("/admin/enterprises/{enterprise_id:id}/active")
def set_enterprise_active(request: Request, person: AdminPerson, database: DatabaseDep, enterprise_id: int,
                          form: FormDep):
    with database.write() as session:
        enterprise_service.set_active(session, person, enterprise_service.get(session, enterprise_id),
                                      checked(form, "active"))
    return RedirectResponse(f"/admin/enterprises/{enterprise_id}?saved=1", status_code=303)


@router.post("/admin/enterprises/{enterprise_id:id}/delete")
def delete_enterprise(request: Request, person: AdminPerson, database: DatabaseDep, enterprise_id: int):
    try:
        with database.write() as session:
            enterprise_service.delete(session, person, enterprise_service.get(session, enterprise_id))
    except Conflict as exc:
        with database.read() as session:
            enterprise = enterprise_service.get(session, enterprise_id)
            return _page(request, session, enterprise, _form_values(enterprise), failure=problem(exc),
                         status_code=409)
    return RedirectResponse("/admin/enterprises", status_code=303)
