"""The visit plan's rules (server/visits/rules.py), pure."""

from __future__ import annotations

from datetime import date

import pytest

from server.config import Settings
from server.visits import rules
from server.visits.rules import Standing


@pytest.mark.parametrize(("text", "months"), [
    ("monthly", 1), ("quarterly", 3), ("half_yearly", 6), ("yearly", 12), ("Quarterly ", 3),
    ("每月", 1), ("每季度", 3), ("每半年", 6), ("每年", 12), ("2", 2), ("24", 24), (5, 5), ("", None), (None, None),
])
def test_frequencies_are_codes_words_or_months(text, months):
    assert rules.parse_frequency(text) == months


@pytest.mark.parametrize("text", ["0", "25", "-1", "weekly", "３", "1.5", True, 0, 100, "1000"])
def test_other_frequencies_are_refused(text):
    with pytest.raises(ValueError):
        rules.parse_frequency(text)


def test_frequency_codes_name_the_usual_months():
    assert [rules.frequency_code(m) for m in (1, 3, 6, 12, 2)] == ["monthly", "quarterly", "half_yearly", "yearly", "2"]


def test_the_setting_takes_a_code_or_months_and_refuses_the_rest():
    assert Settings(visit_default_frequency="monthly").visit_default_months == 1
    assert Settings(visit_default_frequency="4").visit_default_months == 4
    assert Settings().visit_default_months == 3
    with pytest.raises(ValueError):
        Settings(visit_default_frequency="weekly")


@pytest.mark.parametrize(("day", "months", "expected"), [
    (date(2026, 1, 31), 1, date(2026, 2, 28)),
    (date(2028, 1, 31), 1, date(2028, 2, 29)),
    (date(2026, 11, 15), 3, date(2027, 2, 15)),
    (date(2026, 12, 1), 12, date(2027, 12, 1)),
    (date(2026, 8, 31), 6, date(2027, 2, 28)),
])
def test_months_are_added_to_the_same_day_or_the_months_end(day, months, expected):
    assert rules.add_months(day, months) == expected


def test_next_due_is_one_frequency_after_the_last_visit():
    assert rules.next_due(last_visit_on=date(2026, 9, 10), frequency_months=3, starts_on=date(2026, 1, 1)) == date(2026, 12, 10)


def test_never_visited_is_due_when_the_plan_starts():
    assert rules.next_due(last_visit_on=None, frequency_months=3, starts_on=date(2026, 5, 1)) == date(2026, 5, 1)


def test_an_accepted_request_brings_the_visit_forward_never_back():
    last = date(2026, 11, 1)
    assert rules.next_due(last_visit_on=last, frequency_months=3, starts_on=last, requested_on=date(2026, 12, 5)) == date(2026, 12, 5)
    assert rules.next_due(last_visit_on=last, frequency_months=1, starts_on=last, requested_on=date(2027, 3, 1)) == date(2026, 12, 1)


def test_a_request_waits_until_a_visit_on_or_after_its_acceptance():
    assert rules.request_pending(date(2026, 11, 20), None)
    assert rules.request_pending(date(2026, 11, 20), date(2026, 11, 19))
    assert not rules.request_pending(date(2026, 11, 20), date(2026, 11, 20))


@pytest.mark.parametrize(("due", "expected"), [
    (date(2026, 12, 1), Standing.overdue),
    (date(2026, 11, 30), Standing.overdue),
    (date(2026, 12, 2), Standing.due_this_month),
    (date(2026, 12, 31), Standing.due_this_month),
    (date(2027, 1, 1), Standing.later),
])
def test_standing_on_2_december(due, expected):
    assert rules.standing(due, date(2026, 12, 2)) == expected


def test_plan_order_is_overdue_first_then_this_month_then_later():
    today = date(2026, 12, 2)
    lines = [
        rules.PlanLine(1, "甲", date(2027, 2, 1), rules.standing(date(2027, 2, 1), today)),
        rules.PlanLine(2, "乙", date(2026, 12, 20), rules.standing(date(2026, 12, 20), today)),
        rules.PlanLine(3, "丙", date(2026, 11, 1), rules.standing(date(2026, 11, 1), today)),
        rules.PlanLine(4, "丁", date(2026, 10, 1), rules.standing(date(2026, 10, 1), today)),
        rules.PlanLine(5, "戊", date(2026, 12, 10), rules.standing(date(2026, 12, 10), today)),
    ]
    assert [line.enterprise_id for line in sorted(lines, key=rules.plan_order)] == [4, 3, 5, 2, 1]


def test_coverage_has_no_figure_without_enterprises():
    assert rules.coverage(3, 4) == 0.75
    assert rules.coverage(0, 0) is None
