"""Signals: collected at flush, sent once after commit (never after a rollback), in-process on
SQLite and through LISTEN/NOTIFY between app processes on PostgreSQL."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import select

from server.accounts.people_repository import person_by_username
from server.db import Database
from server.enums import Action
from server.live.access import Interest
from server.live.bus import LocalBus, TooManyStreams, install
from server.live.signals import Signal
from server.models import Department, ServiceRequest
from tests.conftest import TEST_DATABASE_URL
from tests.coroutines import run as run_coroutine
from tests.requests.helpers import act, submit

pytestmark = pytest.mark.db


class Recorder:
    """What the after-commit hook sent (to the local bus on SQLite, to NOTIFY on PostgreSQL)."""

    def __init__(self, live):
        self.signals: list[Signal] = []
        target = live.fanout if live.fanout is not None else live.bus
        name = "send" if live.fanout is not None else "publish"
        original = getattr(target, name)

        def record(signal):
            self.signals.append(signal)
            original(signal)

        setattr(target, name, record)


def department_id(database, code):
    with database.read() as session:
        return session.scalar(select(Department.id).where(Department.code == code))


@pytest.fixture
def recorded(world, database):
    return Recorder(install(database, max_per_person=4, max_streams=10))


def test_a_transition_signals_its_request_and_both_departments(recorded, database):
    number = submit(database, "member1", "misc.other").number
    act(database, "dispatcher1", number, Action.dispatch, department_code="union")
    act(database, "dispatcher1", number, Action.transfer, department_code="legal", note="法律事务")
    request_id = database.run(lambda s: s.scalar(select(ServiceRequest.id).where(ServiceRequest.number == number)))
    transfer = recorded.signals[-1]
    assert transfer.requests[request_id] >= {department_id(database, "union"), department_id(database, "legal")}


def test_a_submission_past_the_orm_is_signalled(recorded, database):
    submit(database, "member1", "union.join", answers={"people": 1})
    assert recorded.signals and recorded.signals[0].touches_department(department_id(database, "union"))


def test_a_rolled_back_unit_of_work_signals_nothing(recorded, database):
    number = submit(database, "member1", "union.join", answers={"people": 1}).number
    before = len(recorded.signals)

    class Boom(Exception):
        pass

    def work(session):
        person = person_by_username(session, "staff1")
        request = session.scalar(select(ServiceRequest).where(ServiceRequest.number == number))
        from server.requests import service as request_service

        request_service.perform(session, person, request, Action.claim)
        raise Boom

    with pytest.raises(Boom):
        database.run(work)
    assert len(recorded.signals) == before


def test_a_change_of_person_is_signalled_for_that_person(recorded, database):
    def move(session):
        person = person_by_username(session, "staff1")
        person.department_id = None
        return person.id

    person_id = database.run(move)
    assert person_id in recorded.signals[-1].people


def test_interests_decide_from_the_signal_alone():
    signal = Signal({7: {1, 2}})
    assert Interest("request:x", "request", request_id=7).concerns(signal)
    assert not Interest("request:y", "request", request_id=8).concerns(signal)
    assert Interest("desk", "department", department_id=2).concerns(signal)
    assert not Interest("desk", "department", department_id=3).concerns(signal)
    assert Interest("board", "all").concerns(signal) and not Interest("board", "all").concerns(Signal(people={1}))


def test_a_change_for_staff_only_concerns_no_viewer_who_cannot_read_it():
    signal = Signal()
    signal.note(7, {1}, staff_only=True)  # an internal note on 7
    signal.note(8, {1}, staff_only=True)
    signal.note(8, {1})  # and a change to 8 that everyone sees, in the same unit of work
    requester = Interest("request:x", "request", request_id=7, reads_internal=False)
    assert not requester.concerns(signal) and Interest("request:x", "request", request_id=7).concerns(signal)
    assert Interest("request:y", "request", request_id=8, reads_internal=False).concerns(signal)
    assert Interest("desk", "department", department_id=1).concerns(signal)  # staff read it
    # The mark crosses processes (NOTIFY) and pieces; a signal without it is public.
    again = Signal.from_json(signal.to_json())
    assert again.internal == {7} and not requester.concerns(again)
    assert requester.concerns(Signal.from_json('{"r":{"7":[1]},"p":[]}'))
    big = Signal()
    for i in range(1, 301):
        big.note(i, {1}, staff_only=i % 2 == 0)
    assert set().union(*(p.internal for p in big.chunks())) == big.internal and len(big.internal) == 150


def test_a_large_signal_goes_in_pieces_that_fit_a_notify():
    signal = Signal({i: {i % 5} for i in range(1, 1001)}, {3})
    parts = signal.chunks()
    assert sum(len(p.requests) for p in parts) == 1000 and all(len(p.to_json()) < 8000 for p in parts)
    assert Signal.from_json(parts[0].to_json()).people == {3}


def test_the_bus_bounds_streams_per_person():
    async def go():
        bus = LocalBus(max_per_person=2, max_streams=3)
        a, _b = bus.subscribe(1), bus.subscribe(1)
        with pytest.raises(TooManyStreams):
            bus.subscribe(1)
        bus.subscribe(2)
        with pytest.raises(TooManyStreams):
            bus.subscribe(3)  # the process is full
        bus.unsubscribe(a)
        bus.subscribe(1)

    run_coroutine(go())


@pytest.mark.postgres_only
def test_two_processes_on_postgresql_hear_each_others_commits(world, database, settings):
    """Two app instances on one PostgreSQL database, each with its own LISTEN connection: a
    commit through the first reaches the streams of both."""
    assert TEST_DATABASE_URL
    other = Database(database.url, settings)
    first, second = install(database, max_per_person=4, max_streams=10), install(other, max_per_person=4, max_streams=10)
    assert first is not second and first.fanout is not None and second.fanout is not None
    first.start()
    second.start()
    try:
        assert first.fanout.listening.wait(10) and second.fanout.listening.wait(10)

        async def go():
            here, there = first.bus.subscribe(1), second.bus.subscribe(2)
            # The write runs in a thread, as a page's would.
            request = await asyncio.to_thread(submit, database, "member1", "union.join", answers={"people": 1})
            got_here = await asyncio.wait_for(here.queue.get(), 10)
            got_there = await asyncio.wait_for(there.queue.get(), 10)
            return request.id, got_here, got_there

        request_id, got_here, got_there = run_coroutine(go())
        assert got_here.touches_request(request_id) and got_there.touches_request(request_id)
        assert got_there.touches_department(department_id(database, "union"))
    finally:
        other.dispose()
        first.stop()


def test_the_sweep_signals_what_it_marks_overdue_and_recolours(recorded, database):
    from datetime import timedelta

    from server.enums import RequestStatus
    from server.models import utcnow
    from server.requests import supervision

    request = submit(database, "member1", "union.join", answers={"people": 1})
    before = len(recorded.signals)
    later = utcnow() + timedelta(days=30)
    database.run(lambda session: supervision.stamp_overdue(session, "claim", RequestStatus.dispatched, later))
    assert len(recorded.signals) == before + 1
    assert recorded.signals[-1].touches_department(department_id(database, "union"))
    assert recorded.signals[-1].touches_request(request.id)
    # Back before it fell due, its red comes off again: a recolouring, signalled too.
    before = len(recorded.signals)
    batch = database.run(lambda session: supervision.sweep_batch(session, RequestStatus.dispatched, 0, utcnow()))
    assert batch.changed == 1 and len(recorded.signals) == before + 1
    assert recorded.signals[-1].touches_request(request.id)


def test_the_command_lines_commits_are_signalled_too(settings, db_url, monkeypatch):
    """A sweep or a worker run from the command line reaches the app processes' pages (NOTIFY
    on PostgreSQL): its database has the same hook."""
    from server import cli

    monkeypatch.setenv("DATABASE_URL", db_url)
    from server.config import get_settings

    get_settings.cache_clear()
    database = cli._database()
    try:
        assert database.live is not None and (database.live.fanout is None) == database.is_sqlite
    finally:
        database.dispose()
