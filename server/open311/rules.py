"""How Lianxin reads and speaks Open311 GeoReport v2, as pure functions: field types as
GeoReport datatypes, states as open/closed, datetimes with a zone, the 90-day window of
GET requests, and a location written as ``address_string`` or ``address_id`` read against
the buildings. No database, no web: the service and the door both call these."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo

from server.enums import OPEN_STATUSES, FieldType, RequestStatus
from server.i18n_text import N_
from server.models import Building

# A field type's GeoReport datatype. File fields have none: GeoReport posts no files, so
# they are left out of the service definition (a required one makes the service
# unorderable through Open311, which the POST says in its error).
DATATYPES: dict[FieldType, str] = {
    FieldType.text: "string",
    FieldType.long_text: "text",
    FieldType.number: "number",
    FieldType.date: "datetime",
    FieldType.datetime: "datetime",
    FieldType.single_choice: "singlevaluelist",
    FieldType.multiple_choice: "multivaluelist",
}
MULTI_VALUE = frozenset({FieldType.multiple_choice})

OPEN, CLOSED = "open", "closed"
# Completed (待评价) counts as closed: the work is done, only the rating is outstanding.
CLOSED_STATUSES = frozenset(set(RequestStatus) - OPEN_STATUSES)

MAX_WINDOW = timedelta(days=90)
MAX_RESULTS = 1000
MAX_IDS = 1000  # service_request_id values in one GET requests
MAX_DESCRIPTION = 4000
MAX_NAME = 100
MAX_EMAIL = 200
MAX_URL = 2000
MAX_ADDRESS = 300
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
URL_RE = re.compile(r"^https?://[^\s]+$", re.IGNORECASE)


def status_of(status: RequestStatus | str) -> str:
    return OPEN if RequestStatus(status) in OPEN_STATUSES else CLOSED


def statuses_for(words: list[str]) -> frozenset[RequestStatus] | None:
    """Lianxin's states for GeoReport's ``status`` list; None when every state qualifies.
    Raises ValueError naming a word that is neither open nor closed."""
    wanted: set[RequestStatus] = set()
    for word in words:
        if word == OPEN:
            wanted |= OPEN_STATUSES
        elif word == CLOSED:
            wanted |= CLOSED_STATUSES
        else:
            raise ValueError(word)
    return None if not words or wanted == set(RequestStatus) else frozenset(wanted)


def format_datetime(value: datetime | None, zone: tzinfo) -> str | None:
    """ISO 8601 with the offset, in the centre's zone: 2026-11-26T14:30:00+08:00."""
    return value.astimezone(zone).isoformat(timespec="seconds") if value is not None else None


def parse_datetime(text: str, zone: tzinfo, *, end_of_day: bool = False) -> datetime:
    """A w3 datetime (2010-01-01T00:00:00Z); one without a zone is in the centre's zone; a
    bare date is the start of that day (or the end of it, for an ``end_date``).
    Raises ValueError."""
    text = text.strip()
    if len(text) > 40:
        raise ValueError(text)
    # A "+08:00" sent unencoded in a query string arrives as " 08:00".
    text = re.sub(r"(T\d\d:\d\d(?::\d\d(?:\.\d+)?)?) (\d\d:?\d\d)$", r"\1+\2", text)
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        day = date.fromisoformat(text)
        start = datetime.combine(day, time(), zone)
        return start + timedelta(days=1) if end_of_day else start
    value = datetime.fromisoformat(text)
    return value if value.tzinfo is not None else value.replace(tzinfo=zone)


def window(start: datetime | None, end: datetime | None, now: datetime) -> tuple[datetime, datetime]:
    """The requested_datetime range of GET requests: at most 90 days, the last 90 by
    default; one end given, the other is 90 days from it. Raises ValueError with the
    reason (a msgid)."""
    if start is None and end is None:
        return now - MAX_WINDOW, now
    if start is None:
        start = end - MAX_WINDOW
    if end is None:
        end = start + MAX_WINDOW
    if end < start:
        raise ValueError(N_("end_date is before start_date."))
    if end - start > MAX_WINDOW:
        raise ValueError(N_("start_date and end_date may be at most 90 days apart."))
    return start, end


@dataclass(frozen=True)
class Place:
    building: Building
    floor: str = ""
    room: str = ""

    @property
    def address_id(self) -> str:
        return address_id(self.building.code, self.floor, self.room)


def address_id(building_code: str, floor: str = "", room: str = "") -> str:
    """Our address_id: the building's code, then its floor and room, slash-separated."""
    parts = [building_code, floor, room]
    while parts and not parts[-1]:
        parts.pop()
    return "/".join(parts)


class PlaceError(ValueError):
    """A location that names no building we know, or a floor the building does not have;
    ``message`` is an English msgid with ``{name}`` placeholders filled from ``params``."""

    def __init__(self, message: str, params: dict | None = None):
        self.message, self.params = message, params or {}
        super().__init__(message.format(**self.params) if self.params else message)


