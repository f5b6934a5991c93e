"""API shapes of requests and their history."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, StrictInt, field_validator

from server.enums import Action, RequestStatus
from server.enums import Rating as RatingValue


def _no_nul(value: Any) -> Any:
    # PostgreSQL text cannot hold NUL; refuse it at the edge instead of failing with a 500.
    if isinstance(value, str) and "\x00" in value:
        raise ValueError("must not contain NUL characters")
    return value


class SubmitBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    service_code: str = Field(max_length=60, examples=["party.relation-transfer"])
    description: str = Field(max_length=4000)
    contact_phone: str = Field(default="", max_length=30, description="Defaults to the requester's phone")
    building_code: str | None = Field(default=None, max_length=40, description="Defaults to the requester's enterprise's building")
    floor: str = Field(default="", max_length=20)
    room: str = Field(default="", max_length=40)
    answers: dict[str, Any] = Field(default_factory=dict, description="Answers to the service's own fields, by field code")

    _nul = field_validator("service_code", "description", "contact_phone", "building_code", "floor", "room")(_no_nul)


class ActionBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: StrictInt | None = Field(default=None, description="The version you saw; a stale one gets 409")
    note: str = Field(default="", max_length=2000, description="Reason, result note or comment")
    comment: str = Field(default="", max_length=2000, description="Same as note (for rate)")
    internal: bool = Field(default=False, description="A note for staff only")
    department: str | None = Field(default=None, max_length=40, description="dispatch, transfer, add_cohandler: department code")
    assignee: str | None = Field(default=None, max_length=64, description="assign: the person's username")
    days: StrictInt | None = Field(default=None, description="request_extension, extend: working days")
    rating: RatingValue | None = Field(default=None, description="rate")

    _nul = field_validator("note", "comment", "department", "assignee")(_no_nul)


class MessageBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1, max_length=2000, description="The message (沟通留言)")
    internal: bool = Field(default=False, description="For staff only: never shown to the requester")

    _nul = field_validator("text")(_no_nul)


class Ref(BaseModel):
    code: str
    name: str


class PersonRef(BaseModel):
    username: str
    name: str


class AnswerOut(BaseModel):
    code: str
    label: str
    type: str
    value: Any
    display: str


class RatingOut(BaseModel):
    value: RatingValue
    comment: str
    at: datetime


class RequestSummary(BaseModel):
    id: int
    number: str
    status: RequestStatus
    version: int
    service: Ref
    department: Ref | None
    assignee: PersonRef | None
    requester: PersonRef
    building: Ref | None
    floor: str
    room: str
    submitted_at: datetime
    claim_due_at: datetime | None
    complete_due_at: datetime | None
    flag: str | None = Field(description="blue (due soon), yellow (behind), red (overdue) or null")
    urge_count: int = Field(description="How many times a supervisor urged it (催办)")
    last_urged_at: datetime | None


class RequestOut(RequestSummary):
    description: str
    contact_phone: str
    cohandler_department: Ref | None
    answers: list[AnswerOut]
    dispatched_at: datetime | None
    claimed_at: datetime | None
    completed_at: datetime | None
    closed_at: datetime | None
    extension_requested_days: int | None
    rework_count: int
    return_count: int
    transfer_count: int
    rating: RatingOut | None
    actions: list[Action] = Field(description="What you may do now")


class OverdueItem(RequestSummary):
    overdue_since: datetime = Field(description="When it fell due: its claim or completion due time")
    overdue_hours: float = Field(description="Working hours since then, in its department's office hours")
    overdue_days: float = Field(description="The same in working days")


class OverduePage(BaseModel):
    kind: str = Field(description="claim (overdue to claim) or complete (overdue to complete)")
    items: list[OverdueItem]
    next_cursor: str | None


class RequestPage(BaseModel):
    items: list[RequestSummary]
    next_cursor: str | None


class EventOut(BaseModel):
    id: int
    at: datetime
    action: Action
    from_status: RequestStatus | None
    to_status: RequestStatus
    actor: PersonRef | None = Field(description="null when the system acted")
    note: str
    public: bool
    data: dict[str, Any]
