"""/admin/people: a filtered, paged list (by role, department, enterprise, or a search); the
create and edit forms with roles as checkboxes; password resets (the temporary password is
shown once, in the response to the reset itself); disabling and enabling accounts."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from starlette.datastructures import FormData
from starlette.responses import RedirectResponse

from server import queries
from server.accounts import people as people_service
from server.accounts import people_repository as people_repo
from server.admin.common import SAVED, AdminPerson, problem, render_admin
from server.departments import repository as department_repo
from server.enterprises import repository as enterprise_repo
from server.enums import Role
from server.errors import Forbidden, InvalidInput
from server.models import Enterprise
from server.queries import MAX_PAGE
from server.web.deps import DatabaseDep
from server.web.formdata import FormDep, checked, optional_id, text, values, whole_number
from server.web.labels import ROLE_ORDER

router = APIRouter()
SECTION = "/admin/people"


def _input(form: FormData) -> people_service.PersonInput:
    return people_service.PersonInput(
        username=text(form, "username", 100), display_name=text(form, "display_name", 200),
        roles={r for r in form.getlist("roles") if isinstance(r, str)}, phone=text(form, "phone", 40),
        email=text(form, "email", 300), enterprise_id=optional_id(form, "enterprise_id"),
        department_id=optional_id(form, "department_id"), is_party_member=checked(form, "is_party_member"),
        party_branch=text(form, "party_branch", 100),
    )


def _form_values(person) -> dict:
    return {"username": person.username, "display_name": person.display_name, "phone": person.phone,
            "email": person.email, "enterprise_id": person.enterprise_id or "",
            "department_id": person.department_id or "", "roles": sorted(person.roles),
            "is_party_member": "1" if person.is_party_member else "", "party_branch": person.party_branch}


def _page(request, session, person, form_values, *, errors=None, notice=None, failure=None, temporary=None,
          status_code=200):
    context = {"subject": person, "values": form_values, "errors": errors or {}, "notice": notice,
               "failure": failure, "temporary": temporary, "roles": ROLE_ORDER,
               "departments": department_repo.departments(session), "enterprises": enterprise_repo.active_enterprises(session)}
    if person is not None and person.enterprise_id is not None and all(
            e.id != person.enterprise_id for e in context["enterprises"]):
        # A retired enterprise stays selectable for the people already in it.
        context["enterprises"] = [session.get(Enterprise, person.enterprise_id), *context["enterprises"]]
    return render_admin(request, "admin/people_form.html", context, section=SECTION, status_code=status_code)


def _int_or_none(value: str) -> int | None:
    return whole_number(value)


@router.get("/admin/people")
def people_list(request: Request, person: AdminPerson, database: DatabaseDep, q: str = "", role: str = "",
                department_id: str = "", enterprise_id: str = "", page: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 1):
    filters = people_repo.PeopleFilter(query=q.strip()[:100], role=Role(role) if role in Role.__members__ else None,
                                department_id=_int_or_none(department_id), enterprise_id=_int_or_none(enterprise_id))
    with database.read() as session:
        rows, total = people_repo.people_page(session, filters, page=page)
        departments = department_repo.departments(session)
        enterprises = queries.names_by_id(session, Enterprise, [p.enterprise_id for p in rows] + [filters.enterprise_id])
    pages = max(1, -(-total // queries.PAGE_SIZE))
    # The filters as typed, for the pager's links: encoded, so "&" or "#" in a search stays text.
    kept = {k: v for k, v in (("q", filters.query), ("role", role), ("department_id", department_id),
                              ("enterprise_id", enterprise_id)) if v}
    query = "&" + urlencode(kept) if kept else ""
    context = {"people": rows, "total": total, "filters": filters, "page": page, "pages": pages, "query": query,
               "roles": ROLE_ORDER, "departments": departments, "department_names": {d.id: d for d in departments},
               "enterprises": enterprises}
    return render_admin(request, "admin/people_list.html", context, section=SECTION)


@router.get("/admin/people/new")
def new_person(request: Request, person: AdminPerson, database: DatabaseDep, department_id: str = "",
               enterprise_id: str = "", roles: str = ""):
    prefill = {"department_id": department_id, "enterprise_id": enterprise_id,
               "roles": [r for r in roles.split(",") if r] or (["staff"] if department_id else ["member"])}
    with database.read() as session:
        return _page(request, session, None, prefill)


@router.post("/admin/people/new")
def create_person(request: Request, person: AdminPerson, database: DatabaseDep, form: FormDep):
    try:
        with database.write() as session:
            created = people_service.create(session, person, _input(form))
    except InvalidInput as exc:
        with database.read() as session:
            return _page(request, session, None, _kept(form), errors=exc.errors, status_code=422)
    return RedirectResponse(f"/admin/people/{created.id}?saved=1", status_code=303)


def _kept(form: FormData) -> dict:
    kept = values(form)
    kept["roles"] = form.getlist("roles")
    return kept


@router.get("/admin/people/{person_id:id}")
def edit_person(request: Request, person: AdminPerson, database: DatabaseDep, person_id: int, saved: bool = False):
    with database.read() as session:
        subject = people_service.get(session, person_id)
        return _page(request, session, subject, _form_values(subject), notice=SAVED if saved else None)


@router.post("/admin/people/{person_id:id}")
def update_person(request: Request, person: AdminPerson, database: DatabaseDep, person_id: int, form: FormDep):
    try:
        with database.write() as session:
            people_service.update(session, person, people_service.get(session, person_id), _input(form))
    except (InvalidInput, Forbidden) as exc:
        errors = exc.errors if isinstance(exc, InvalidInput) else {}
        with database.read() as session:
            subject = people_service.get(session, person_id)
            return _page(request, session, subject, _kept(form), errors=errors, failure=problem(exc),
                         status_code=exc.status_code)
    return RedirectResponse(f"/admin/people/{person_id}?saved=1", status_code=303)


@router.post("/admin/people/{person_id:id}/reset-password")
def reset_password(request: Request, person: AdminPerson, database: DatabaseDep, person_id: int):
    with database.write() as session:
        subject = people_service.get(session, person_id)
        temporary = people_service.reset_password(session, person, subject)
    with database.read() as session:
        subject = people_service.get(session, person_id)
        return _page(request, session, subject, _form_values(subject), temporary=temporary)


@router.post("/admin/people/{person_id:id}/active")
def set_person_active(request: Request, person: AdminPerson, database: DatabaseDep, person_id: int, form: FormDep):
    try:
        with database.write() as session:
            people_service.set_active(session, person, people_service.get(session, person_id), checked(form, "active"))
    except Forbidden as exc:
        with database.read() as session:
            subject = people_service.get(session, person_id)
            return _page(request, session, subject, _form_values(subject), failure=problem(exc), status_code=403)
    return RedirectResponse(f"/admin/people/{person_id}?saved=1", status_code=303)


