"""API shapes of visits and the visit plan."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, StrictInt, field_validator

from server.enums import RequestStatus
from server.requests.schemas import PersonRef, Ref, _no_nul
from server.visits.rules import Standing


class EnterpriseRef(BaseModel):
    id: int
    name: str


class NeedOut(BaseModel):
    number: str
    status: RequestStatus
    service: str = Field(description="The service's code")


class PhotoOut(BaseModel):
    id: int
    name: str
    content_type: str
    size: int
    url: str = Field(description="Download it (signed in) from this page address")


class VisitOut(BaseModel):
    id: int
    enterprise: EnterpriseRef
    visited_on: date
    staff: list[PersonRef]
    met_with: str
    topics: str
    findings: str
    follow_ups: str
    internal_notes: str | None = Field(description="For the centre's staff; null for the enterprise")
    created_by: PersonRef | None
    created_at: datetime
    needs: list[NeedOut]
    photos: list[PhotoOut]


class VisitPage(BaseModel):
    items: list[VisitOut]
    next_cursor: str | None


class VisitBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    enterprise_id: StrictInt = Field(ge=1, le=2**31)
    visited_on: date
    staff: list[str] = Field(min_length=1, max_length=10, description="Usernames of who went")
    met_with: str = Field(max_length=200)
    topics: str = Field(default="", max_length=500)
    findings: str = Field(max_length=4000)
    internal_notes: str = Field(default="", max_length=4000)
    follow_ups: str = Field(default="", max_length=4000)

    _nul = field_validator("met_with", "topics", "findings", "internal_notes", "follow_ups")(_no_nul)

    @field_validator("staff")
    @classmethod
    def _staff(cls, value: list[str]) -> list[str]:
        if any(len(v) > 64 or "\x00" in v for v in value):
            raise ValueError("usernames of at most 64 characters")
        return value


class NeedBody(BaseModel):
    """A need found on the visit, filed as a request for the enterprise (its contact is the requester)."""

    model_config = ConfigDict(extra="forbid")

    service_code: str = Field(max_length=60)
    description: str = Field(max_length=4000)
    contact_phone: str = Field(default="", max_length=30, description="Defaults to the contact's phone")
    answers: dict[str, Any] = Field(default_factory=dict, description="Answers to the service's own fields, by field code")

    _nul = field_validator("service_code", "description", "contact_phone")(_no_nul)


class PlanLineOut(BaseModel):
    enterprise: EnterpriseRef
    frequency_months: int
    frequency_is_default: bool
    responsible_department: Ref | None
    responsible_person: PersonRef | None
    starts_on: date | None
    last_visit_on: date | None
    visits: int
    next_due_on: date
    standing: Standing
    requested_by: str | None = Field(description="An accepted visit request still waiting for its visit")
    note: str


class PlanBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    frequency: str | None = Field(default=None, max_length=20,
                                  description="monthly, quarterly, half_yearly, yearly or a number of months; null: the default")
    responsible_department: str | None = Field(default=None, max_length=40, description="A department code")
    responsible_person: str | None = Field(default=None, max_length=64, description="A username")
    starts_on: date | None = None
    note: str = Field(default="", max_length=500)

    _nul = field_validator("frequency", "responsible_department", "responsible_person", "note")(_no_nul)
