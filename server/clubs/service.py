"""Clubs' writes: create one (centre staff), join and leave, the lead's approval of join
requests. Flush only."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from server.activities.rules import CENTRE_STAFF
from server.clubs import repository as repo
from server.enums import ClubJoinPolicy, ClubMemberStatus
from server.errors import Conflict, Forbidden, InvalidInput, NotFound
from server.models import Club, ClubMember, Person, utcnow
from server.notifications import service as notifications

NAME_LIMIT = 100
DESCRIPTION_LIMIT = 2000


@dataclass
class ClubInput:
    name: str
    lead_id: int | None  # None: the form named nobody we know
    description: str = ""
    join_policy: str = ClubJoinPolicy.open


def get(session: Session, club_id: int) -> Club:
    club = repo.get(session, club_id)
    if club is None or not club.active:
        raise NotFound("There is no such club.")
    return club


def may_create(person: Person) -> bool:
    """The centre's staff (dispatchers, admins) start clubs and name their leads."""
    return bool(person.roles & CENTRE_STAFF)


def may_manage(person: Person, club: Club) -> bool:
    return club.lead_id == person.id or bool(person.roles & CENTRE_STAFF)


def create(session: Session, actor: Person | None, data: ClubInput) -> Club:
    """A new club; ``actor`` None is the command line or the seeds."""
    if actor is not None and not may_create(actor):
        raise Forbidden("Only the centre's staff create clubs.")
    errors: dict[str, str] = {}
    name = data.name.strip()
    if not name or len(name) > NAME_LIMIT:
        errors["name"] = "Give the club a name of at most 100 characters."
    elif repo.by_name(session, name) is not None:
        errors["name"] = "Another club has this name."
    if len(data.description) > DESCRIPTION_LIMIT:
        errors["description"] = "The description is too long."
    if data.join_policy not in ClubJoinPolicy.__members__:
        errors["join_policy"] = "Choose how people join."
    lead = session.get(Person, data.lead_id) if data.lead_id is not None else None
    if lead is None or not lead.active:
        errors["lead_id"] = "There is no such person."
    if errors:
        raise InvalidInput("Please correct the marked fields.", errors)
    club = Club(name=name, lead_id=lead.id, description=data.description.strip(), join_policy=data.join_policy)
    session.add(club)
    session.flush()
    # The lead belongs to their own club.
    session.add(ClubMember(club_id=club.id, person_id=lead.id, status=ClubMemberStatus.member, joined_at=utcnow()))
    session.flush()
    return club


def join(session: Session, person: Person, club_id: int, *, now: datetime | None = None) -> ClubMember:
    """Open clubs take the person at once; others record a request for the lead."""
    now = now or utcnow()
    club = get(session, club_id)
    if repo.membership(session, club.id, person.id) is not None:
        raise Conflict("You have already joined this club or asked to.")
    member = club.join_policy == ClubJoinPolicy.open
    row = ClubMember(club_id=club.id, person_id=person.id, requested_at=now,
                     status=ClubMemberStatus.member if member else ClubMemberStatus.pending,
                     joined_at=now if member else None)
    session.add(row)
    session.flush()
    if not member:
        notifications.emit(session, "club.join_requested", ctx={"club_id": club.id}, actor_id=person.id,
                           params={"name": person.display_name, "club": club.name}, link=f"/clubs/{club.id}")
    return row


def leave(session: Session, person: Person, club_id: int) -> None:
    club = get(session, club_id)
    row = repo.membership(session, club.id, person.id)
    if row is None:
        raise Conflict("You are not in this club.")
    if club.lead_id == person.id:
        raise Conflict("The club's lead cannot leave it: the centre names another lead first.")
    session.delete(row)
    session.flush()


def decide(session: Session, lead: Person, club_id: int, person_id: int, *, approve: bool,
           now: datetime | None = None) -> None:
    """The lead approves or turns down a join request (or removes a member)."""
    club = get(session, club_id)
    if not may_manage(lead, club):
        raise Forbidden("Only the club's lead may do this.")
    row = repo.membership(session, club.id, person_id)
    if row is None or person_id == club.lead_id:
        raise NotFound("There is no such join request.")
    if approve:
        if row.status == ClubMemberStatus.member:
            raise Conflict("This person is already a member.")
        row.status, row.joined_at = ClubMemberStatus.member, now or utcnow()
    else:
        session.delete(row)
    session.flush()
    notifications.emit(session, "club.join_decided", ctx={"person_id": person_id}, actor_id=lead.id,
                       params={"club": club.name}, link=f"/clubs/{club.id}")
