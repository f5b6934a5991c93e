"""A booking of a room (场地预约), by a person or for an activity.

No two live bookings (requested or approved) of one room overlap: the database refuses the
second one, whoever writes it (server/rooms/service.py explains how, per dialect; the
constraint and triggers are made by the migration ``…_rooms``, not declared here, because
SQLite has no exclusion constraints)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from server.enums import BookingStatus
from server.models.base import Base, utcnow


class Booking(Base):
    __tablename__ = "booking"
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        # A room's calendar: its bookings by time.
        Index("ix_booking_room_id_starts_at", "room_id", "starts_at"),
        # My bookings, newest first.
        Index("ix_booking_booked_by_id_starts_at", "booked_by_id", "starts_at"),
        # The centre's list of bookings waiting for a decision.
        Index("ix_booking_status_starts_at", "status", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Optimistic lock: approve, refuse and cancel are UPDATE ... WHERE version = <seen>.
    version: Mapped[int] = mapped_column(default=1)
    room_id: Mapped[int] = mapped_column(ForeignKey("room.id"))
    # Half-open [starts_at, ends_at), aware UTC like every time in the database.
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    status: Mapped[BookingStatus] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(200))
    purpose: Mapped[str] = mapped_column(String(1000), default="")
    expected_people: Mapped[int]
    contact_name: Mapped[str] = mapped_column(String(100))
    contact_phone: Mapped[str] = mapped_column(String(30))
    booked_by_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    # The booker's enterprise when booked: its contacts see the booking among theirs.
    enterprise_id: Mapped[int | None] = mapped_column(ForeignKey("enterprise.id"), index=True)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    decided_at: Mapped[datetime | None]
    decision_reason: Mapped[str] = mapped_column(String(500), default="")
    cancelled_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    cancelled_at: Mapped[datetime | None]
    # The activity this booking holds the room for (server/activities); no foreign key here,
    # the activities' migration adds it.
    activity_id: Mapped[int | None] = mapped_column(index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __mapper_args__ = {"version_id_col": version}
