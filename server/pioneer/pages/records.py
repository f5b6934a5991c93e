"""The centre's forms for the pioneer index's records — volunteer hours, contribution points
(awarded or deducted, a reason required) and attendance recorded by hand (an activity's name,
kind and date, the party members who came, and who spoke) — and each record's own page, which
the member's score links to, with withdrawing a record entered by mistake. Plain forms: they
work without JavaScript; the service checks every field and who may do it."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.datastructures import FormData
from starlette.responses import RedirectResponse, Response

from server.errors import InvalidInput
from server.pioneer import access
from server.pioneer import service as pioneer
from server.pioneer.labels import KIND_LABELS
from server.pioneer.presenters import points_text
from server.web.deps import DatabaseDep, PagePerson
from server.web.formdata import FormDep, optional_id, text, values, whole_number
from server.web.render import render

router = APIRouter()
TEMPLATES = {"hours": "pioneer/hours_form.html", "points": "pioneer/points_form.html",
             "attendance": "pioneer/attendance_form.html"}


def _guard(person, kind: str) -> None:
    pioneer.require_award(person) if kind == "points" else pioneer.require_centre(person)


def _form_page(request: Request, database, person, kind: str, given: dict, errors: dict | None = None,
               status_code: int = 200) -> Response:
    with database.read() as session:
        members = pioneer.members_to_pick(session)
    context = {"values": given, "errors": errors or {}, "members": members, "kind_labels": KIND_LABELS,
               "today": pioneer.today().isoformat(), "can_award": access.can_award(person),
               "attendees": {str(v) for v in given.get("attendee_ids", [])}}
    return render(request, TEMPLATES[kind], context, status_code=status_code)


def _input(kind: str, form: FormData):
    if kind == "hours":
        return pioneer.HoursInput(optional_id(form, "person_id"), text(form, "day", 10), text(form, "hours", 10),
                                  text(form, "what", 200))
    if kind == "points":
        return pioneer.PointsInput(optional_id(form, "person_id"), text(form, "day", 10), text(form, "points", 10),
                                   text(form, "reason", 300))
    picked = (whole_number(v) for v in form.getlist("attendee_ids") if isinstance(v, str))
    attendee_ids = [i for i in picked if i is not None]
    return pioneer.AttendanceInput(text(form, "name", 200), text(form, "kind", 20), text(form, "day", 10),
                                   attendee_ids, optional_id(form, "speaker_id"), text(form, "speaker_rating", 10))


def _new(kind: str):
    def show(request: Request, person: PagePerson, database: DatabaseDep, person_id: str = "") -> Response:
        _guard(person, kind)
        return _form_page(request, database, person, kind, {"day": pioneer.today().isoformat(), "person_id": person_id})

    def create(request: Request, person: PagePerson, database: DatabaseDep, form: FormDep) -> Response:
        _guard(person, kind)
        write = {"hours": pioneer.record_hours, "points": pioneer.award_points,
                 "attendance": pioneer.record_attendance}[kind]
        try:
            data = _input(kind, form)
            with database.write() as session:
                row = write(session, person, data)
                record_id = row.id
        except InvalidInput as exc:
            given = values(form)
            given["attendee_ids"] = form.getlist("attendee_ids")
            return _form_page(request, database, person, kind, given, exc.errors, status_code=422)
        return RedirectResponse(f"/pioneer/{kind}/{record_id}?saved=1", status_code=303)

    return show, create


for _kind in TEMPLATES:
    _show, _create = _new(_kind)
    router.add_api_route(f"/pioneer/{_kind}/new", _show, methods=["GET"])
    router.add_api_route(f"/pioneer/{_kind}/new", _create, methods=["POST"])


def _record_page(request: Request, database, person, kind: str, record_id: int, *, saved: bool = False,
                 errors: dict | None = None, failure: str | None = None, status_code: int = 200) -> Response:
    with database.read() as session:
        view = pioneer.record(session, person, kind, record_id)
    may_withdraw = access.can_award(person) if kind == "points" else access.is_centre(person)
    context = {"kind": kind, "view": view, "row": view.row, "people": view.people, "saved": saved,
               "kind_labels": KIND_LABELS, "points_text": points_text, "may_withdraw": may_withdraw,
               "errors": errors or {}, "failure": failure, "is_centre": access.is_centre(person)}
    return render(request, "pioneer/record.html", context, status_code=status_code)


def _detail(kind: str):
    def show(request: Request, person: PagePerson, database: DatabaseDep, record_id: int, saved: bool = False):
        return _record_page(request, database, person, kind, record_id, saved=saved)

    def withdraw(request: Request, person: PagePerson, database: DatabaseDep, record_id: int, form: FormDep):
        try:
            reason = text(form, "reason", 300)
            with database.write() as session:
                pioneer.withdraw(session, person, kind, record_id, reason)
        except InvalidInput as exc:
            return _record_page(request, database, person, kind, record_id, errors=exc.errors, status_code=422)
        return RedirectResponse("/pioneer/ranking?withdrawn=1", status_code=303)

    return show, withdraw


for _kind in TEMPLATES:
    _show, _withdraw = _detail(_kind)
    router.add_api_route(f"/pioneer/{_kind}/{{record_id:id}}", _show, methods=["GET"])
    router.add_api_route(f"/pioneer/{_kind}/{{record_id:id}}/withdraw", _withdraw, methods=["POST"])
