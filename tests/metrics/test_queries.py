"""Percentiles over the histogram (its levels: whole months, edge days, whole hours, then exact
tenths) are the definitions' percentiles."""

from __future__ import annotations

import random
from collections import Counter
from datetime import date, timedelta

import pytest

from server.metrics import definitions as d
from server.metrics import rollup
from server.metrics.contribution import CENTRE, DURATION_KINDS, Contribution
from server.metrics.queries import PERCENTILES, Scope, decompose, histogram, histogram_percentile
from server.models import ROLLUP_COUNTERS, ServiceRequest


@pytest.mark.parametrize("seed", range(20))
def test_histogram_percentile_is_percentile_cont(seed):
    rng = random.Random(seed)
    values = [rng.randint(0, rng.choice([3, 40, 900])) for _ in range(rng.randint(1, 60))]
    for fraction in (0, 0.1, 0.5, 0.9, 1):
        assert histogram_percentile(Counter(values), fraction) == pytest.approx(d.percentile(values, fraction))


def test_empty_histogram_has_no_percentile():
    assert histogram_percentile(Counter(), 0.5) is None


@pytest.mark.parametrize("seed", range(30))
def test_a_period_is_whole_months_plus_and_minus_days(seed):
    rng = random.Random(seed)
    first = date(2026, 1, 1) + timedelta(days=rng.randint(0, 300))
    last = first + timedelta(days=rng.randint(0, 200))
    months, plus, minus = decompose(first, last)
    days = Counter(plus)
    for month in months:
        following = (month + timedelta(days=32)).replace(day=1)
        days.update(month + timedelta(days=i) for i in range((following - month).days))
    days.subtract(minus)
    assert +days == Counter(first + timedelta(days=i) for i in range((last - first).days + 1))
    assert not set(plus) & set(minus) and len(plus) + len(minus) <= 2 * 16


def _file(session, values):
    """Durations straight into the histogram, as the transitions record them."""
    for day, kind, tenths in values:
        rollup.record(session, None, Contribution((day, 0, 1), (0,) * len(ROLLUP_COUNTERS), ((CENTRE, day, kind, tenths),), None))


@pytest.mark.parametrize("seed", range(6))
def test_histogram_percentiles_over_months_and_edges_are_exact(database, seed):
    rng = random.Random(seed)
    base = date(2026, 3, 1)
    values = [
        (base + timedelta(days=rng.randint(0, 150)), rng.choice(DURATION_KINDS), int(rng.expovariate(1 / rng.choice([3, 40, 300]))))
        for _ in range(rng.randint(50, 900))
    ]
    database.run(lambda session: _file(session, values))
    for _ in range(8):
        start = base + timedelta(days=rng.randint(-5, 120))
        split = start + timedelta(days=rng.randint(0, 60))
        end = split + timedelta(days=rng.randint(0, 60))
        with database.read() as session:
            got = histogram(session, Scope(), start, end, split)
        for flag, (a, b) in ((False, (start, split - timedelta(days=1))), (True, (split, end))):
            for kind in DURATION_KINDS:
                chosen = [t for day, k, t in values if k == kind and a <= day <= b]
                assert sum(got[flag][kind].values()) == len(chosen)
                for fraction in PERCENTILES:
                    assert histogram_percentile(got[flag][kind], fraction) == pytest.approx(d.percentile(chosen, fraction))



def _columns(*expressions) -> set[str]:
    """The service_request columns that SQL expressions read."""
    from sqlalchemy.sql import visitors

    return {e.name for x in expressions for e in visitors.iterate(x) if getattr(e, "table", None) is ServiceRequest.__table__}


def _index(name: str) -> list[str]:
    return [c.name for i in ServiceRequest.__table__.indexes if i.name == name for c in i.columns]


def test_the_figures_indexes_cover_what_the_figures_read():
    """metrics.staff() sums rollup.counter_columns() per assignee over a department's period,
    and live_summary() counts the overdue, late and never claimed ones: the indexes they read
    must hold every column of those rules (tests/metrics fix the rules; this fixes the
    indexes to them), or each of tens of thousands of requests costs a table page again."""
    from datetime import UTC, datetime

    from server.metrics.queries import late_clause
    from server.metrics.rollup import counter_columns
    from server.requests import due

    never_claimed = _columns(ServiceRequest.__table__.c.first_claimed_at, ServiceRequest.__table__.c.claim_due_at)
    live = _columns(due.overdue_clause(datetime.now(UTC)), late_clause()) | never_claimed
    department = _index("ix_service_request_department_submitted")
    assert department[:2] == ["department_id", "submitted_at"]
    needed = _columns(*counter_columns()) | live | {"assignee_id"}
    assert needed <= set(department), needed - set(department)
    by_status = _index("ix_service_request_status_submitted")
    assert by_status[:2] == ["status", "submitted_at"]
    needed = live | {"department_id", "assignee_id"}
    assert needed <= set(by_status), needed - set(by_status)
