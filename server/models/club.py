from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from server.enums import ClubJoinPolicy, ClubMemberStatus
from server.models.base import Base, utcnow


class Club(Base):
    """A culture or sports club 文体联盟: its lead manages members and organises activities."""

    __tablename__ = "club"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    lead_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    join_policy: Mapped[ClubJoinPolicy] = mapped_column(String(20), default=ClubJoinPolicy.open)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ClubMember(Base):
    """One person in one club: pending until the lead approves (clubs that need approval)."""

    __tablename__ = "club_member"
    __table_args__ = (UniqueConstraint("club_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    club_id: Mapped[int] = mapped_column(ForeignKey("club.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    status: Mapped[ClubMemberStatus] = mapped_column(String(20))
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    joined_at: Mapped[datetime | None]