_FLOOR_AFTER = re.compile(r"(?<![A-Za-z0-9])(B?\d{1,3})\s*(?:层|楼|樓|/F|F(?![A-Za-z]))", re.IGNORECASE)
_FLOOR_BEFORE = re.compile(r"(?:floor|fl\.?|level|第)\s*(B?\d{1,3})(?![0-9])", re.IGNORECASE)
_ROOM_AFTER = re.compile(r"([A-Za-z0-9][A-Za-z0-9-]{0,39})\s*(?:室|号房|號房|房间|房間)")
_ROOM_BEFORE = re.compile(r"(?:room|rm\.?|#|No\.?)\s*([A-Za-z0-9][A-Za-z0-9-]{0,39})", re.IGNORECASE)
_TOKEN = re.compile(r"(?<![A-Za-z0-9])([A-Za-z]?\d[A-Za-z0-9-]{0,39})")


def _floor_of(building: Building, label: str) -> str:
    for floor in building.floors:
        if floor.lower() == label.lower():
            return floor
    raise PlaceError(N_("The building has no floor {floor}."), {"floor": label})


def _names_of(building: Building) -> list[str]:
    names = {building.code}
    for name in (building.name or {}).values():
        if name:
            names.add(name)
            names.update(part.strip() for part in re.split(r"[·•|]", name) if part.strip())
    if building.address:
        names.add(building.address)
    return [n for n in names if n]


def _mentions(text: str, name: str) -> int:
    """Where ``name`` stands in ``text`` as a whole word (so A1 is not found in A10); -1 if not."""
    pattern = r"(?<![A-Za-z0-9])" + re.escape(name) + r"(?![A-Za-z0-9])"
    found = re.search(pattern, text, re.IGNORECASE)
    return found.start() if found else -1


def parse_address(text: str, buildings: list[Building]) -> Place:
    """The building, floor and room that ``address_string`` names, e.g. "A1栋 3层 301室",
    "Tower A1, floor 3, room 301" or "A1/3/301". The building is the one whose code or name
    the text mentions (the longest mention wins); a floor must be one of its floors.
    Raises PlaceError."""
    text = text.strip()
    if not text:
        raise PlaceError(N_("address_string is empty."))
    if "/" in text and not re.search(r"\d\s*/F", text, re.IGNORECASE):
        parts = [p.strip() for p in text.split("/")]
        building = _find_building(parts[0], buildings)
        floor = _floor_of(building, parts[1]) if len(parts) > 1 and parts[1] else ""
        room = parts[2] if len(parts) > 2 else ""
        if len(parts) > 3 or len(room) > 40:
            raise PlaceError(N_("Write the address as building/floor/room."))
        return Place(building, floor, room)
    building, rest = _find_building_in(text, buildings)
    floor = room = ""
    found = _FLOOR_AFTER.search(rest) or _FLOOR_BEFORE.search(rest)
    if found:
        floor = _floor_of(building, found.group(1))
        rest = rest[: found.start()] + " " + rest[found.end():]
    found = _ROOM_AFTER.search(rest) or _ROOM_BEFORE.search(rest)
    if found:
        room = found.group(1)
        rest = rest[: found.start()] + " " + rest[found.end():]
    tokens = _TOKEN.findall(rest)
    if not floor and tokens and any(f.lower() == tokens[0].lower() for f in building.floors) and (len(tokens) > 1 or room):
        floor = _floor_of(building, tokens.pop(0))
    if not room and tokens:
        room = tokens[0]
    return Place(building, floor, room)


def _find_building_in(text: str, buildings: list[Building]) -> tuple[Building, str]:
    best: list[tuple[int, Building, int, str]] = []
    for building in buildings:
        for name in _names_of(building):
            at = _mentions(text, name)
            if at >= 0:
                best.append((len(name), building, at, name))
    if not best:
        raise PlaceError(N_("The address names no building of the centre: write its code or name first, e.g. A1/3/301."))
    best.sort(key=lambda item: -item[0])
    longest = best[0][0]
    winners = {b.id for length, b, _, _ in best if length == longest}
    if len(winners) > 1:
        raise PlaceError(N_("The address could mean more than one building: write the building's code."))
    _, building, at, name = best[0]
    # Everything the building's names cover is taken out before looking for floor and room.
    rest = text[:at] + " " + text[at + len(name):]
    for other in _names_of(building):
        spot = _mentions(rest, other)
        if spot >= 0:
            rest = rest[:spot] + " " + rest[spot + len(other):]
    return building, rest


def _find_building(code_or_name: str, buildings: list[Building]) -> Building:
    for building in buildings:
        if building.code.lower() == code_or_name.lower():
            return building
    return _find_building_in(code_or_name, buildings)[0]


def parse_address_id(text: str, buildings: list[Building]) -> Place:
    """Our own address_id (see :func:`address_id`): the building's exact code first."""
    parts = text.strip().split("/")
    if len(parts) > 3:
        raise PlaceError(N_("Write the address_id as building/floor/room."))
    code = parts[0].strip()
    building = next((b for b in buildings if b.code == code), None)
    if building is None:
        raise PlaceError(N_("There is no building with the code {code}."), {"code": code})
    floor = _floor_of(building, parts[1].strip()) if len(parts) > 1 and parts[1].strip() else ""
    room = parts[2].strip() if len(parts) > 2 else ""
    if len(room) > 40:
        raise PlaceError(N_("A room has at most 40 characters."))
    return Place(building, floor, room)
