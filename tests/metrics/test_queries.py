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
from server.models import ROLLUP_COUNTERS


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


def test_the_staff_index_covers_what_the_staff_figures_read():
    """metrics.staff() sums rollup.counter_columns() per assignee over a department's period:
    ix_service_request_department_submitted must hold every column they read, or each of a
    department's tens of thousands of requests costs a table row again."""
    from sqlalchemy.sql import visitors

    from server.metrics.rollup import counter_columns
    from server.models import ServiceRequest

    read = {"department_id", "submitted_at", "assignee_id"}
    for expression in counter_columns():
        read |= {e.name for e in visitors.iterate(expression) if getattr(e, "table", None) is ServiceRequest.__table__}
    index = next(i for i in ServiceRequest.__table__.indexes if i.name == "ix_service_request_department_submitted")
    assert [c.name for c in index.columns][:2] == ["department_id", "submitted_at"]
    assert read <= {c.name for c in index.columns}, read - {c.name for c in index.columns}
