"""Clubs 文体联盟: the list, a club's page (its lead, members, activities), joining and leaving,
and the lead's approval of join requests. Plain forms, 303 back to the club's page."""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, Request
from starlette.responses import RedirectResponse

from server.activities import presenters
from server.activities import repository as activity_repo
from server.clubs import repository as repo
from server.clubs import service as club_service
from server.errors import Conflict, Forbidden, LianxinError, Msg
from server.models import Person, utcnow
from server.web.deps import DatabaseDep, PagePerson
from server.web.i18n import locale_for
from server.web.render import render

router = APIRouter()


@router.get("/clubs")
def club_list(request: Request, person: PagePerson, database: DatabaseDep):
    with database.read() as session:
        rows = repo.clubs(session)
    return render(request, "clubs/list.html", {"rows": rows})


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
