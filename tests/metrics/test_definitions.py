"""DESIGN.md "Exact definitions" against hand-computed fixtures: each case below was worked out
on paper from the definition's words, including rework, extension, suspension, a request still
within its claim limit and empty periods."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from server.enums import Rating, RequestStatus
from server.metrics.definitions import (
    DepartmentMonth,
    RequestFacts,
    composite,
    on_time_rate,
    percentile,
    previous_period,
    red_black_list,
    resolution_rate,
    response_rate,
    satisfaction,
)

S = RequestStatus
NOW = datetime(2026, 12, 2, 12, tzinfo=UTC)


def at(hours: float) -> datetime:
    """``hours`` before (negative) or after NOW."""
    return NOW + timedelta(hours=hours)


# --- response rate -------------------------------------------------------------------------
def test_response_rate_counts_late_and_never_claimed_past_due_and_leaves_out_the_undecided():
    facts = [
        RequestFacts(S.claimed, first_claimed_at=at(-10), claim_due_at=at(-8)),  # in time
        RequestFacts(S.closed, first_claimed_at=at(-5), claim_due_at=at(-5)),  # exactly at due: in time
        RequestFacts(S.completed, first_claimed_at=at(-3), claim_due_at=at(-4)),  # late
        RequestFacts(S.dispatched, claim_due_at=at(-1)),  # never claimed, past due: counts, late
        RequestFacts(S.dispatched, claim_due_at=at(+2)),  # still within its claim limit: undecided
        RequestFacts(S.submitted),  # not dispatched yet, no due time: undecided
    ]
    # decided: 4 (3 claimed + 1 past due); in time: 2 → 2 / 4
    assert response_rate(facts, NOW) == 0.5


def test_a_claim_with_no_claim_limit_is_in_time():
    assert response_rate([RequestFacts(S.claimed, first_claimed_at=at(-1))], NOW) == 1.0


def test_response_rate_of_only_undecided_requests_is_no_figure():
    assert response_rate([RequestFacts(S.dispatched, claim_due_at=at(+1))], NOW) is None
    assert response_rate([], NOW) is None


# --- resolution rate -----------------------------------------------------------------------
def test_resolution_rate_counts_ever_completed_among_those_not_cancelled_or_rejected():
    facts = [
        RequestFacts(S.closed, first_completed_at=at(-5)),
        # Reworked: completed once, now back in progress — it was ever completed.
        RequestFacts(S.claimed, first_completed_at=at(-20)),
        RequestFacts(S.claimed),
        RequestFacts(S.suspended),
        RequestFacts(S.cancelled),
        RequestFacts(S.rejected),
    ]
    # 2 completed / 4 (six less the cancelled and the rejected)
    assert resolution_rate(facts) == 0.5


def test_resolution_rate_of_an_empty_period_is_no_figure():
    assert resolution_rate([]) is None
    assert resolution_rate([RequestFacts(S.cancelled), RequestFacts(S.rejected)]) is None


# --- satisfaction ----------------------------------------------------------------------------
def test_satisfaction_weighs_basically_satisfied_at_nine_tenths_and_counts_the_unrated():
    facts = [
        RequestFacts(S.closed, first_completed_at=at(-9), rating=Rating.satisfied),
        RequestFacts(S.closed, first_completed_at=at(-9), rating=Rating.satisfied),
        RequestFacts(S.closed, first_completed_at=at(-9), rating=Rating.basically_satisfied),
        RequestFacts(S.closed, first_completed_at=at(-9), rating=Rating.unsatisfied),
        RequestFacts(S.closed, first_completed_at=at(-9), closed_unrated=True),
        RequestFacts(S.completed, first_completed_at=at(-1)),  # not rated yet, not closed
    ]
    figures = satisfaction(facts)
    # rated 4: (2 + 0.9 × 1) / 4 = 0.725; share (2 + 1) / 4 = 0.75; closed 5, unrated 1 → 0.2
    assert figures.rate == pytest.approx(0.725)
    assert figures.share == 0.75
    assert figures.unrated_share == 0.2


def test_a_reworked_request_counts_its_latest_rating_once():
    # Rated unsatisfied, reworked, then rated satisfied: the facts carry the latest rating.
    reworked = RequestFacts(S.closed, first_completed_at=at(-30), rating=Rating.satisfied)
    assert satisfaction([reworked]).rate == 1.0


def test_satisfaction_with_nothing_rated_or_closed_is_no_figure():
    figures = satisfaction([RequestFacts(S.claimed)])
    assert (figures.rate, figures.share, figures.unrated_share) == (None, None, None)


# --- on-time completion ------------------------------------------------------------------------
def test_on_time_uses_the_due_time_of_the_first_completion_as_extended_and_suspended():
    facts = [
        # Extended by two days before it fell due: the extended due time applies.
        RequestFacts(S.closed, first_completed_at=at(-30), first_complete_due_at=at(-20)),
        # Suspended for 5 hours: its due time moved by 5 hours, and it made it.
        RequestFacts(S.closed, first_completed_at=at(-14), first_complete_due_at=at(-14)),
        # First completion late; a rework later got a fresh limit — still late.
        RequestFacts(S.claimed, first_completed_at=at(-2), first_complete_due_at=at(-3)),
        RequestFacts(S.claimed),  # never completed: not counted
    ]
    # completed 3, on time 2
    assert on_time_rate(facts) == pytest.approx(2 / 3)


def test_on_time_of_nothing_completed_is_no_figure():
    assert on_time_rate([RequestFacts(S.claimed)]) is None


# --- composite ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("response", "resolution", "satisfaction_rate", "expected"),
    [
        (1.0, 1.0, 1.0, 100.0),
        (0.5, 0.5, 0.725, 59.0),  # 5 + 25 + 29
        (0.5, 0.8, 0.8125, 77.5),  # 5 + 40 + 32.5
        (0.25, 0.85, 0.5, 65.0),  # 2.5 + 42.5 + 20
        (0.3, 0.7, 0.5125, 58.5),  # 3 + 35 + 20.5
        (0.0, 0.45, 0.3125, 35.0),  # 0 + 22.5 + 12.5
        (0.65, 0.0, 0.0, 6.5),
        (0.125, 0.0, 0.0, 1.3),  # 1.25 rounds half up
    ],
)
def test_composite_score(response, resolution, satisfaction_rate, expected):
    assert composite(response, resolution, satisfaction_rate) == expected


def test_composite_without_one_of_its_rates_is_no_figure():
    assert composite(None, 1.0, 1.0) is None
    assert composite(1.0, None, 1.0) is None
    assert composite(1.0, 1.0, None) is None


# --- durations, periods ---------------------------------------------------------------------------
def test_percentiles_interpolate_like_percentile_cont():
    hours = [1, 2, 3, 4, 10]
    assert percentile(hours, 0.5) == 3
    # position (5 - 1) × 0.9 = 3.6: 4 + 0.6 × (10 - 4) = 7.6
    assert percentile(hours, 0.9) == pytest.approx(7.6)
    assert percentile([5], 0.9) == 5
    assert percentile([], 0.5) is None


def test_the_previous_period_has_the_same_length():
    assert previous_period(date(2026, 11, 1), date(2026, 11, 30)) == (date(2026, 10, 2), date(2026, 10, 31))
    assert previous_period(date(2026, 12, 2), date(2026, 12, 2)) == (date(2026, 12, 1), date(2026, 12, 1))


# --- red and black list ---------------------------------------------------------------------------
def dept(code, composite_score, *, volume=10, overdue=0):
    return DepartmentMonth(code=code, volume=volume, composite=composite_score, overdue=overdue)


def test_red_and_black_lists_of_twelve_departments():
    departments = [dept(f"d{i:02}", 50.0 + i) for i in range(12)]
    result = red_black_list(departments)
    assert [d.code for d in result.red] == ["d11", "d10", "d09", "d08", "d07"]
    assert [d.code for d in result.black] == ["d00", "d01", "d02", "d03", "d04"]


def test_ties_go_to_fewer_overdue_then_more_volume():
    departments = [
        dept("a", 80.0, overdue=3), dept("b", 80.0, overdue=1), dept("c", 80.0, overdue=1, volume=20),
        *(dept(f"x{i}", 10.0 + i) for i in range(9)),
    ]
    assert [d.code for d in red_black_list(departments).red[:3]] == ["c", "b", "a"]


def test_too_small_and_figureless_departments_are_not_ranked():
    departments = [dept("tiny", 99.0, volume=4), dept("unrated", None), *(dept(f"d{i}", 50.0 + i) for i in range(10))]
    result = red_black_list(departments)
    codes = {d.code for d in result.red + result.black}
    assert "tiny" not in codes and "unrated" not in codes
    assert len(result.red) == len(result.black) == 5


def test_with_fewer_than_ten_ranked_a_department_on_both_lists_is_on_neither():
    departments = [dept(f"d{i}", 60.0 + i) for i in range(7)]
    result = red_black_list(departments)
    # top five d6..d2, bottom five d0..d4: d2, d3, d4 would be on both
    assert [d.code for d in result.red] == ["d6", "d5"]
    assert [d.code for d in result.black] == ["d0", "d1"]


def test_an_empty_month_has_empty_lists():
    result = red_black_list([])
    assert result.red == [] and result.black == []
