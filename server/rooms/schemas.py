"""API shapes of rooms and bookings."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, StrictInt, field_validator

from server.enums import BookingStatus
from server.i18n_text import localized
from server.models import Booking, Building, Room
from server.paging import Time


def _no_nul(value: Any) -> Any:
    # PostgreSQL text cannot hold NUL; refuse it at the edge instead of failing with a 500.
    if isinstance(value, str) and "\x00" in value:
        raise ValueError("must not contain NUL characters")
    return value


class BuildingRef(BaseModel):
    code: str
    name: str


class RoomOut(BaseModel):
    id: int
    name: str = Field(description="In the language asked for (Accept-Language)")
    names: dict[str, str] = Field(description="{locale: name}")
    building: BuildingRef | None
    floor: str
    capacity: int
    equipment: list[str]
    opening_hours: dict[str, list[list[str]]] = Field(
        description='Local opening periods per weekday, e.g. {"mon": [["09:00", "12:00"], ["13:30", "18:00"]]}')
    keeps_office_hours: bool = Field(description="Closed on public holidays and rest days, open on make-up working days")
    needs_approval: bool
    active: bool

    @classmethod
    def of(cls, room: Room, building: Building | None, locale: str) -> RoomOut:
        return cls(
            id=room.id, name=localized(room.name, locale), names=room.name,
            building=BuildingRef(code=building.code, name=localized(building.name, locale)) if building else None,
            floor=room.floor, capacity=room.capacity, equipment=room.equipment, opening_hours=room.opening_hours,
            keeps_office_hours=room.keeps_office_hours, needs_approval=room.needs_approval, active=room.active,
        )


class BookingOut(BaseModel):
    """Someone else's booking shows only its time and status (``details`` false); the booker,
    their enterprise's contacts and the centre see the rest."""

    id: int
    room_id: int
    starts_at: datetime
    ends_at: datetime
    status: BookingStatus
    details: bool = Field(description="Whether the fields below are shown to you")
    version: int | None = None
    title: str | None = None
    purpose: str | None = None
    expected_people: int | None = None
    contact_name: str | None = None
    contact_phone: str | None = None
    decision_reason: str | None = None
    activity_id: int | None = None
    created_at: datetime | None = None

    @classmethod
    def of(cls, booking: Booking, details: bool) -> BookingOut:
        base = {"id": booking.id, "room_id": booking.room_id, "starts_at": booking.starts_at,
                "ends_at": booking.ends_at, "status": booking.status, "details": details}
        if not details:
            return cls(**base)
        return cls(**base, version=booking.version, title=booking.title, purpose=booking.purpose,
                   expected_people=booking.expected_people, contact_name=booking.contact_name,
                   contact_phone=booking.contact_phone, decision_reason=booking.decision_reason,
                   activity_id=booking.activity_id, created_at=booking.created_at)


class BookingPage(BaseModel):
    items: list[BookingOut]
    next_cursor: str | None


class BookingBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    room_id: StrictInt = Field(ge=1, le=999_999_999)
    starts_at: Time = Field(description="With its offset, e.g. 2026-12-03T10:00:00+08:00; on the hour or half hour")
    ends_at: Time
    title: str = Field(max_length=200)
    purpose: str = Field(default="", max_length=1000)
    expected_people: StrictInt = Field(ge=1, le=100_000)
    contact_name: str = Field(default="", max_length=100, description="Defaults to your name")
    contact_phone: str = Field(default="", max_length=30, description="Defaults to your phone")

    _nul = field_validator("title", "purpose", "contact_name", "contact_phone")(_no_nul)


class DecisionBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: StrictInt | None = Field(default=None, ge=1, le=2**31 - 1, description="The version you saw; a stale one gets 409")
    reason: str = Field(default="", max_length=500, description="Required to refuse; optional to cancel")

    _nul = field_validator("reason")(_no_nul)
