"""API shapes of the pioneer index: scores with every record behind them, the ranking, and
the records the centre keeps (volunteer hours, contribution points, hand attendance)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from server.enums import PioneerGrade, PioneerPart


def _no_nul(value: Any) -> Any:
    # PostgreSQL text cannot hold NUL; refuse it at the edge instead of failing with a 500.
    if isinstance(value, str) and "\x00" in value:
        raise ValueError("must not contain NUL characters")
    return value


class PeriodOut(BaseModel):
    code: str = Field(examples=["2026-Q4", "2026"])
    kind: Literal["quarter", "year"]
    start: date
    end: date = Field(description="The last day, inclusive")


class MemberOut(BaseModel):
    id: int
    username: str
    name: str
    party_branch: str
    enterprise: str | None


class LineOut(BaseModel):
    kind: Literal["attended", "gave", "volunteered", "served", "points"]
    source: Literal["attendance_record", "activity", "volunteer_hours", "contribution_points", "service_request"]
    ref: int | str = Field(description="The record's id (a request's tracking number)")
    href: str = Field(description="The record's page")
    day: date
    label: str
    activity_kind: str | None
    amount: float = Field(description="Hours, or points as awarded; 1 for an attendance")
    rating: float | None = Field(description="A lecture's average speaker rating")
    points: float = Field(description="What the record adds to its part, before the cap")


class PartOut(BaseModel):
    part: PioneerPart
    points: float = Field(description="The part's points, within its cap")
    raw: float = Field(description="The records' sum before the cap")
    maximum: float
    capped: bool
    records: list[LineOut]


class ScoreOut(BaseModel):
    member: MemberOut
    period: PeriodOut
    total: float = Field(description="0–100, one decimal")
    grade: PioneerGrade
    parts: list[PartOut]


class TrendOut(BaseModel):
    period: PeriodOut
    total: float
    grade: PioneerGrade


class RankingRowOut(BaseModel):
    rank: int
    member: MemberOut
    total: float
    grade: PioneerGrade
    parts: dict[str, float] = Field(description="part → points")


class RankingOut(BaseModel):
    period: PeriodOut
    rows: list[RankingRowOut]


class HoursIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    person_id: int = Field(strict=True, ge=1, le=2**31 - 1, description="A party member")
    day: date
    hours: float = Field(strict=True, gt=0, le=24, description="At most one decimal")
    what: str = Field(min_length=1, max_length=200)

    _nul = field_validator("what")(_no_nul)


class PointsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    person_id: int = Field(strict=True, ge=1, le=2**31 - 1, description="A party member")
    day: date
    points: int = Field(strict=True, ge=-100, le=100, description="Positive awards, negative deducts; not 0")
    reason: str = Field(min_length=1, max_length=300)

    _nul = field_validator("reason")(_no_nul)


class AttendanceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    kind: Literal["theme_day", "micro_lecture", "micro_film", "micro_forum", "club_activity", "other"]
    day: date
    attendee_ids: list[int] = Field(min_length=1, max_length=500, description="Party members who came")
    speaker_id: int | None = Field(default=None, strict=True, ge=1, le=2**31 - 1, description="A party member; lectures")
    speaker_rating: float | None = Field(default=None, strict=True, ge=1, le=5, description="Average, one decimal")

    _nul = field_validator("name")(_no_nul)

    @field_validator("attendee_ids")
    @classmethod
    def _ids(cls, value: list[int]) -> list[int]:
        if any(isinstance(v, bool) or not 1 <= v < 2**31 for v in value):
            raise ValueError("ids are positive integers")
        return value


class WithdrawIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=300)

    _nul = field_validator("reason")(_no_nul)


class RecordBase(BaseModel):
    id: int
    day: date
    recorded_by: int | None
    recorded_at: datetime


class HoursOut(RecordBase):
    person_id: int
    hours: float
    what: str


class PointsOut(RecordBase):
    person_id: int
    points: int
    reason: str


class AttendanceOut(RecordBase):
    name: str
    kind: str
    speaker_id: int | None
    speaker_rating: float | None
    attendee_ids: list[int] = Field(description="For a member: only themselves")


class HoursPage(BaseModel):
    items: list[HoursOut]
    next_cursor: str | None


class PointsPage(BaseModel):
    items: list[PointsOut]
    next_cursor: str | None


class AttendancePage(BaseModel):
    items: list[AttendanceOut]
    next_cursor: str | None
