"""The clubs' JSON API (/api/v1/clubs): the list, one club, joining and leaving."""

from __future__ import annotations

from fastapi import APIRouter, Response, status

from server.api.deps import DatabaseDep, PersonDep
from server.clubs import repository as repo
from server.clubs import service as club_service
from server.clubs.schemas import ClubOut, MembershipOut
from server.models import Person

router = APIRouter(prefix="/clubs", tags=["clubs"])
ERRORS = {
    401: {"description": "Not signed in"},
    404: {"description": "No such club"},
    409: {"description": "Already a member (or asked), or not one"},
}


@router.get("", response_model=list[ClubOut], summary="The clubs 文体联盟", responses=ERRORS)
def list_clubs(database: DatabaseDep, person: PersonDep) -> list[ClubOut]:
    with database.read() as session:
        return [ClubOut(id=r.club.id, name=r.club.name, description=r.club.description, lead_id=r.club.lead_id,
                        lead_name=r.lead_name, join_policy=r.club.join_policy, members=r.members)
                for r in repo.clubs(session)]


@router.get("/{club_id:id}", response_model=ClubOut, summary="One club, with your membership", responses=ERRORS)
def get_club(club_id: int, database: DatabaseDep, person: PersonDep) -> ClubOut:
    with database.read() as session:
        club = club_service.get(session, club_id)
        lead = session.get(Person, club.lead_id)
        mine = repo.membership(session, club.id, person.id)
        return ClubOut(id=club.id, name=club.name, description=club.description, lead_id=club.lead_id,
                       lead_name=lead.display_name if lead else "", join_policy=club.join_policy,
                       members=repo.member_count(session, club.id), my_status=mine.status if mine else None)


@router.post("/{club_id:id}/membership", response_model=MembershipOut, status_code=status.HTTP_201_CREATED,
             summary="Join (open clubs) or ask to join (the lead approves)", responses=ERRORS)
def join(club_id: int, database: DatabaseDep, person: PersonDep) -> MembershipOut:
    return database.run(lambda s: MembershipOut(club_id=club_id, status=club_service.join(s, person, club_id).status))


@router.delete("/{club_id:id}/membership", status_code=status.HTTP_204_NO_CONTENT,
               summary="Leave the club (or withdraw the request)", responses=ERRORS)
def leave(club_id: int, database: DatabaseDep, person: PersonDep) -> Response:
    database.run(lambda s: club_service.leave(s, person, club_id))
    return Response(status_code=status.HTTP_204_NO_CONTENT)
