"""Demo data carries the facts the figures count, filled as the transitions fill them: after
`lianxin metrics rebuild`, the figures read through the rollup equal the definitions applied
to the rows, and they look like a real centre's (neither all on time nor none)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from server.enums import CLOCK_RUNNING_STATUSES, Action, RequestStatus
from server.metrics import service as metrics
from server.models import Department, RequestEvent, RequestRating, ServiceRequest
from server.requests.actions import calendar, working_tenths
from server.seeding import generate_demo_requests, load_seeds
from tests.cli.conftest import cli  # noqa: F401  fixture
from tests.metrics.helpers import all_requests, expected, local_day

NOW = datetime(2026, 11, 26, 6, 0, tzinfo=UTC)
S = RequestStatus


@pytest.fixture
def demo(database):
    with database.write() as session:
        load_seeds(session)
    generate_demo_requests(database, 1500, days=60, seed=11, batch=400, now=NOW)
    return database


def test_figures_over_demo_history_equal_the_definitions(demo, cli):  # noqa: F811
    result = cli("metrics", "rebuild")
    assert result.exit_code == 0, result.output
    requests = all_requests(demo)
    days = sorted(local_day(r) for r in requests)
    with demo.read() as session:
        departments = [d.id for d in session.scalars(select(Department))]
    cases = [({}, requests)] + [
        ({"department_id": i}, [r for r in requests if r.department_id == i]) for i in departments
    ]
    for given, chosen in cases:
        want = expected(chosen, NOW)
        with demo.read() as session:
            got = metrics.figures(session, metrics.Filters(days[0], days[-1], **given), now=NOW)
        assert got.counts.submitted == want["submitted"]
        assert asdict(got.rates) == pytest.approx(want["rates"])
        assert got.composite == want["composite"]
        assert asdict(got.durations) == want["durations"]

    with demo.read() as session:
        total = metrics.figures(session, metrics.Filters(days[0], days[-1]), now=NOW)
    rates, counts = total.rates, total.counts
    for rate in (rates.response, rates.resolution, rates.satisfaction, rates.on_time, rates.unrated_share):
        assert rate is not None and 0 < rate < 1
    assert 0.6 < rates.response < 0.98 and 0.6 < rates.on_time < 0.98
    assert counts.overdue > 0 and counts.reworks > 0 and counts.returns > 0
    assert all(counts.rated.values())  # satisfied, basically satisfied and unsatisfied all occur
    assert counts.rated["satisfied"] > counts.rated["basically_satisfied"] > counts.rated["unsatisfied"]
    durations = asdict(total.durations)
    assert all(v is not None and v >= 0 for v in durations.values())
    assert durations["complete_p50"] < durations["complete_p90"]


def test_demo_facts_are_what_the_transitions_would_have_stamped(demo):
    with demo.read() as session:
        requests = session.scalars(select(ServiceRequest)).all()
        events = defaultdict(list)
        for e in session.scalars(select(RequestEvent).order_by(RequestEvent.request_id, RequestEvent.id)):
            events[e.request_id].append(e)
        ratings = {r.request_id: r.value for r in session.scalars(select(RequestRating))}
        cals = {d.id: calendar(d) for d in session.scalars(select(Department))}
    taken = {e.action for history in events.values() for e in history}
    assert taken >= {Action.transfer, Action.return_, Action.release, Action.suspend, Action.resume,
                     Action.request_extension, Action.extend, Action.rework, Action.rate, Action.auto_close}
    for r in requests:
        history = events[r.id]

        def first(*actions, history=history):
            return next((e.at for e in history if e.action in actions), None)

        assert r.first_claimed_at == first(Action.claim, Action.assign)
        assert r.first_completed_at == first(Action.complete)
        assert (r.dispatched_at is None) == (r.tenths_to_dispatch is None)
        if r.dispatched_at is not None:
            assert r.tenths_to_dispatch == working_tenths(calendar(), r.submitted_at, r.dispatched_at)
        if r.first_claimed_at is not None:
            assert r.first_claim_due_at is not None
            assert r.tenths_to_claim == working_tenths(cals[r.department_id], r.submitted_at, r.first_claimed_at)
        else:
            assert r.tenths_to_claim is None and r.first_claim_due_at is None
        if r.first_completed_at is not None:
            assert r.first_complete_due_at is not None
            assert r.tenths_to_complete == working_tenths(cals[r.department_id], r.submitted_at, r.first_completed_at)
        assert r.rating == ratings.get(r.id)
        assert r.closed_unrated == (history[-1].action == Action.auto_close)
        assert r.rework_count == sum(e.action == Action.rework for e in history)
        assert r.return_count == sum(e.action == Action.return_ for e in history)
        assert r.transfer_count == sum(e.action == Action.transfer for e in history)
        if r.status in CLOCK_RUNNING_STATUSES and r.complete_due_at < NOW:
            assert r.overdue_complete_at is not None and r.flag == "red"
    assert any(r.flag == "red" for r in requests) and any(r.overdue_claim_at for r in requests)
    # Some first claims came after their due time, most before.
    late = sum(r.first_claimed_at > r.first_claim_due_at for r in requests if r.first_claimed_at)
    assert 0 < late < len(requests) / 4
    assert max(r.submitted_at for r in requests) <= NOW - timedelta(seconds=1)
