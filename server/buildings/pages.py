"""/admin/buildings: the list, create and edit forms with the floors, retiring and deleting."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.datastructures import FormData
from starlette.responses import RedirectResponse

from server.admin.common import SAVED, AdminPerson, problem, render_admin
from server.buildings import repository as repo
from server.buildings import service as building_service
from server.errors import Conflict, InvalidInput
from server.web.deps import DatabaseDep
from server.web.formdata import FormDep, checked, text, texts, values, whole_number

router = APIRouter()
SECTION = "/admin/buildings"


def _input(form: FormData) -> building_service.BuildingInput:
    position = text(form, "position")
    return building_service.BuildingInput(
        code=text(form, "code", 40), name=texts(form, "name", 200), address=text(form, "address", 300),
        floors=building_service.parse_floors(text(form, "floors", 2000)), active=checked(form, "active"),
        position=whole_number(position, signed=True) or 0,
    )


def _form_values(building) -> dict:
    if building is None:
        return {"active": "1"}
    result = {"code": building.code, "address": building.address, "floors": ", ".join(building.floors),
              "active": "1" if building.active else "", "position": str(building.position)}
    result.update({f"name.{k}": v for k, v in building.name.items()})
    return result


def _page(request, building, form_values, *, errors=None, notice=None, failure=None, status_code=200):
    context = {"building": building, "values": form_values, "errors": errors or {}, "notice": notice,
               "failure": failure}
    return render_admin(request, "admin/building_form.html", context, section=SECTION, status_code=status_code)


@router.get("/admin/buildings")
def building_list(request: Request, person: AdminPerson, database: DatabaseDep):
    with database.read() as session:
        return render_admin(request, "admin/building_list.html", {"buildings": repo.buildings(session)},
                            section=SECTION)


@router.get("/admin/buildings/new")
def new_building(request: Request, person: AdminPerson):
    return _page(request, None, _form_values(None))


@router.post("/admin/buildings/new")
def create_building(request: Request, person: AdminPerson, database: DatabaseDep, form: FormDep):
    try:
        with database.write() as session:
            building = building_service.create(session, person, _input(form))
    except InvalidInput as exc:
        return _page(request, None, values(form), errors=exc.errors, status_code=422)
    return RedirectResponse(f"/admin/buildings/{building.id}?saved=1", status_code=303)


@router.get("/admin/buildings/{building_id:id}")
def edit_building(request: Request, person: AdminPerson, database: DatabaseDep, building_id: int, saved: bool = False):
    with database.read() as session:
        building = building_service.get(session, building_id)
    return _page(request, building, _form_values(building), notice=SAVED if saved else None)


@router.post("/admin/buildings/{building_id:id}")
def update_building(request: Request, person: AdminPerson, database: DatabaseDep, building_id: int, form: FormDep):
    try:
        with database.write() as session:
            building_service.update(session, person, building_service.get(session, building_id), _input(form))
    except InvalidInput as exc:
        with database.read() as session:
            building = building_service.get(session, building_id)
        return _page(request, building, values(form), errors=exc.errors, status_code=422)
    return RedirectResponse(f"/admin/buildings/{building_id}?saved=1", status_code=303)


@router.post("/admin/buildings/{building_id:id}/active")
def set_building_active(request: Request, person: AdminPerson, database: DatabaseDep, building_id: int,
                        form: FormDep):
    with database.write() as session:
        building_service.set_active(session, person, building_service.get(session, building_id),
                                    checked(form, "active"))
    return RedirectResponse(f"/admin/buildings/{building_id}?saved=1", status_code=303)


@router.post("/admin/buildings/{building_id:id}/delete")
def delete_building(request: Request, person: AdminPerson, database: DatabaseDep, building_id: int):
    try:
        with database.write() as session:
            building_service.delete(session, person, building_service.get(session, building_id))
    except Conflict as exc:
        with database.read() as session:
            building = building_service.get(session, building_id)
        return _page(request, building, _form_values(building), failure=problem(exc), status_code=409)
    return RedirectResponse("/admin/buildings", status_code=303)
