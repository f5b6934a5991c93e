"""The pioneer index formula (server/pioneer/index.py) against figures worked out by hand,
with the default weights of server/config.py (docs/PIONEER.md): caps, deductions, the
year's factor, no records, grade thresholds, ranking ties and the 创新先锋 shortlist."""

from __future__ import annotations

from datetime import date

import pytest

from server.config import PioneerWeights
from server.enums import PioneerGrade, PioneerPart
from server.pioneer import index
from server.pioneer.index import Fact, FactKind
from server.pioneer.periods import Period

W = PioneerWeights()
Q4 = Period(2026, 4)
YEAR = Period(2026)


def attended(ref: int, day: date, kind: str) -> Fact:
    return Fact(FactKind.attended, "attendance_record", ref, day, activity_kind=kind)


def hand_fixture() -> list[Fact]:
    """One member's quarter, 2026-Q4:
    organisation: 4 theme days × 10 + 2 lectures × 5 = 50 → capped at 30
    learning:     2 lectures × 5 + 1 lecture given rated 4.5: 15 × 4.5 / 5 = 13.5 → 23.5
    service:      6.5 volunteer hours × 2 = 13, 2 requests served × 3 = 6 → 19
    contribution: +10 +5 −3 = 12
    total 30 + 23.5 + 19 + 12 = 84.5 → 良好 (0.5 short of 优秀)."""
    return [
        attended(1, date(2026, 10, 8), "theme_day"),
        attended(2, date(2026, 11, 12), "theme_day"),
        attended(3, date(2026, 12, 10), "theme_day"),
        attended(4, date(2026, 12, 24), "theme_day"),
        attended(5, date(2026, 10, 20), "micro_lecture"),
        attended(6, date(2026, 11, 20), "micro_forum"),
        attended(7, date(2026, 11, 21), "club_activity"),  # scores nothing
        Fact(FactKind.gave, "activity", 8, date(2026, 11, 5), activity_kind="micro_lecture", rating=4.5),
        Fact(FactKind.volunteered, "volunteer_hours", 1, date(2026, 10, 3), amount=4.0),
        Fact(FactKind.volunteered, "volunteer_hours", 2, date(2026, 12, 3), amount=2.5),
        Fact(FactKind.served, "service_request", "LX-20261105-0001", date(2026, 11, 5)),
        Fact(FactKind.served, "service_request", "LX-20261106-0002", date(2026, 11, 6)),
        Fact(FactKind.points, "contribution_points", 1, date(2026, 10, 30), amount=10),
        Fact(FactKind.points, "contribution_points", 2, date(2026, 11, 30), amount=5),
        Fact(FactKind.points, "contribution_points", 3, date(2026, 12, 1), amount=-3),
        # another quarter: outside Q4, inside the year
        attended(9, date(2026, 3, 12), "theme_day"),
    ]


def test_the_defaults_sum_to_100():
    assert sum(index.maximum(W, p) for p in index.PART_ORDER) == 100


def test_the_hand_computed_quarter():
    s = index.score(hand_fixture(), W, Q4)
    parts = {p.part: (p.raw, p.points) for p in s.parts}
    assert parts == {
        PioneerPart.organisation: (50, 30),
        PioneerPart.learning: (23.5, 23.5),
        PioneerPart.service: (19, 19),
        PioneerPart.contribution: (12, 12),
    }
    assert s.part(PioneerPart.organisation).capped and not s.part(PioneerPart.learning).capped
    assert (s.total, s.grade) == (84.5, PioneerGrade.good)


def test_every_line_names_its_record():
    s = index.score(hand_fixture(), W, Q4)
    organisation = s.part(PioneerPart.organisation)
    assert [(line.fact.ref, line.points) for line in organisation.lines] == [
        (1, 10), (5, 5), (2, 10), (6, 5), (3, 10), (4, 10)]
    # the lecture attended adds to learning too; the club activity adds nowhere
    refs = {line.fact.ref for p in s.parts for line in p.lines}
    assert 5 in {line.fact.ref for line in s.part(PioneerPart.learning).lines}
    assert 7 not in refs and 9 not in refs
    given = next(line for line in s.part(PioneerPart.learning).lines if line.fact.kind == FactKind.gave)
    assert given.points == pytest.approx(13.5)


def test_the_year_counts_each_record_a_quarter_as_much_but_points_at_face_value():
    """organisation (5 theme days × 10 + 2 × 5) × ¼ = 15; learning 23.5 × ¼ = 5.875;
    service 19 × ¼ = 4.75; contribution 12 → 37.625 → 37.6 一般."""
    s = index.score(hand_fixture(), W, YEAR)
    assert [p.points for p in s.parts] == [15, 5.875, 4.75, 12]
    assert (s.total, s.grade) == (37.6, PioneerGrade.fair)


def test_no_records_score_zero():
    s = index.score([], W, Q4)
    assert s.total == 0 and s.grade == PioneerGrade.fair and all(p.lines == () for p in s.parts)


