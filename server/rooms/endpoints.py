"""The JSON API of rooms and bookings: a thin door onto the rooms service."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Annotated

from fastapi import APIRouter, Header, Query, Response, status

from server.api.deps import DatabaseDep, PersonDep
from server.errors import Forbidden, InvalidInput, NotFound
from server.i18n_locale import negotiate
from server.models import Person, utcnow
from server.rooms import policy, presenters
from server.rooms import repository as repo
from server.rooms import service as room_service
from server.rooms.schemas import BookingBody, BookingOut, BookingPage, DecisionBody, RoomOut

router = APIRouter(tags=["rooms"])

AcceptLanguage = Annotated[str | None, Header(alias="Accept-Language", include_in_schema=False)]

ERRORS = {
    401: {"description": "Not signed in"},
    403: {"description": "Not allowed for you"},
    404: {"description": "No such room or booking that you may see"},
    409: {"description": "The time overlaps a live booking (the body names it), or the booking is in another state"},
    422: {"description": "Invalid input, with a message per field"},
}


def _may_book(person: Person) -> None:
    if not policy.may_book(person):
        raise Forbidden("You may not book rooms.")


@router.get("/rooms", response_model=list[RoomOut], summary="The rooms open for booking (阵地)", responses=ERRORS)
def list_rooms(database: DatabaseDep, person: PersonDep, accept_language: AcceptLanguage = None) -> list[RoomOut]:
    _may_book(person)
    locale = negotiate(accept_language)
    with database.read() as session:
        rooms = repo.rooms(session, active_only=True)
        buildings = presenters.buildings_of(session, rooms)
    return [RoomOut.of(r, buildings.get(r.building_id), locale) for r in rooms]


@router.get("/rooms/{room_id:id}", response_model=RoomOut, summary="One room", responses=ERRORS)
def get_room(room_id: int, database: DatabaseDep, person: PersonDep, accept_language: AcceptLanguage = None) -> RoomOut:
    _may_book(person)
    with database.read() as session:
        room = room_service.get_room(session, room_id)
        building = presenters.buildings_of(session, [room]).get(room.building_id)
    return RoomOut.of(room, building, negotiate(accept_language))


def _range(start: str | None, end: str | None) -> tuple[datetime, datetime]:
    tz = room_service.local_zone()
    try:
        first = date.fromisoformat(start) if start else utcnow().astimezone(tz).date()
        last = date.fromisoformat(end) if end else first + timedelta(days=6)
    except ValueError:
        raise InvalidInput("Please correct the marked fields.", {"from": "Write a date like 2026-12-03."}) from None
    if not (date(2000, 1, 1) <= first <= last <= date(2100, 12, 31)) or (last - first).days >= presenters.MAX_RANGE_DAYS:
        raise InvalidInput("Please correct the marked fields.",
                           {"to": "From a date to one at most 31 days later, in 2000–2100."})
    return datetime.combine(first, time.min, tz), datetime.combine(last + timedelta(days=1), time.min, tz)


@router.get("/rooms/{room_id:id}/bookings", response_model=list[BookingOut], responses=ERRORS,
            summary="A room's live bookings in a range of days (others' without their details)")
def list_room_bookings(room_id: int, database: DatabaseDep, person: PersonDep,
                       from_: Annotated[str | None, Query(alias="from", max_length=10, description="YYYY-MM-DD, local; default today")] = None,
                       to: Annotated[str | None, Query(max_length=10, description="YYYY-MM-DD, local, inclusive; default six days on")] = None,
                       ) -> list[BookingOut]:
    _may_book(person)
    start, end = _range(from_, to)
    with database.read() as session:
        room = room_service.get_room(session, room_id)
        bookings = repo.room_bookings(session, [room.id], start, end)
    return [BookingOut.of(b, policy.may_see_details(person, b)) for b in bookings]


@router.post("/bookings", response_model=BookingOut, status_code=status.HTTP_201_CREATED, responses=ERRORS,
             summary="Book a room (approved at once, or waiting for the centre where the room needs approval)")
def create_booking(body: BookingBody, response: Response, database: DatabaseDep, person: PersonDep) -> BookingOut:
    def work(session):
        booking = room_service.book(
            session, room_id=body.room_id, starts_at=body.starts_at, ends_at=body.ends_at, title=body.title,
            purpose=body.purpose, expected_people=body.expected_people, contact_name=body.contact_name,
            contact_phone=body.contact_phone, booked_by=person,
        )
        return BookingOut.of(booking, True)

    out = database.run(work)
    response.headers["Location"] = f"/api/v1/bookings/{out.id}"
    return out


Cursor = Annotated[str | None, Query(max_length=400)]
Limit = Annotated[int, Query(ge=1, le=100)]


@router.get("/bookings/mine", response_model=BookingPage, summary="My bookings (a contact's: the enterprise's too)",
            responses=ERRORS)
def list_my_bookings(database: DatabaseDep, person: PersonDep, cursor: Cursor = None, limit: Limit = 50) -> BookingPage:
    with database.read() as session:
        page = repo.my_bookings(session, person, cursor=cursor, limit=limit)
    return BookingPage(items=[BookingOut.of(b, True) for b in page.rows], next_cursor=page.next_cursor)


@router.get("/bookings/pending", response_model=BookingPage, summary="Bookings waiting for the centre's decision",
            responses=ERRORS)
def list_pending_bookings(database: DatabaseDep, person: PersonDep, cursor: Cursor = None,
                          limit: Limit = 50) -> BookingPage:
    if not policy.may_decide(person):
        raise Forbidden("Only the service centre decides on bookings.")
    with database.read() as session:
        page = repo.pending(session, since=utcnow(), cursor=cursor, limit=limit)
    return BookingPage(items=[BookingOut.of(b, True) for b in page.rows], next_cursor=page.next_cursor)


def _visible(session, person: Person, booking_id: int):
    booking = room_service.get_booking(session, booking_id)
    if not policy.may_see_details(person, booking):
        raise NotFound("There is no such booking.")
    return booking


@router.get("/bookings/{booking_id:id}", response_model=BookingOut, summary="One booking", responses=ERRORS)
def get_booking(booking_id: int, database: DatabaseDep, person: PersonDep) -> BookingOut:
    with database.read() as session:
        return BookingOut.of(_visible(session, person, booking_id), True)


def _decide(database, person: Person, booking_id: int, body: DecisionBody | None, action: str) -> BookingOut:
    body = body or DecisionBody()

    def work(session):
        _visible(session, person, booking_id)
        if action == "approve":
            booking = room_service.approve(session, booking_id, by=person, version=body.version)
        elif action == "refuse":
            booking = room_service.refuse(session, booking_id, by=person, reason=body.reason, version=body.version)
        else:
            booking = room_service.cancel(session, booking_id, by=person, reason=body.reason, version=body.version)
        return BookingOut.of(booking, True)

    return database.run(work)


@router.post("/bookings/{booking_id:id}/cancel", response_model=BookingOut, summary="Cancel a booking (the booker or the centre)",
             responses=ERRORS)
def cancel_booking(booking_id: int, database: DatabaseDep, person: PersonDep, body: DecisionBody | None = None) -> BookingOut:
    return _decide(database, person, booking_id, body, "cancel")


@router.post("/bookings/{booking_id:id}/approve", response_model=BookingOut, summary="Approve a booking (the centre)",
             responses=ERRORS)
def approve_booking(booking_id: int, database: DatabaseDep, person: PersonDep, body: DecisionBody | None = None) -> BookingOut:
    return _decide(database, person, booking_id, body, "approve")


@router.post("/bookings/{booking_id:id}/refuse", response_model=BookingOut, summary="Refuse a booking with a reason (the centre)",
             responses=ERRORS)
def refuse_booking(booking_id: int, database: DatabaseDep, person: PersonDep, body: DecisionBody | None = None) -> BookingOut:
    return _decide(database, person, booking_id, body, "refuse")
