"""The figures' JSON (GET /api/v1/metrics...): rates are fractions 0–1, composite 0–100,
durations working hours; a figure with an empty denominator is null."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date

from pydantic import BaseModel, ConfigDict, Field

from server.metrics import service as metrics


class CountsOut(BaseModel):
    submitted: int
    dispatched: int
    claimed: int
    completed: int
    closed: int
    cancelled: int
    rejected: int
    overdue: int
    returns: int
    reworks: int
    rated: dict[str, int]


class RatesOut(BaseModel):
    response: float | None
    resolution: float | None
    satisfaction: float | None
    satisfaction_share: float | None
    unrated_share: float | None
    on_time: float | None


class DurationsOut(BaseModel):
    dispatch_p50: float | None
    dispatch_p90: float | None
    claim_p50: float | None
    claim_p90: float | None
    complete_p50: float | None
    complete_p90: float | None


class Period(BaseModel):
    """A period's two inclusive ends, ``from`` and ``to`` in JSON."""

    model_config = ConfigDict(populate_by_name=True)

    from_: date = Field(alias="from")
    to: date


class PeriodFigures(Period):
    counts: CountsOut
    rates: RatesOut
    composite: float | None
    average_rating: float | None
    durations: DurationsOut

    @classmethod
    def of(cls, start: date, end: date, figures: metrics.Figures) -> PeriodFigures:
        return cls(
            from_=start, to=end, counts=CountsOut(**asdict(figures.counts)), rates=RatesOut(**asdict(figures.rates)),
            composite=figures.composite, average_rating=figures.average_rating,
            durations=DurationsOut(**asdict(figures.durations)),
        )


class MetricsOut(PeriodFigures):
    department: str | None
    previous: PeriodFigures


class DepartmentRowOut(BaseModel):
    department: str
    load: int
    submitted: int
    completed: int
    returns: int
    reworks: int
    overdue: int
    rates: RatesOut
    average_rating: float | None
    composite: float | None


class DepartmentsOut(Period):
    departments: list[DepartmentRowOut]


class StaffRowOut(BaseModel):
    username: str
    name: str
    load: int
    completed: int
    rates: RatesOut
    average_rating: float | None
    composite: float | None


class StaffOut(Period):
    department: str
    staff: list[StaffRowOut]


class RedBlackRowOut(BaseModel):
    department: str
    volume: int
    composite: float | None
    overdue: int
    satisfaction: float | None
    response: float | None
    return_rate: float | None
    rework_rate: float | None
    on_time: float | None


class RedBlackOut(BaseModel):
    month: str  # YYYY-MM
    red: list[RedBlackRowOut]
    black: list[RedBlackRowOut]
