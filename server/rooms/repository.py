"""Queries for rooms and bookings: the rooms, a room's bookings in a range, the one that
overlaps a time, a person's bookings and the bookings waiting for the centre."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from server import paging
from server.enums import LIVE_BOOKING_STATUSES, BookingStatus, Role
from server.models import Booking, Person, Room

MY_BOOKINGS_KEYS = (paging.Key(Booking.starts_at, "dt", descending=True), paging.Key(Booking.id, "int", descending=True))
PENDING_KEYS = (paging.Key(Booking.starts_at, "dt"), paging.Key(Booking.id, "int"))


def rooms(session: Session, *, active_only: bool = False) -> list[Room]:
    stmt = select(Room).order_by(Room.position, Room.id)
    if active_only:
        stmt = stmt.where(Room.active.is_(True))
    return list(session.scalars(stmt))


def _live():
    return Booking.status.in_(tuple(LIVE_BOOKING_STATUSES))


def overlapping(room_id: int, starts_at: datetime, ends_at: datetime):
    """Live bookings of the room that overlap [starts_at, ends_at): the SQL twin of
    rules.overlaps, and what the database's guard refuses."""
    return (Booking.room_id == room_id, _live(), Booking.starts_at < ends_at, Booking.ends_at > starts_at)


def first_overlap(session: Session, room_id: int, starts_at: datetime, ends_at: datetime,
                  *, exclude_id: int | None = None) -> Booking | None:
    stmt = select(Booking).where(*overlapping(room_id, starts_at, ends_at)).order_by(Booking.starts_at).limit(1)
    if exclude_id is not None:
        stmt = stmt.where(Booking.id != exclude_id)
    return session.scalar(stmt)


def room_bookings(session: Session, room_ids: list[int], starts_at: datetime, ends_at: datetime,
                  *, live_only: bool = True) -> list[Booking]:
    """Bookings of these rooms that overlap [starts_at, ends_at), by start (one query)."""
    if not room_ids:
        return []
    stmt = select(Booking).where(Booking.room_id.in_(room_ids), Booking.starts_at < ends_at, Booking.ends_at > starts_at)
    if live_only:
        stmt = stmt.where(_live())
    return list(session.scalars(stmt.order_by(Booking.starts_at, Booking.id)))


def mine_clause(person: Person):
    """A person's own bookings, and an enterprise contact's company's."""
    if person.has_role(Role.contact) and person.enterprise_id is not None:
        return or_(Booking.booked_by_id == person.id, Booking.enterprise_id == person.enterprise_id)
    return Booking.booked_by_id == person.id


def my_bookings(session: Session, person: Person, *, cursor: str | None, limit: int) -> paging.Page:
    """Newest first by start, paged by keyset."""
    stmt = select(Booking).where(mine_clause(person))
    return paging.page(session, stmt, MY_BOOKINGS_KEYS, "my_bookings", cursor, limit)


def pending(session: Session, *, since: datetime, cursor: str | None, limit: int) -> paging.Page:
    """Bookings waiting for the centre's decision that have not started yet, soonest first."""
    stmt = select(Booking).where(Booking.status == BookingStatus.requested, Booking.starts_at >= since)
    return paging.page(session, stmt, PENDING_KEYS, "pending_bookings", cursor, limit)


def booked_seconds(session: Session, room_ids: list[int], starts_at: datetime, ends_at: datetime) -> dict[int, float]:
    """Per room: the seconds of [starts_at, ends_at) covered by approved bookings."""
    result = dict.fromkeys(room_ids, 0.0)
    stmt = select(Booking.room_id, Booking.starts_at, Booking.ends_at).where(
        Booking.room_id.in_(room_ids), Booking.status == BookingStatus.approved,
        Booking.starts_at < ends_at, Booking.ends_at > starts_at,
    )
    for room_id, start, end in session.execute(stmt):
        result[room_id] += (min(end, ends_at) - max(start, starts_at)).total_seconds()
    return result


def activity_bookings(session: Session, activity_ids: list[int]) -> dict[int, tuple[Booking, Room]]:
    """The live booking (and its room) holding a room for each of these activities (one query)."""
    if not activity_ids:
        return {}
    rows = session.execute(
        select(Booking, Room).join(Room, Room.id == Booking.room_id)
        .where(Booking.activity_id.in_(list(activity_ids)), _live())
    ).all()
    return {booking.activity_id: (booking, room) for booking, room in rows}


def active_rooms_with_booked(session: Session, starts_at: datetime, ends_at: datetime
                             ) -> list[tuple[Room, dict[str, datetime] | None]]:
    """Every active room in order, with each approved booking overlapping [starts_at, ends_at)
    (None for a room with none): room use in one query."""
    stmt = (
        select(Room, Booking.starts_at, Booking.ends_at)
        .outerjoin(Booking, and_(Booking.room_id == Room.id, Booking.status == BookingStatus.approved,
                                 Booking.starts_at < ends_at, Booking.ends_at > starts_at))
        .where(Room.active.is_(True)).order_by(Room.position, Room.id)
    )
    return [(room, None if start is None else {"starts_at": start, "ends_at": end})
            for room, start, end in session.execute(stmt)]