def test_deductions_take_back_points_down_to_the_parts_negative_cap_and_the_total_stays_at_least_zero():
    facts = [
        Fact(FactKind.volunteered, "volunteer_hours", 1, date(2026, 10, 3), amount=5),  # 10
        Fact(FactKind.points, "contribution_points", 1, date(2026, 10, 4), amount=-8),
    ]
    assert index.score(facts, W, Q4).total == 2
    facts.append(Fact(FactKind.points, "contribution_points", 2, date(2026, 10, 5), amount=-50))
    s = index.score(facts, W, Q4)
    assert s.part(PioneerPart.contribution).points == -20 and s.part(PioneerPart.contribution).raw == -58
    assert s.total == 0


def test_contribution_and_service_caps():
    facts = [Fact(FactKind.points, "contribution_points", i, date(2026, 10, i), amount=15) for i in (1, 2)]
    facts += [Fact(FactKind.volunteered, "volunteer_hours", i, date(2026, 11, i), amount=24) for i in (1, 2)]
    s = index.score(facts, W, Q4)
    assert s.part(PioneerPart.contribution).points == 20 and s.part(PioneerPart.service).points == 25
    assert s.total == 45


def test_an_unrated_lecture_counts_as_rating_3():
    s = index.score([Fact(FactKind.gave, "activity", 1, date(2026, 10, 1), activity_kind="micro_film")], W, Q4)
    assert s.part(PioneerPart.learning).points == pytest.approx(9)  # 15 × 3 / 5


@pytest.mark.parametrize(("total", "grade"), [
    (85, PioneerGrade.excellent), (84.9, PioneerGrade.good), (70, PioneerGrade.good),
    (69.9, PioneerGrade.fair), (0, PioneerGrade.fair), (100, PioneerGrade.excellent)])
def test_grade_thresholds(total, grade):
    assert index.grade_of(total, W) == grade


def test_weights_from_settings_change_the_score():
    weights = PioneerWeights(theme_day=5, organisation_max=40, learning_max=15, excellent=90, good=60)
    s = index.score(hand_fixture(), weights, Q4)
    # organisation 4 × 5 + 2 × 5 = 30 (under 40); learning 23.5 → 15
    assert [p.points for p in s.parts] == [30, 15, 19, 12]
    assert (s.total, s.grade) == (76, PioneerGrade.good)


def test_weights_must_sum_to_100_and_grades_be_ordered():
    with pytest.raises(ValueError, match="sum to 100"):
        PioneerWeights(organisation_max=50)
    with pytest.raises(ValueError, match="良好"):
        PioneerWeights(good=90)
    with pytest.raises(ValueError, match="unknown parts"):
        PioneerWeights(shortlist_minimum={"charm": 5})


def _scored(total_by_person: dict[int, list[float]]) -> dict[int, index.Score]:
    """Scores built from points per part: [organisation, learning, service, contribution]."""
    result = {}
    for person_id, points in total_by_person.items():
        facts = [Fact(FactKind.points, "contribution_points", person_id, date(2026, 10, 1), amount=points[3])]
        facts += [attended(i, date(2026, 10, 2), "theme_day") for i in range(int(points[0] // 10))]
        facts += [Fact(FactKind.volunteered, "volunteer_hours", 1, date(2026, 10, 3), amount=points[2] / 2)]
        facts += [Fact(FactKind.gave, "activity", 1, date(2026, 10, 4), activity_kind="micro_lecture",
                       rating=points[1] / 3)] if points[1] else []
        result[person_id] = index.score(facts, W, Q4)
    return result


def test_ranking_shares_a_rank_on_equal_totals():
    scores = _scored({1: [10, 0, 10, 5], 2: [30, 0, 10, 5], 3: [20, 0, 10, 15], 4: [0, 0, 0, 1]})
    ranked = index.ranking(scores)
    assert [(r.person_id, r.rank, r.score.total) for r in ranked] == [(2, 1, 45), (3, 1, 45), (1, 3, 25), (4, 4, 1)]


def test_the_shortlist_needs_the_minimum_in_every_part_and_keeps_the_top_n():
    scores = _scored({
        1: [30, 15, 20, 10],  # 75, eligible
        2: [30, 15, 20, 4],   # 69: contribution under 5
        3: [20, 12, 10, 5],   # 47, eligible
        4: [30, 9, 25, 20],   # 84: learning under 10
        5: [20, 12, 10, 5],   # 47, eligible, tied with 3
    })
    ranked = index.ranking(scores)
    assert [r.person_id for r in index.shortlist(ranked, W)] == [1, 3, 5]
    two = PioneerWeights(shortlist_size=2)
    assert [r.person_id for r in index.shortlist(ranked, two)] == [1, 3, 5]  # the tie at the last place stays
    one = PioneerWeights(shortlist_size=1)
    assert [r.person_id for r in index.shortlist(ranked, one)] == [1]
