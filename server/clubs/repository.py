"""Every SELECT about clubs 文体联盟: the list with member counts, one club's members and
join requests, a person's memberships."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from server.enums import ClubMemberStatus
from server.models import Club, ClubMember, Person


@dataclass(frozen=True)
class ClubRow:
    club: Club
    lead_name: str
    members: int


def clubs(session: Session) -> list[ClubRow]:
    """Active clubs by name, with their lead and how many members (one query)."""
    members = (
        select(ClubMember.club_id, func.count().label("n")).where(ClubMember.status == ClubMemberStatus.member)
        .group_by(ClubMember.club_id).subquery()
    )
    rows = session.execute(
        select(Club, Person.display_name, func.coalesce(members.c.n, 0))
        .join(Person, Person.id == Club.lead_id)
        .outerjoin(members, members.c.club_id == Club.id)
        .where(Club.active.is_(True))
        .order_by(Club.name)
    ).all()
    return [ClubRow(club, lead, n) for club, lead, n in rows]


def get(session: Session, club_id: int) -> Club | None:
    return session.get(Club, club_id)


def membership(session: Session, club_id: int, person_id: int) -> ClubMember | None:
    return session.scalar(select(ClubMember).where(ClubMember.club_id == club_id, ClubMember.person_id == person_id))


@dataclass(frozen=True)
class MemberRow:
    person_id: int
    name: str
    status: str
    requested_at: datetime
    joined_at: datetime | None


def members(session: Session, club_id: int) -> list[MemberRow]:
    """Members by when they joined, then those waiting for the lead's approval."""
    rows = session.execute(
        select(Person.id, Person.display_name, ClubMember.status, ClubMember.requested_at, ClubMember.joined_at)
        .join(Person, Person.id == ClubMember.person_id)
        .where(ClubMember.club_id == club_id)
        .order_by(ClubMember.status, ClubMember.joined_at, ClubMember.requested_at, Person.id)
    ).all()
    return [MemberRow(*row) for row in rows]


def member_count(session: Session, club_id: int) -> int:
    return session.scalar(
        select(func.count()).select_from(ClubMember)
        .where(ClubMember.club_id == club_id, ClubMember.status == ClubMemberStatus.member)
    ) or 0


def by_name(session: Session, name: str) -> Club | None:
    return session.scalar(select(Club).where(Club.name == name))
