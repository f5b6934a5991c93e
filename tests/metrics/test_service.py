"""The service's overview on the hand-worked week: weeks, backlog, demand, and a fixed number
of queries whatever the data."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from server.enums import RequestStatus
from server.metrics import service as metrics
from tests.metrics import scenario
from tests.requests.helpers import submit

NOW = datetime(2026, 12, 2, 4, tzinfo=UTC)


@pytest.fixture
def week(database, world):
    return scenario.build(database)


def test_overview_of_the_week(database, world, week):
    with database.read() as session:
        over = metrics.overview(session, metrics.Filters(*scenario.WEEK), now=NOW)
    assert over.current.counts.submitted == 6 and over.current.composite == 80.5
    assert over.previous.counts.submitted == 0 and over.previous.rates.response is None
    assert [(w.start, w.submitted) for w in over.weekly] == [(date(2026, 11, 2), 6)]
    assert over.weekly[0].rates == over.current.rates
    cells = {(c.state, c.age_bucket): c.count for c in over.backlog if c.count}
    assert cells == {(RequestStatus.dispatched, "over_7_days"): 1, (RequestStatus.claimed, "over_7_days"): 1}
    assert len(over.backlog) == 4 * len(metrics.AGE_BUCKETS)
    services = dict(over.top_services)
    assert services == {world.services["union.join"].id: 4, world.services["misc.other"].id: 2}
    e1, e2 = world["member1"].enterprise_id, world["member2"].enterprise_id
    assert over.top_enterprises == [(e1, 4), (e2, 2)]
    union = next(r for r in over.departments if r.department_id == world.departments["union"].id)
    assert (union.load, union.submitted, union.overdue) == (2, 4, 3)


def test_weeks_are_cut_by_the_period(database, world, week):
    with database.read() as session:
        over = metrics.overview(session, metrics.Filters(date(2026, 10, 28), date(2026, 11, 10)), now=NOW)
    assert [(w.start, w.submitted) for w in over.weekly] == [
        (date(2026, 10, 26), 0), (date(2026, 11, 2), 6), (date(2026, 11, 9), 0)
    ]
    assert over.weekly[0].rates.response is None


def _overview_queries(database, count_queries, filters) -> tuple[int, str]:
    with database.read() as session:
        metrics.overview(session, filters, now=NOW)  # the catalogue snapshot is cached after this
    with count_queries(database) as counter, database.read() as session:
        metrics.overview(session, filters, now=NOW)
    return counter.count, str(counter)


@pytest.mark.parametrize("given", [{}, {"department_id": "union"}, {"service_id": "union.join"}, {"enterprise_id": 1}])
def test_overview_makes_a_fixed_number_of_queries(database, world, week, count_queries, given):
    ids = {"department_id": world.departments, "service_id": world.services}
    given = {k: (ids[k][v].id if k in ids else world["member1"].enterprise_id) for k, v in given.items()}
    filters = metrics.Filters(*scenario.WEEK, **given)
    first, counter_listing = _overview_queries(database, count_queries, filters)
    for hour in range(3):  # more requests, more days: the same queries
        submit(database, "member1", "misc.other", now=scenario.local(4 + hour, 10))
    assert _overview_queries(database, count_queries, filters)[0] == first
    # catalogue revision, rollup by day, live set, durations (whole hours, then the exact
    # tenths of the hours holding a percentile), by department and by service (one query), by
    # enterprise, open now: 8 (an enterprise filter reads its requests instead: fewer)
    assert first <= 8, counter_listing


def test_scope_for_each_role(world):
    assert metrics.scope_for(world["supervisor1"]).kind == metrics.ScopeKind.all
    assert metrics.scope_for(world["admin1"]).kind == metrics.ScopeKind.all
    lead = metrics.scope_for(world["lead1"])
    assert lead == metrics.Scope(metrics.ScopeKind.department, world.departments["union"].id)
    assert lead.allows(world.departments["union"].id) and not lead.allows(None)
    for name in ("staff1", "member1", "dispatcher1", "contact1"):
        assert metrics.scope_for(world[name]).kind == metrics.ScopeKind.forbidden
    assert metrics.scope_for(None).kind == metrics.ScopeKind.forbidden


def test_empty_database_gives_no_figures(database, world):
    with database.read() as session:
        over = metrics.overview(session, metrics.Filters(date(2026, 1, 1), date(2026, 1, 31)), now=NOW)
        red_black = metrics.red_black(session, date(2026, 1, 1), now=NOW)
    assert over.current.composite is None and over.current.durations.claim_p50 is None
    assert all(v is None for v in vars(over.current.rates).values())
    assert red_black.red == [] and red_black.black == []


def test_a_service_filter_outside_a_category_counts_nothing(database, world, week):
    other = world.services["misc.other"].id
    with database.read() as session:
        from server.models import Category

        mass = session.query(Category).filter_by(code="mass").one().id
        f = metrics.Filters(*scenario.WEEK, category_id=mass + 99, service_id=other)
        assert metrics.figures(session, f, now=NOW).counts.submitted == 0
        f = metrics.Filters(*scenario.WEEK, category_id=mass, service_id=other)
        assert metrics.figures(session, f, now=NOW).counts.submitted == 2


def test_staff_rows_of_the_week(database, world, week):
    """By hand (tests/metrics/scenario.py): staff1 holds R1 (claimed on time, satisfied) and R2
    (claimed late, basically satisfied), both completed on time; staff2 holds R6 (claimed on
    time, completed on time, sent back for rework: open, unrated); lead1 holds nothing."""
    ids = {p.id: name for name, p in world.people.items()}
    with database.read() as session:
        rows = {ids[r.person_id]: r for r in metrics.staff(session, metrics.Filters(*scenario.WEEK),
                                                             world.departments["union"].id, now=NOW)}
    assert set(rows) == {"staff1", "staff2", "lead1"}
    s1, s2, lead = rows["staff1"], rows["staff2"], rows["lead1"]
    assert (s1.load, s1.completed, s1.average_rating) == (0, 2, 2.5)
    assert s1.rates == metrics.Rates(response=0.5, resolution=1.0, satisfaction=0.95, satisfaction_share=1.0,
                                     unrated_share=0.0, on_time=1.0)
    assert s1.composite == 93.0  # 100 × (0.1 × 0.5 + 0.5 × 1 + 0.4 × 0.95)
    assert (s2.load, s2.completed, s2.average_rating, s2.composite) == (1, 1, None, None)  # nothing rated
    assert s2.rates == metrics.Rates(response=1.0, resolution=1.0, on_time=1.0)
    assert (lead.load, lead.completed, lead.rates, lead.composite) == (0, 0, metrics.Rates(), None)


def test_staff_rows_count_the_period_and_load_whatever_the_period(database, world, week):
    """Monday alone: R6 (Tuesday) leaves staff2's figures, but it is still open in their hands."""
    ids = {p.id: name for name, p in world.people.items()}
    monday = date(2026, 11, 2)
    with database.read() as session:
        rows = {ids[r.person_id]: r for r in metrics.staff(session, metrics.Filters(monday, monday),
                                                             world.departments["union"].id, now=NOW)}
    assert (rows["staff1"].completed, rows["staff1"].rates.response) == (2, 0.5)
    assert (rows["staff2"].load, rows["staff2"].completed, rows["staff2"].rates) == (1, 0, metrics.Rates())


def test_staff_makes_a_fixed_number_of_queries(database, world, week, count_queries):
    """Grouped by the database: the same queries however many requests and people."""
    filters = metrics.Filters(*scenario.WEEK)
    union = world.departments["union"].id

    def queries() -> tuple[int, str]:
        with database.read() as session:
            metrics.staff(session, filters, union, now=NOW)  # the catalogue snapshot is cached after this
        with count_queries(database) as counter, database.read() as session:
            metrics.staff(session, filters, union, now=NOW)
        return counter.count, str(counter)

    first, listing = queries()
    for hour in range(3):
        submit(database, "member1", "union.join", now=scenario.local(4 + hour, 10), answers={"people": 2})
    assert queries()[0] == first
    # counters per assignee, live set, open now per assignee, the department's people: 4
    assert first <= 4, listing
