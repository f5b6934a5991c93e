"""Clubs 文体联盟: the list, a new club (the centre's staff), a club's page (its lead, members,
activities, and for its lead a "new activity" link), joining and leaving, and the lead's
approval of join requests. Plain forms, 303 back to the club's page."""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, Request
from starlette.responses import RedirectResponse

from server.accounts.people_repository import person_by_username
from server.activities import presenters
from server.activities import repository as activity_repo
from server.activities import rules as activity_rules
from server.clubs import repository as repo
from server.clubs import service as club_service
from server.enums import ClubJoinPolicy
from server.errors import Conflict, Forbidden, InvalidInput, LianxinError, Msg
from server.models import Person, utcnow
from server.web.deps import DatabaseDep, PagePerson
from server.web.formdata import FormDep, text, values
from server.web.i18n import gettext_for, locale_for
from server.web.render import render

router = APIRouter()


@router.get("/clubs")
def club_list(request: Request, person: PagePerson, database: DatabaseDep):
    with database.read() as session:
        rows = repo.clubs(session)
    return render(request, "clubs/list.html", {"rows": rows, "may_create": club_service.may_create(person)})


JOIN_LABELS = {ClubJoinPolicy.open: "Open to join", ClubJoinPolicy.approval: "The lead approves new members"}


def _new_club_form(request, person, form_values: dict, errors: dict | None = None, status_code: int = 200):
    if not club_service.may_create(person):
        raise Forbidden("Only the centre's staff create clubs.")
    gettext = gettext_for(locale_for(request))
    return render(request, "clubs/form.html", {
        "values": form_values, "errors": errors or {},
        "policies": [(p.value, gettext(JOIN_LABELS[p])) for p in ClubJoinPolicy],
    }, status_code=status_code)


@router.get("/clubs/new")
def new_club(request: Request, person: PagePerson):
    return _new_club_form(request, person, {"join_policy": ClubJoinPolicy.open})


@router.post("/clubs/new")
def create_club(request: Request, person: PagePerson, database: DatabaseDep, form: FormDep):
    try:
        username = text(form, "lead", 150)
        with database.write() as session:
            lead = person_by_username(session, username) if username else None
            club = club_service.create(session, person, club_service.ClubInput(
                name=text(form, "name", club_service.NAME_LIMIT), lead_id=lead.id if lead else None,
                description=text(form, "description", club_service.DESCRIPTION_LIMIT),
                join_policy=text(form, "join_policy", 20)))
    except InvalidInput as exc:
        errors = dict(exc.errors)
        if "lead_id" in errors:
            errors["lead"] = errors.pop("lead_id")
        return _new_club_form(request, person, values(form), errors, status_code=422)
    return RedirectResponse(f"/clubs/{club.id}", status_code=303)


def _club_page(request, person, database, club_id: int, *, problem: LianxinError | None = None):
    now = utcnow()
    with database.read() as session:
        club = club_service.get(session, club_id)
        activities = activity_repo.programme(session, start=now - timedelta(days=1), end=now + timedelta(days=92),
                                             club_id=club.id, limit=20)
        context = {
            "club": club, "lead": session.get(Person, club.lead_id),
            "membership": repo.membership(session, club.id, person.id),
            "manage": club_service.may_manage(person, club),
            "organise": activity_rules.may_organise(person, department_id=None, club_lead_id=club.lead_id),
            "members": repo.members(session, club.id), "member_count": repo.member_count(session, club.id),
            "activities": presenters.views(session, activities, person, locale_for(request)),
            "problem": Msg(problem.message, **problem.params) if problem else None,
        }
    return render(request, "clubs/detail.html", context, status_code=problem.status_code if problem else 200)


@router.get("/clubs/{club_id:id}")
def club_page(request: Request, club_id: int, person: PagePerson, database: DatabaseDep):
    return _club_page(request, person, database, club_id)


def _act(request, person, database, club_id: int, work):
    try:
        with database.write() as session:
            work(session)
    except (Conflict, Forbidden) as exc:
        return _club_page(request, person, database, club_id, problem=exc)
    return RedirectResponse(f"/clubs/{club_id}", status_code=303)


@router.post("/clubs/{club_id:id}/join")
def join(request: Request, club_id: int, person: PagePerson, database: DatabaseDep):
    return _act(request, person, database, club_id, lambda s: club_service.join(s, person, club_id))


@router.post("/clubs/{club_id:id}/leave")
def leave(request: Request, club_id: int, person: PagePerson, database: DatabaseDep):
    return _act(request, person, database, club_id, lambda s: club_service.leave(s, person, club_id))


@router.post("/clubs/{club_id:id}/members/{person_id:id}/approve")
def approve(request: Request, club_id: int, person_id: int, person: PagePerson, database: DatabaseDep):
    return _act(request, person, database, club_id,
                lambda s: club_service.decide(s, person, club_id, person_id, approve=True))


@router.post("/clubs/{club_id:id}/members/{person_id:id}/remove")
def remove(request: Request, club_id: int, person_id: int, person: PagePerson, database: DatabaseDep):
    return _act(request, person, database, club_id,
                lambda s: club_service.decide(s, person, club_id, person_id, approve=False))
