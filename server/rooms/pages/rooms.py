"""The rooms 阵地 for everyone who books: the list, a room's day and week calendar (free and
booked half hours, server-drawn, no script needed) and the booking form on a free slot."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Annotated

from fastapi import APIRouter, Query, Request
from starlette.datastructures import FormData
from starlette.responses import RedirectResponse

from server.errors import Forbidden, InvalidInput, LianxinError, Msg
from server.i18n_text import N_
from server.models import Person, utcnow
from server.rooms import figures, policy, presenters, rules
from server.rooms import repository as repo
from server.rooms import service as room_service
from server.web.deps import DatabaseDep, PagePerson
from server.web.formdata import FormDep, text, whole_number
from server.web.formdata import values as formdata_values
from server.web.render import render

router = APIRouter()

# Calendars open from a year back to past the booking horizon: nothing else has slots to show,
# and a date far out would overflow the date arithmetic.
EARLIEST, LATEST = date(2000, 1, 1), date(2100, 12, 31)
BOOKING_FIELDS = ("date", "start", "end", "title", "purpose", "expected_people", "contact_name", "contact_phone")


def _bookable(person: Person) -> Person:
    if not policy.may_book(person):
        raise Forbidden("You may not open this page.")
    return person


def _day(value: str | None, field: str = "date") -> date:
    today = utcnow().astimezone(room_service.local_zone()).date()
    if not value:
        return today
    try:
        day = date.fromisoformat(value)
    except ValueError:
        day = None
    if day is None or not EARLIEST <= day <= LATEST or len(value) != 10:
        raise InvalidInput("Please correct the marked fields.", {field: N_("Write a date like 2026-12-03.")})
    return day


@router.get("/rooms")
def room_list(request: Request, person: PagePerson, database: DatabaseDep):
    _bookable(person)
    with database.read() as session:
        rooms = repo.rooms(session, active_only=True)
        buildings = presenters.buildings_of(session, rooms)
    return render(request, "rooms/list.html", {
        "rooms": rooms, "buildings": buildings, "may_decide": policy.may_decide(person),
        "sees_use": policy.sees_all(person),
    })


@router.get("/rooms/use")
def room_use(request: Request, person: PagePerson, database: DatabaseDep,
             from_: Annotated[str | None, Query(alias="from", max_length=10)] = None,
             to: Annotated[str | None, Query(max_length=10)] = None):
    """Room use for the centre and its supervisors: booked hours / open hours per room."""
    if not policy.sees_all(person):
        raise Forbidden("You may not open this page.")
    today = _day(None)
    first = _day(from_, "from") if from_ else today.replace(day=1)
    last = _day(to, "to") if to else today
    if last < first or (last - first).days > 366:
        raise InvalidInput("Please correct the marked fields.", {"to": N_("From a date to one at most a year later.")})
    with database.read() as session:
        lines = figures.room_use(session, first, last)
    return render(request, "rooms/use.html", {"lines": lines, "first": first, "last": last})


@router.get("/rooms/{room_id:id}")
def room_calendar(request: Request, person: PagePerson, database: DatabaseDep, room_id: int,
                  day: Annotated[str | None, Query(alias="date", max_length=10)] = None,
                  view: Annotated[str, Query(pattern="^(day|week)$")] = "week"):
    _bookable(person)
    chosen = _day(day)
    days = [chosen] if view == "day" else presenters.week_of(chosen)
    with database.read() as session:
        room = room_service.get_room(session, room_id)
        building = presenters.buildings_of(session, [room]).get(room.building_id)
        calendar = presenters.calendar_days(session, room, days, person, utcnow())
    step = timedelta(days=1 if view == "day" else 7)
    return render(request, "rooms/calendar.html", {
        "room": room, "building": building, "days": calendar, "view": view, "chosen": chosen,
        "previous": chosen - step, "next": chosen + step, "today": _day(None),
        "hours": _hours_lines(room), "weekday_labels": rules.WEEKDAY_LABELS,
    })


def _hours_lines(room) -> list[tuple[str, str]]:
    return [(day, ", ".join(f"{a}–{b}" for a, b in room.opening_hours.get(day, []))) for day in rules.WEEKDAYS]


# --- the booking form ------------------------------------------------------------------------
def _form_page(request, person, room, building, values, *, errors=None, failure=None, status_code=200):
    return render(request, "rooms/book.html", {
        "room": room, "building": building, "values": values, "errors": errors or {}, "failure": failure,
        "max_hours": rules.MAX_BOOKING_HOURS, "hours": _hours_lines(room), "weekday_labels": rules.WEEKDAY_LABELS,
    }, status_code=status_code)


@router.get("/rooms/{room_id:id}/book")
def booking_form(request: Request, person: PagePerson, database: DatabaseDep, room_id: int,
                 day: Annotated[str | None, Query(alias="date", max_length=10)] = None,
                 start: Annotated[str, Query(max_length=5)] = "", end: Annotated[str, Query(max_length=5)] = ""):
    _bookable(person)
    with database.read() as session:
        room = room_service.get_room(session, room_id)
        building = presenters.buildings_of(session, [room]).get(room.building_id)
    if start and not end:
        end = _plus_hour(start)
    values = {"date": _day(day).isoformat(), "start": start, "end": end, "contact_name": person.display_name,
              "contact_phone": person.phone, "expected_people": ""}
    return _form_page(request, person, room, building, values)


def _plus_hour(start: str) -> str:
    try:
        moment = datetime.combine(date.min, time.fromisoformat(start)) + timedelta(hours=1)
    except (ValueError, OverflowError):
        return ""
    return moment.strftime("%H:%M")


def _moments(form: FormData) -> tuple[datetime | None, datetime | None, dict]:
    """The form's date and times as aware moments in the centre's zone, or field errors."""
    errors: dict[str, object] = {}
    day_text = text(form, "date", 10)
    try:
        day = _day(day_text) if day_text else None
    except InvalidInput as exc:
        errors.update(exc.errors)
        day = None
    if day_text == "":
        errors["date"] = N_("Write a date like 2026-12-03.")
    moments = []
    for field in ("start", "end"):
        try:
            clock = time.fromisoformat(text(form, field, 5))
        except ValueError:
            errors[field] = Msg("Write a time like {example}.", example="14:30")
            clock = None
        moments.append(datetime.combine(day, clock, room_service.local_zone()) if day and clock else None)
    return moments[0], moments[1], errors


# The service names time problems on starts_at / ends_at; the form has start and end.
_FIELD_OF = {"starts_at": "start", "ends_at": "end", "room_id": "start"}


@router.post("/rooms/{room_id:id}/book")
def book(request: Request, person: PagePerson, database: DatabaseDep, room_id: int, form: FormDep):
    _bookable(person)
    values = formdata_values(form)
    try:
        starts_at, ends_at, errors = _moments(form)
        people_text = text(form, "expected_people", 6)
        people = whole_number(people_text, max_digits=6)
        if people is None and people_text:
            errors["expected_people"] = N_("Please enter a whole number.")
        if errors:
            raise InvalidInput("Please correct the marked fields.", errors)
        with database.write() as session:
            booking = room_service.book(
                session, room_id=room_id, starts_at=starts_at, ends_at=ends_at, title=text(form, "title", 200),
                purpose=text(form, "purpose", 1000), expected_people=people,
                contact_name=text(form, "contact_name", 100), contact_phone=text(form, "contact_phone", 30),
                booked_by=person,
            )
    except LianxinError as exc:
        if exc.status_code == 404:
            raise
        with database.read() as session:
            room = room_service.get_room(session, room_id)
            building = presenters.buildings_of(session, [room]).get(room.building_id)
        errors = {_FIELD_OF.get(k, k): v for k, v in getattr(exc, "errors", {}).items()}
        failure = Msg(exc.message, **exc.params)
        return _form_page(request, person, room, building, values, errors=errors, failure=failure,
                          status_code=exc.status_code)
    return RedirectResponse(f"/bookings/{booking.id}?booked=1", status_code=303)
