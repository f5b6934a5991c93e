"""THE pioneer index 先锋指数: a party member's 100-point score over a period, from the
records behind it. Pure: no database, no web; the weights come from settings
(``LIANXIN_PIONEER_WEIGHTS``, server/config.py ``PioneerWeights``), the facts from
server/pioneer/repository.py. docs/PIONEER.md explains it for people; the tests in
tests/pioneer/test_index.py pin it to hand-computed figures.

The parts, each capped at its maximum (defaults in brackets, summing to 100):

- organisation life 组织生活 [30]: each theme day 主题党日 attended [10], each lecture attended [5];
- learning 学习 [25]: each lecture attended [5], each lecture given [15 × speaker rating / 5,
  an unrated lecture counting as rating 3];
- service 服务 [25]: each volunteer hour the centre recorded [2], each request served as a
  volunteer [3] (completed as its assignee by staff of a social organisation 社会组织);
- contribution 贡献积分 [20]: the centre's points at face value, deductions included; the
  part lies between −20 and +20, so a deduction can take back points earned elsewhere.

A lecture is a micro-lecture, micro-film or micro-forum (微党课 · 微电影 · 微论坛): what the
audience rates the speaker of. Club and other activities score nothing. Unit values are for a
quarter; over a year every record but contribution points counts a quarter as much (so four
steady quarters make the same score as each of them). The total is the sum of the parts, never
below 0, to one decimal; grades 优秀 at ≥ 85, 良好 at ≥ 70, else 一般.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from server.config import PioneerWeights
from server.enums import PioneerGrade, PioneerPart
from server.pioneer.periods import Period

# Activity kinds (the codes of [9/12]'s ActivityKind) and what they count as.
THEME_DAY_KINDS = frozenset({"theme_day"})
LECTURE_KINDS = frozenset({"micro_lecture", "micro_film", "micro_forum"})
RECORDED_KINDS = ("theme_day", "micro_lecture", "micro_film", "micro_forum", "club_activity", "other")
PART_ORDER = (PioneerPart.organisation, PioneerPart.learning, PioneerPart.service, PioneerPart.contribution)


class FactKind(StrEnum):
    attended = "attended"  # an activity the person came to
    gave = "gave"  # a lecture the person gave
    volunteered = "volunteered"  # volunteer hours (amount = hours)
    served = "served"  # a request served as a volunteer
    points = "points"  # contribution points (amount = points, negative for a deduction)


@dataclass(frozen=True)
class Fact:
    """One record behind the score. ``source`` and ``ref`` say where it lives (the page
    links each line there): "attendance_record", "activity", "volunteer_hours",
    "contribution_points" by id; "service_request" by tracking number."""

    kind: FactKind
    source: str
    ref: int | str
    day: date
    label: str = ""
    activity_kind: str | None = None
    amount: float = 1.0
    rating: float | None = None  # a lecture's average speaker rating, 1–5


@dataclass(frozen=True)
class Line:
    fact: Fact
    points: float  # what this record adds to its part before the cap


@dataclass(frozen=True)
class PartScore:
    part: PioneerPart
    maximum: float
    raw: float  # the lines' sum
    points: float  # the part's points: raw within its cap
    lines: tuple[Line, ...]

    @property
    def capped(self) -> bool:
        return self.points != self.raw


@dataclass(frozen=True)
class Score:
    period: Period
    parts: tuple[PartScore, ...]
    total: float
    grade: PioneerGrade

    def part(self, part: PioneerPart) -> PartScore:
        return next(p for p in self.parts if p.part == part)


def maximum(weights: PioneerWeights, part: PioneerPart) -> float:
    return getattr(weights, f"{part.value}_max")


def lines_of(fact: Fact, weights: PioneerWeights, period: Period) -> list[tuple[PioneerPart, float]]:
    """What one record adds, to which parts (a lecture attended adds to two)."""
    f = period.factor
    if fact.kind == FactKind.attended:
        if fact.activity_kind in THEME_DAY_KINDS:
            return [(PioneerPart.organisation, weights.theme_day * f)]
        if fact.activity_kind in LECTURE_KINDS:
            return [(PioneerPart.organisation, weights.lecture_attended_organisation * f),
                    (PioneerPart.learning, weights.lecture_attended_learning * f)]
        return []
    if fact.kind == FactKind.gave:
        if fact.activity_kind not in LECTURE_KINDS:
            return []
        rating = fact.rating if fact.rating is not None else weights.unrated_speaker
        return [(PioneerPart.learning, weights.lecture_given * rating / 5 * f)]
    if fact.kind == FactKind.volunteered:
        return [(PioneerPart.service, weights.volunteer_hour * fact.amount * f)]
    if fact.kind == FactKind.served:
        return [(PioneerPart.service, weights.request_served * f)]
    return [(PioneerPart.contribution, fact.amount)]


def grade_of(total: float, weights: PioneerWeights) -> PioneerGrade:
    if total >= weights.excellent:
        return PioneerGrade.excellent
    if total >= weights.good:
        return PioneerGrade.good
    return PioneerGrade.fair


def score(facts: Iterable[Fact], weights: PioneerWeights, period: Period) -> Score:
    """The score of one person's facts; facts outside ``period`` are ignored."""
    by_part: dict[PioneerPart, list[Line]] = {part: [] for part in PART_ORDER}
    for fact in sorted((f for f in facts if period.contains(f.day)), key=lambda f: (f.day, f.source, str(f.ref))):
        for part, points in lines_of(fact, weights, period):
            by_part[part].append(Line(fact, points))
    parts = []
    for part in PART_ORDER:
        cap = maximum(weights, part)
        raw = sum(line.points for line in by_part[part])
        floor = -cap if part == PioneerPart.contribution else 0.0
        parts.append(PartScore(part, cap, raw, min(cap, max(floor, raw)), tuple(by_part[part])))
    total = round(max(0.0, sum(p.points for p in parts)) + 1e-9, 1)
    return Score(period, tuple(parts), total, grade_of(total, weights))


@dataclass(frozen=True)
class Ranked:
    person_id: int
    rank: int
    score: Score


def ranking(scores: dict[int, Score]) -> list[Ranked]:
    """Highest total first; equal totals share a rank (1, 2, 2, 4), in person order."""
    ordered = sorted(scores.items(), key=lambda item: (-item[1].total, item[0]))
    result: list[Ranked] = []
    for position, (person_id, s) in enumerate(ordered, 1):
        rank = result[-1].rank if result and result[-1].score.total == s.total else position
        result.append(Ranked(person_id, rank, s))
    return result


def shortlist(ranked: list[Ranked], weights: PioneerWeights) -> list[Ranked]:
    """The 创新先锋 shortlist: in ranking order, those with at least the minimum in every part,
    the first ``shortlist_size`` of them (a tie at the last place takes everyone tied)."""
    eligible = [r for r in ranked if all(
        round(r.score.part(PioneerPart(part)).points, 6) >= minimum for part, minimum in weights.shortlist_minimum.items())]
    if len(eligible) <= weights.shortlist_size:
        return eligible
    last = eligible[weights.shortlist_size - 1].score.total
    return [r for i, r in enumerate(eligible) if i < weights.shortlist_size or r.score.total == last]
