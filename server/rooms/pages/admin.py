"""/admin/rooms: the rooms lent by the centre — list, create, edit, retire — audited."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.datastructures import FormData
from starlette.responses import RedirectResponse

from server.admin.common import SAVED, AdminPerson, render_admin
from server.buildings import repository as building_repo
from server.errors import InvalidInput
from server.i18n_text import localized
from server.rooms import presenters, rules
from server.rooms import repository as repo
from server.rooms import service as room_service
from server.web.deps import DatabaseDep
from server.web.formdata import FormDep, checked, optional_id, text, texts, values, whole_number
from server.web.i18n import locale_for

router = APIRouter()
SECTION = "/admin/rooms"


def _input(form: FormData) -> room_service.RoomInput:
    return room_service.RoomInput(
        name=texts(form, "name", 200), building_id=optional_id(form, "building_id"), floor=text(form, "floor", 20),
        capacity=whole_number(text(form, "capacity", 6), max_digits=6),
        equipment=room_service.parse_equipment(text(form, "equipment", 1000)),
        hours={day: text(form, f"hours.{day}", 100) for day in rules.WEEKDAYS},
        keeps_office_hours=checked(form, "keeps_office_hours"), needs_approval=checked(form, "needs_approval"),
        active=checked(form, "active"), position=whole_number(text(form, "position"), signed=True) or 0,
    )


def _form_values(room) -> dict:
    if room is None:
        weekday = "09:00-12:00,13:30-18:00"
        return {"active": "1", "keeps_office_hours": "1", **{f"hours.{d}": weekday for d in rules.WEEKDAYS[:5]}}
    result = {"building_id": str(room.building_id), "floor": room.floor, "capacity": str(room.capacity),
              "equipment": ", ".join(room.equipment), "position": str(room.position),
              "active": "1" if room.active else "", "keeps_office_hours": "1" if room.keeps_office_hours else "",
              "needs_approval": "1" if room.needs_approval else ""}
    result.update({f"name.{k}": v for k, v in room.name.items()})
    result.update({f"hours.{d}": t for d, t in rules.opening_hours_text(room.opening_hours).items()})
    return result


def _page(request, session, room, form_values, *, errors=None, notice=None, status_code=200):
    locale = locale_for(request)
    options = [(b.id, localized(b.name, locale)) for b in building_repo.buildings(session)
               if b.active or (room is not None and b.id == room.building_id)]
    context = {"room": room, "values": form_values, "errors": errors or {}, "notice": notice, "failure": None,
               "building_options": options, "weekdays": rules.WEEKDAYS, "weekday_labels": rules.WEEKDAY_LABELS}
    return render_admin(request, "rooms/admin_form.html", context, section=SECTION, status_code=status_code)


@router.get("/admin/rooms")
def room_list(request: Request, person: AdminPerson, database: DatabaseDep):
    with database.read() as session:
        rooms = repo.rooms(session)
        buildings = presenters.buildings_of(session, rooms)
    return render_admin(request, "rooms/admin_list.html", {"rooms": rooms, "buildings": buildings}, section=SECTION)


@router.get("/admin/rooms/new")
def new_room(request: Request, person: AdminPerson, database: DatabaseDep):
    with database.read() as session:
        return _page(request, session, None, _form_values(None))


@router.post("/admin/rooms/new")
def create_room(request: Request, person: AdminPerson, database: DatabaseDep, form: FormDep):
    try:
        with database.write() as session:
            room = room_service.create_room(session, person, _input(form))
    except InvalidInput as exc:
        with database.read() as session:
            return _page(request, session, None, values(form), errors=exc.errors, status_code=422)
    return RedirectResponse(f"/admin/rooms/{room.id}?saved=1", status_code=303)


@router.get("/admin/rooms/{room_id:id}")
def edit_room(request: Request, person: AdminPerson, database: DatabaseDep, room_id: int, saved: bool = False):
    with database.read() as session:
        room = room_service.get_room(session, room_id)
        return _page(request, session, room, _form_values(room), notice=SAVED if saved else None)


@router.post("/admin/rooms/{room_id:id}")
def update_room(request: Request, person: AdminPerson, database: DatabaseDep, room_id: int, form: FormDep):
    try:
        with database.write() as session:
            room_service.update_room(session, person, room_service.get_room(session, room_id), _input(form))
    except InvalidInput as exc:
        with database.read() as session:
            room = room_service.get_room(session, room_id)
            return _page(request, session, room, values(form), errors=exc.errors, status_code=422)
    return RedirectResponse(f"/admin/rooms/{room_id}?saved=1", status_code=303)


@router.post("/admin/rooms/{room_id:id}/active")
def set_room_active(request: Request, person: AdminPerson, database: DatabaseDep, room_id: int, form: FormDep):
    with database.write() as session:
        room_service.set_room_active(session, person, room_service.get_room(session, room_id), checked(form, "active"))
    return RedirectResponse(f"/admin/rooms/{room_id}?saved=1", status_code=303)
