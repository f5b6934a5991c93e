"""The rollup equals a from-scratch recomputation after a random mix of transitions, and the
figures read through it equal the definitions applied to every request's facts."""

from __future__ import annotations

import contextlib
import random
from collections import Counter
from dataclasses import asdict
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event, select

from server.enums import OPEN_STATUSES, Action, Rating, RequestStatus
from server.errors import LianxinError
from server.metrics import contribution, rollup
from server.metrics import service as metrics
from server.models import RequestEvent, ServiceRequest
from server.requests import service as request_service
from server.workflow import TRANSITIONS
from tests.metrics.helpers import all_requests, expected, local_day, rollup_tables
from tests.requests.helpers import submit

START = datetime(2026, 11, 2, 1, tzinfo=UTC)  # Monday 09:00 in Shanghai
STAFF = {"union": ["staff1", "lead1"], "legal": ["staff3", "staff4"], "care": ["staff5", "staff6"]}
LEADS = {"union": "lead1"}
REQUESTERS = ["member1", "member2", "contact1"]
SERVICES = ["legal.aid", "care.visit", "misc.other", "misc.other"]
# The transitions the mix must have taken (seeded, so it always does).
MIX = {Action.transfer, Action.return_, Action.release, Action.rework, Action.suspend, Action.resume, Action.extend,
       Action.rate, Action.auto_close, Action.cancel, Action.reject, Action.claim, Action.assign, Action.complete}


def _actors(request: ServiceRequest, action: Action, department: str | None, requester: str, assignee: str | None):
    parties = TRANSITIONS[(RequestStatus(request.status), action)].parties
    names = {str(p) for p in parties}
    out: list[str | None] = []
    if "system" in names:
        out.append(None)
    if "dispatcher" in names:
        out.append("dispatcher1")
    if "supervisor" in names:
        out.append("supervisor1")
    if "requester" in names:
        out.append(requester)
    if "assignee" in names and assignee:
        out.append(assignee)
    if "department_staff" in names and department:
        out += STAFF[department]
    if "department_lead" in names and department in LEADS:
        out.append(LEADS[department])
    return out


def _random_mix(database, world, rng: random.Random, *, requests: int, steps: int) -> datetime:
    clock = START
    numbers: dict[str, str] = {}
    for _ in range(requests):
        clock += timedelta(hours=rng.uniform(0.5, 20))
        requester = rng.choice(REQUESTERS)
        numbers[submit(database, requester, rng.choice(SERVICES), now=clock).number] = requester
    codes = {d.id: code for code, d in world.departments.items()}
    usernames = {p.id: name for name, p in world.people.items()}
    for _ in range(steps):
        clock += timedelta(hours=rng.uniform(0.1, 12))
        number = rng.choice(list(numbers))
        with database.read() as session:
            request = session.scalar(select(ServiceRequest).where(ServiceRequest.number == number))
            session.expunge(request)
        choices = [a for (state, a) in TRANSITIONS if state == request.status]
        if not choices:
            continue
        action = rng.choice(choices)
        department = codes.get(request.department_id)
        actors = _actors(request, action, department, numbers[number], usernames.get(request.assignee_id))
        if not actors:
            continue
        actor = rng.choice(actors)
        target_department = rng.choice([c for c in STAFF if c != department])
        data = request_service.ActionInput(
            note="x",
            department_code=target_department,
            assignee=rng.choice(STAFF[department]) if department else None,
            days=rng.randint(1, 3),
            rating=rng.choice(list(Rating)),
        )

        def work(session, actor=actor, action=action, data=data, number=number, now=clock):
            from server.accounts.people_repository import person_by_username

            person = person_by_username(session, actor) if actor else None
            target = session.scalar(select(ServiceRequest).where(ServiceRequest.number == number))
            request_service.perform(session, person, target, action, data, now=now)

        # Refused (wrong party, overdue extension, …): nothing changed, as it should.
        with contextlib.suppress(LianxinError):
            database.run(work)
    return clock


@pytest.mark.parametrize("seed", [1, 2])
def test_rollup_equals_rebuild_and_definitions_after_random_transitions(database, world, seed):
    rng = random.Random(seed)
    clock = _random_mix(database, world, rng, requests=30, steps=400)
    kept = rollup_tables(database)
    rollup.rebuild(database)
    assert rollup_tables(database) == kept

    requests = all_requests(database)
    with database.read() as session:
        taken = set(session.scalars(select(RequestEvent.action).distinct()))
    assert taken >= MIX, MIX - taken
    days = sorted(local_day(r) for r in requests)
    enterprise = world["member1"].enterprise_id
    service = world.services["legal.aid"].id
    cases = [({"department_id": d.id}, lambda r, i=d.id: r.department_id == i) for d in world.departments.values()]
    cases += [
        ({}, lambda r: True),
        ({"enterprise_id": enterprise}, lambda r: r.enterprise_id == enterprise),
        ({"service_id": service}, lambda r: r.service_id == service),
    ]
    for now in (clock, clock + timedelta(days=30)):  # the live part changes with the clock
        for given, keep in cases:
            chosen = [r for r in requests if keep(r)]
            f = metrics.Filters(days[0], days[-1], **given)
            with database.read() as session:
                got = metrics.figures(session, f, now=now)
                over = metrics.overview(session, f, now=now)
            want = expected(chosen, now)
            assert got.counts.submitted == want["submitted"]
            assert {k: v for k, v in got.counts.rated.items() if v} == dict(want["rated"])
            assert asdict(got.rates) == pytest.approx(want["rates"])
            assert got.composite == want["composite"]
            assert asdict(got.durations) == want["durations"]
            assert asdict(over.current) == asdict(got)
            assert sum(w.submitted for w in over.weekly) == want["submitted"]


