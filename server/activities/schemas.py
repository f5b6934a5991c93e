"""The programme's API bodies and answers (pydantic); the rules stay in the service."""

from __future__ import annotations

from datetime import datetime

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StrictBool, StrictInt

from server.activities.presenters import ActivityView
from server.enums import ActivityAudience, ActivityKind


class ActivityIn(BaseModel):
    """Times are ISO 8601 with a zone (e.g. ``2026-12-10T14:30:00+08:00``)."""

    model_config = ConfigDict(extra="forbid")

    title: str = Field(max_length=200)
    kind: ActivityKind
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    description: str = Field(default="", max_length=5000)
    place: str = Field(default="", max_length=200)
    speaker_name: str = Field(default="", max_length=100)
    speaker_id: StrictInt | None = Field(default=None, ge=1, le=2**31 - 1)
    capacity: StrictInt | None = Field(default=None, ge=1, le=100_000, description="Places; null for no limit")
    audience: ActivityAudience = ActivityAudience.members
    signup_opens_at: AwareDatetime | None = None
    signup_closes_at: AwareDatetime | None = None
    organiser_department_id: StrictInt | None = Field(default=None, ge=1, le=2**31 - 1)
    organiser_club_id: StrictInt | None = Field(default=None, ge=1, le=2**31 - 1)
    repeat_rule: str = Field(default="", max_length=200, description="RFC 5545 RRULE, e.g. FREQ=MONTHLY;BYDAY=+2TH (on create only)")
    room_id: StrictInt | None = Field(
        default=None, ge=1, le=2**31 - 1,
        description="A room to book for the activity's time, by the rooms' booking rules (409 booking-conflict "
                    "when it is taken); on an edit, null frees the room the activity held")


class ActivityOut(BaseModel):
    id: int
    title: str
    description: str
    kind: str
    status: str
    starts_at: datetime
    ends_at: datetime
    place: str
    organiser: str
    organiser_department_id: int | None
    organiser_club_id: int | None
    speaker: str
    speaker_id: int | None
    capacity: int | None
    places_left: int | None
    signed_up: int
    waiting: int
    audience: str
    signup_opens_at: datetime | None
    signup_closes_at: datetime
    series_id: int | None
    my_status: str | None = Field(description="Your sign-up: signed_up, waiting or null")
    room_id: int | None = Field(default=None, description="The room booked for the activity; null for none")
    room: str = ""
    booking_id: int | None = None
    booking_status: str | None = Field(default=None, description="requested (waiting for the centre) or approved")

    @classmethod
    def of(cls, view: ActivityView) -> ActivityOut:
        return cls(**{name: getattr(view, name) for name in cls.model_fields})


class SignupOut(BaseModel):
    activity_id: int
    status: str
    position: int = Field(description="Arrival order within the activity")
    waiting_place: int | None = Field(description="1 for the first on the waiting list; null with a place")
    created_at: datetime
    promoted_at: datetime | None


class SignupRowOut(BaseModel):
    person_id: int
    name: str
    phone: str
    status: str = Field(description="signed_up, waiting, or walk_in (checked in without signing up)")
    position: int
    signed_up_at: datetime
    checked_in_at: datetime | None
    method: str | None


class CodeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: str = Field(max_length=20)


class TickIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    person_id: StrictInt = Field(ge=1, le=2**31 - 1)


class CheckInOut(BaseModel):
    recorded: bool = Field(description="False when the attendance was already recorded")


class RatingIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    content: StrictInt = Field(ge=1, le=5)
    speaker: StrictInt | None = Field(default=None, ge=1, le=5, description="Required when the activity has a speaker")
    comment: str = Field(default="", max_length=1000)


class RatingOut(BaseModel):
    id: int
    name: str
    content: int
    speaker: int | None
    comment: str
    approved: bool
    created_at: datetime


class ApprovalIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    approved: StrictBool


class KindFiguresOut(BaseModel):
    kind: str
    held: int
    signed_up: int
    attended: int
    attendance_rate: float | None
    ratings: int
    content_average: float | None
    speaker_average: float | None


class SpeakerFiguresOut(BaseModel):
    speaker_id: int | None
    speaker: str
    lectures: int
    ratings: int
    average: float | None


class FiguresOut(BaseModel):
    start: datetime
    end: datetime
    held: int
    signed_up: int
    attended: int
    walk_ins: int
    attendance_rate: float | None
    by_kind: list[KindFiguresOut]
    by_speaker: list[SpeakerFiguresOut]
