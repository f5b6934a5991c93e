"""Bulk demo requests: every state, consistent rows and history, numbers that never collide."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from server.enums import Action, RequestStatus
from server.models import DailyCounter, Person, RequestEvent, RequestRating, ServiceRequest
from server.seeding import DemoDataError, generate_demo_requests, load_seeds

S = RequestStatus
NOW = datetime(2026, 11, 26, 6, 0, tzinfo=UTC)


@pytest.fixture
def seeded(database):
    with database.write() as session:
        load_seeds(session)
    return database


def _everything(database):
    with database.read() as session:
        requests = session.scalars(select(ServiceRequest).order_by(ServiceRequest.id)).all()
        events = defaultdict(list)
        for event in session.scalars(select(RequestEvent).order_by(RequestEvent.id)):
            events[event.request_id].append(event)
        ratings = {r.request_id: r for r in session.scalars(select(RequestRating))}
        counters = {c.day: c.last for c in session.scalars(select(DailyCounter))}
        people = {p.id: p for p in session.scalars(select(Person))}
    return requests, events, ratings, counters, people


def test_five_hundred_requests(seeded):
    written = generate_demo_requests(seeded, 500, days=90, seed=7, batch=120, now=NOW)
    requests, events, ratings, counters, people = _everything(seeded)
    assert written["requests"] == len(requests) == 500
    assert written["ratings"] == len(ratings)
    assert set(Counter(r.status for r in requests)) == set(RequestStatus)

    numbers = [r.number for r in requests]
    assert len(set(numbers)) == 500
    per_day = Counter(n.split("-")[1] for n in numbers)
    if seeded.is_sqlite:  # numbers 1..n per day, and the counter at n
        assert counters == {day: max(int(n.split("-")[2]) for n in numbers if n.split("-")[1] == day) for day in per_day}
        assert all(counters[day] == n for day, n in per_day.items())
    else:  # from the sequence (server.requests.numbering): may skip between batches
        assert set(counters) == set(per_day)

    for r in requests:
        history = events[r.id]
        assert history[0].action == Action.submit and history[0].actor_id == r.requester_id
        assert history[-1].to_status == r.status
        assert r.version == len(history) >= 1
        assert [e.at for e in history] == sorted(e.at for e in history)
        assert NOW - timedelta(days=90, minutes=1) <= r.submitted_at <= NOW
        assert r.updated_at == history[-1].at <= NOW
        assert r.enterprise_id == people[r.requester_id].enterprise_id
        assert r.answers is not None and r.complete_due_at > r.submitted_at
        _check_state(r, people, ratings)


def _check_state(r: ServiceRequest, people, ratings) -> None:
    handled = r.status in (S.claimed, S.suspended, S.completed, S.closed)
    if r.status in (S.submitted, S.rejected):
        assert r.department_id is None and r.dispatched_at is None
    if r.status == S.dispatched or handled:
        assert r.department_id is not None and r.dispatched_at >= r.submitted_at
        assert r.claim_due_at is not None
    if handled:
        assignee = people[r.assignee_id]
        assert assignee.department_id == r.department_id
        assert r.claimed_at >= r.dispatched_at
    else:
        assert r.assignee_id is None and r.claimed_at is None
    assert (r.suspended_at is not None) == (r.status == S.suspended)
    if r.status in (S.completed, S.closed):
        assert r.completed_at >= r.claimed_at
    else:
        assert r.completed_at is None
    if r.status == S.closed:
        assert r.closed_at >= r.completed_at
    elif r.status in (S.cancelled, S.rejected):  # as the transitions stamp them
        assert r.closed_at is not None and r.id not in ratings
    else:
        assert r.closed_at is None and r.id not in ratings
    if r.id in ratings:
        assert ratings[r.id].rater_id == r.requester_id
        assert ratings[r.id].created_at == r.closed_at


def test_runs_continue_numbers_and_counters(seeded):
    generate_demo_requests(seeded, 60, days=3, seed=1, now=NOW)
    generate_demo_requests(seeded, 60, days=3, seed=2, now=NOW)
    requests, _, _, counters, _ = _everything(seeded)
    assert len({r.number for r in requests}) == 120
    if seeded.is_sqlite:
        assert sum(counters.values()) == 120


def test_closed_requests_are_mostly_rated(seeded):
    generate_demo_requests(seeded, 400, seed=3, now=NOW)
    requests, events, ratings, _, _ = _everything(seeded)
    closed = [r for r in requests if r.status == S.closed]
    rated = [r for r in closed if r.id in ratings]
    assert len(rated) > len(closed) / 2
    unrated = [r for r in closed if r.id not in ratings]
    assert all(events[r.id][-1].action == Action.auto_close for r in unrated)


def test_needs_seeds(database):
    with pytest.raises(DemoDataError, match="load the seeds"):
        generate_demo_requests(database, 10)


def test_later_inserts_get_fresh_ids(seeded):
    # On PostgreSQL the explicit ids must not leave the id sequence behind.
    generate_demo_requests(seeded, 20, seed=4, now=NOW)
    with seeded.read() as session:
        template = session.scalars(select(ServiceRequest).limit(1)).one()
    with seeded.write() as session:
        fresh = ServiceRequest(
            number="LX-TEST-0001",
            status=S.submitted,
            service_id=template.service_id,
            requester_id=template.requester_id,
            answers=[],
        )
        session.add(fresh)
        session.flush()
        assert fresh.id == 21


def test_demand_is_spread_and_routed_as_the_menu_says(seeded):
    """Believable proportions: no service takes a quarter of the demo (one once took 40 %), most
    services have some requests; a request never moved by a transfer sits with the department
    its service names."""
    from server.models import Service

    generate_demo_requests(seeded, 500, days=90, seed=7, batch=120, now=NOW)
    requests, events, *_ = _everything(seeded)
    with seeded.read() as session:
        services = {s.id: s for s in session.scalars(select(Service))}
    per_service = Counter(r.service_id for r in requests)
    assert max(per_service.values()) < 0.25 * len(requests)
    assert len(per_service) >= 0.8 * len(services)
    for r in requests:
        named = services[r.service_id].department_id
        moved = any(e.action in (Action.transfer, Action.dispatch) and named is None for e in events[r.id]) or r.transfer_count
        if named is not None and r.department_id is not None and not moved:
            assert r.department_id == named, (r.number, services[r.service_id].code)


def test_every_demo_event_whose_action_needs_a_note_has_one(seeded):
    """The demo history keeps the workflow's rules: a return, a rejection, a release … carry
    the reason the real doors would have asked for."""
    from server import workflow

    generate_demo_requests(seeded, 500, days=90, seed=7, batch=120, now=NOW)
    _, events, *_ = _everything(seeded)
    needs_note = {t.action for t in workflow.TRANSITIONS.values() if t.note_required}
    missing = Counter(e.action for es in events.values() for e in es if e.action in needs_note and not (e.note or "").strip())
    assert missing == Counter()