def _expected_staff(requests: list[ServiceRequest], department_id: int, now: datetime) -> dict[int, dict]:
    """The staff table of one department by the definitions, from each request's facts: per
    person, the requests they hold now (load: the open ones, whatever the period)."""
    held: dict[int, list[ServiceRequest]] = {}
    for r in requests:
        if r.department_id == department_id and r.assignee_id is not None:
            held.setdefault(r.assignee_id, []).append(r)
    out = {}
    for person_id, rows in held.items():
        want = expected(rows, now)
        facts = [contribution.facts_of(r) for r in rows]
        rated = [metrics.RATING_POINTS[f.rating] for f in facts if f.rating is not None]
        out[person_id] = {
            "completed": sum(f.ever_completed for f in facts),
            "rates": want["rates"],
            "composite": want["composite"],
            "average_rating": sum(rated) / len(rated) if rated else None,
        }
    return out


@pytest.mark.parametrize("seed", [3])
def test_staff_rows_equal_the_definitions_after_random_transitions(database, world, seed):
    """metrics.staff() sums per assignee in SQL (the rollup keeps no such key): after a random
    mix of transitions each person's row equals the definitions applied to the requests they
    hold now, for the whole span and for its later half, now and a month later."""
    rng = random.Random(seed)
    clock = _random_mix(database, world, rng, requests=30, steps=400)
    requests = all_requests(database)
    days = sorted(local_day(r) for r in requests)
    departments = [world.departments[code].id for code in STAFF]
    seen_load = seen_completed = 0
    for now in (clock, clock + timedelta(days=30)):
        for first in (days[0], days[len(days) // 2]):
            chosen = [r for r in requests if first <= local_day(r) <= days[-1]]
            for department_id in departments:
                with database.read() as session:
                    rows = metrics.staff(session, metrics.Filters(first, days[-1]), department_id, now=now)
                want = _expected_staff(chosen, department_id, now)
                load = Counter(r.assignee_id for r in requests if r.department_id == department_id
                               and r.assignee_id is not None and r.status in OPEN_STATUSES)
                by_person = {r.person_id: r for r in rows}
                assert set(want) | set(load) <= set(by_person)
                for person_id, row in by_person.items():
                    w = want.get(person_id)
                    assert row.load == load[person_id]
                    assert row.completed == (w["completed"] if w else 0)
                    assert asdict(row.rates) == pytest.approx(w["rates"] if w else asdict(metrics.Rates()))
                    assert row.composite == (w["composite"] if w else None)
                    assert row.average_rating == pytest.approx(w["average_rating"] if w else None)
                    seen_load += row.load
                    seen_completed += row.completed
    assert seen_load and seen_completed  # the mix left work held and done: the check had something to compare


def test_rollup_rows_move_with_the_department(database, world):
    """A transfer moves the request's counts from one department's rows to the other's (where
    the least-loaded routing also has it claimed at once)."""
    req = submit(database, "member1", "union.join", answers={"people": 2}, now=START)
    before = rollup_tables(database)[0]
    assert [k[1] for k in before] == [world.departments["union"].id]

    def work(session):
        from server.accounts.people_repository import person_by_username

        target = session.get(ServiceRequest, req.id)
        request_service.perform(session, person_by_username(session, "dispatcher1"), target, Action.transfer,
                                request_service.ActionInput(note="x", department_code="care"),
                                now=START + timedelta(hours=1))

    database.run(work)
    after = rollup_tables(database)[0]
    assert [k[1] for k in after] == [world.departments["care"].id]
    assert [v[:2] for v in after.values()] == [v[:2] for v in before.values()]  # submitted, dispatched


def test_a_transaction_writes_the_rollup_once_last_in_key_order(database, world):
    """A submission to a department that assigns at once is three transitions (submit, dispatch,
    the system's assign) in one transaction: the rollup is written once, at the end, one upsert
    per table in key order (so concurrent writers lock its rows in one global order: no
    deadlock), and counts the request once."""
    statements: list[str] = []

    def seen(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement.split()[0:4])

    event.listen(database.engine, "before_cursor_execute", seen)
    try:
        req = submit(database, "member1", "care.visit", now=START)
    finally:
        event.remove(database.engine, "before_cursor_execute", seen)
    assert req.status == RequestStatus.claimed  # dispatched and assigned in the same transaction
    tables = [next((w for w in words if w.startswith("metric_")), None) for words in statements]
    touched = [t for t in tables if t]
    assert touched == ["metric_rollup", "metric_duration", "metric_enterprise_day", "metric_duration_level"]
    last = max(i for i, t in enumerate(tables) if t)
    assert all(t is None for t in tables[:last - 3]) and tables[last - 3:last + 1] == touched
    assert not [w for w in statements[last + 1:] if w[0].upper() not in ("COMMIT", "RELEASE")]

    kept = rollup_tables(database)
    rollup.rebuild(database)
    assert rollup_tables(database) == kept
    (counts,) = kept[0].values()
    assert counts[:3] == (1, 1, 1)  # submitted, dispatched, claimed: once each


def _shard_rows(database) -> dict[str, Counter]:
    """Per rollup table, how many rows each shard has."""
    with database.read() as session:
        return {table.name: Counter(session.scalars(select(table.c.shard)))
                for table in (rollup.ROLLUP, rollup.DURATION, rollup.ENTERPRISE, rollup.LEVEL)}


@pytest.mark.postgres_only
def test_the_fold_keeps_the_figures_and_leaves_one_row_per_key(database, world):
    """On PostgreSQL writers add to shards 1..SHARDS, never 0; the sweep's fold moves them all
    into shard 0 (one row per key, what readers sum) and the figures stay exactly the same."""
    _random_mix(database, world, random.Random(3), requests=20, steps=150)
    spread = _shard_rows(database)
    assert all(0 not in shards for shards in spread.values()), spread  # shard 0 is the fold's
    assert max(len(shards) for shards in spread.values()) > 1  # the writers did spread
    kept = rollup_tables(database)

    moved = rollup.fold(database)

    assert moved == sum(sum(shards.values()) for shards in spread.values())
    folded = _shard_rows(database)
    assert all(set(shards) == {0} for shards in folded.values()), folded
    assert rollup_tables(database) == kept
    with database.read() as session:  # one row per key now
        keys = session.execute(select(rollup.ROLLUP.c.day, rollup.ROLLUP.c.department_id,
                                      rollup.ROLLUP.c.service_id)).all()
    assert len(keys) == len(set(keys))
    assert rollup.fold(database) == 0  # nothing left to fold
    rollup.rebuild(database)
    assert rollup_tables(database) == kept


@pytest.mark.postgres_only
def test_folding_beside_writers_loses_no_count(database, world):
    """Folds running while submissions and claims commit on other connections: no writer
    fails (no deadlock, no lost update) and the rollup still equals its recomputation."""
    import threading

    errors: list[BaseException] = []
    stop = threading.Event()

    def write(name: str) -> None:
        try:
            for i in range(12):
                req = submit(database, name, "legal.aid", now=START + timedelta(hours=i))
                with contextlib.suppress(LianxinError):  # the other writer may have claimed it
                    def claim(session, number=req.number):
                        from server.accounts.people_repository import person_by_username

                        target = session.scalar(select(ServiceRequest).where(ServiceRequest.number == number))
                        request_service.perform(session, person_by_username(session, "staff3"), target,
                                                Action.claim, request_service.ActionInput())
                    database.run(claim)
        except BaseException as exc:
            errors.append(exc)

    def fold_until_stopped() -> None:
        try:
            while not stop.is_set():
                rollup.fold(database)
        except BaseException as exc:
            errors.append(exc)

    writers = [threading.Thread(target=write, args=(name,)) for name in ("member1", "member2", "contact1")]
    folder = threading.Thread(target=fold_until_stopped)
    folder.start()
    for t in writers:
        t.start()
    for t in writers:
        t.join(60)
    stop.set()
    folder.join(60)
    assert not errors, errors
    kept = rollup_tables(database)
    rollup.fold(database)
    assert rollup_tables(database) == kept
    rollup.rebuild(database)
    assert rollup_tables(database) == kept
    assert sum(v[0] for v in kept[0].values()) == 36  # submitted: every request counted once


def test_the_sweep_folds_the_rollup(database, world):
    from server.sweeper import sweep_once

    submit(database, "member1", "legal.aid", now=START)
    submit(database, "member2", "legal.aid", now=START)
    spread = _shard_rows(database)
    kept = rollup_tables(database)
    swept = sweep_once(database, now=START + timedelta(hours=1))
    if database.is_sqlite:  # one writer at a time, shard 0 only: nothing to fold
        assert swept.folded == 0 and all(set(s) == {0} for s in spread.values())
    else:
        assert swept.folded >= sum(sum(s.values()) for s in spread.values()) > 0
        assert all(set(s) == {0} for s in _shard_rows(database).values() if s)
    assert rollup_tables(database)[0] == kept[0]  # the sweep touched no request of these
