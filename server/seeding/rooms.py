"""The centre's rooms and this week's demo bookings from ``seeds/rooms.yaml``.

Rooms go through the rooms service (its rules check each entry); a room whose Simplified
Chinese name is already in the database is left alone. Demo bookings are made through the same
service as a person's, in the week the seeds are loaded; one already there (same room, start
and title) is not made again, one on a day the room is closed that week (a holiday) is left
out."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.errors import InvalidInput
from server.models import Booking, Building, Person, Room, utcnow
from server.rooms import rules
from server.rooms import service as room_service
from server.yaml_file import Entry, SeedError, entries, read_file

FILE = "rooms.yaml"


def _data(seeds_dir: Path) -> dict | None:
    return read_file(Path(seeds_dir) / FILE, required=False)


def load_rooms(session: Session, seeds_dir: Path, buildings: dict[str, Building], tally: dict) -> None:
    data = _data(seeds_dir)
    if data is None:
        return
    existing = {(r.name or {}).get("zh-Hans") for r in session.scalars(select(Room))}
    for position, e in enumerate(entries(FILE, {"rooms": [_keyed(i) for i in data.get("rooms") or []]},
                                         "rooms", "room", "key"), 1):
        name = e.localized("name")
        if name["zh-Hans"] in existing:
            tally["unchanged"] += 1
            continue
        building = buildings.get(e.text("building"))
        if building is None:
            e.fail(f"`building` {e.text('building')!r} is not in buildings.yaml")
        hours = e.data.get("hours") or {}
        if not isinstance(hours, dict) or set(hours) - set(rules.WEEKDAYS):
            e.fail(f"`hours` maps weekdays ({', '.join(rules.WEEKDAYS)}) to opening hours")
        data_in = room_service.RoomInput(
            name=name, building_id=building.id, floor=e.text("floor", required=False), capacity=e.integer("capacity"),
            equipment=[str(x) for x in e.items("equipment", required=False)],
            hours={day: str(text) for day, text in hours.items()},
            keeps_office_hours=e.flag("keeps_office_hours", True), needs_approval=e.flag("needs_approval", False),
            position=position,
        )
        try:
            room_service.create_room(session, None, data_in)
        except InvalidInput as exc:
            e.refuse({k: str(v) for k, v in exc.errors.items()})
        tally["created"] += 1


def _keyed(item):
    # Rooms are known by their Simplified Chinese name.
    if isinstance(item, dict) and isinstance(item.get("name"), dict):
        return {**item, "key": item["name"].get("zh-Hans")}
    return item


def load_demo_bookings(session: Session, seeds_dir: Path, tally: dict, *, today: date | None = None) -> None:
    data = _data(seeds_dir)
    if data is None or not data.get("bookings"):
        return
    tz = room_service.local_zone()
    today = today or utcnow().astimezone(tz).date()
    monday = today - timedelta(days=today.weekday())
    rooms = {(r.name or {}).get("zh-Hans"): r for r in session.scalars(select(Room))}
    people = {p.username: p for p in session.scalars(select(Person))}
    dispatcher = people.get("dispatcher1")
    for index, item in enumerate(data["bookings"], 1):
        e = Entry(FILE, f"booking #{index}", item)
        room, person = rooms.get(e.text("room")), people.get(e.text("by"))
        if room is None or person is None:
            e.fail("`room` and `by` must name a room of rooms.yaml and a demo account")
        day = monday + timedelta(days=_weekday(e))
        starts_at = datetime.combine(day, _clock(e, "start"), tz)
        ends_at = datetime.combine(day, _clock(e, "end"), tz)
        title = e.text("title")
        done = session.scalar(select(Booking.id).where(
            Booking.room_id == room.id, Booking.starts_at == starts_at, Booking.title == title))
        if done is not None:
            tally["unchanged"] += 1
            continue
        try:
            booking = room_service.book(
                session, room_id=room.id, starts_at=starts_at, ends_at=ends_at, title=title,
                purpose=e.text("purpose", required=False), expected_people=e.integer("people", minimum=1),
                contact_name="", contact_phone="", booked_by=person, now=starts_at - timedelta(days=1),
            )
        except InvalidInput as exc:
            if "starts_at" in exc.errors and len(exc.errors) == 1:
                continue  # the room is closed that day this week (a holiday): no demo booking
            e.refuse({k: str(v) for k, v in exc.errors.items()})
        decision = e.text("decision", required=False)
        if decision and dispatcher is not None:
            moment = starts_at - timedelta(hours=20)
            if decision == "approve":
                room_service.approve(session, booking.id, by=dispatcher, now=moment)
            elif decision == "refuse":
                room_service.refuse(session, booking.id, by=dispatcher, reason=e.text("reason"), now=moment)
            else:
                e.fail("`decision` must be approve or refuse")
        tally["created"] += 1


def _weekday(e: Entry) -> int:
    day = e.text("day")
    if day not in rules.WEEKDAYS:
        e.fail(f"`day` must be one of {', '.join(rules.WEEKDAYS)}")
    return rules.WEEKDAYS.index(day)


def _clock(e: Entry, key: str) -> time:
    try:
        return time.fromisoformat(e.text(key))
    except ValueError:
        raise SeedError(f"{FILE}: {e.where}: `{key}` must be a time like 14:30") from None
