"""The supervision sweep (server.requests.supervision, driven by server.sweeper): flags of every
colour, the overdue stamps at the due time, idempotence, and never clobbering a transition.
Runs on SQLite and, in CI, on PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from server.enums import Action as A
from server.enums import RequestStatus as S
from server.models import ServiceRequest
from server.requests import supervision
from server.sweeper import sweep_flags, sweep_once
from tests.requests.helpers import act, load, submit

R = ServiceRequest


def snapshot(database) -> dict[int, tuple]:
    with database.read() as session:
        return {r.id: tuple(r) for r in session.execute(select(*R.__table__.columns)).all()}


def dispatched(database):
    return submit(database, "member1", "union.join", answers={"people": 1})


def claimed(database):
    req = dispatched(database)
    return act(database, "staff1", req.number, A.claim)


def test_each_colour_and_the_stamps_at_the_due_time(database, world):
    # Each request is swept at a moment chosen for its colour, and checked before the next.
    late_claim = load(database, dispatched(database).number)
    sweep_flags(database, late_claim.claim_due_at + timedelta(minutes=1))
    got = load(database, late_claim.number)
    assert got.flag == "red" and got.overdue_claim_at == late_claim.claim_due_at  # its due time, not the sweep's
    assert got.overdue_complete_at is None

    behind = load(database, submit(database, "member1", "misc.other").number)  # no department yet: no claim clock
    assert behind.status == S.submitted and behind.claim_due_at is None
    sweep_flags(database, behind.submitted_at + (behind.complete_due_at - behind.submitted_at) * 0.6)
    got = load(database, behind.number)
    assert got.flag == "yellow" and got.overdue_claim_at is None and got.overdue_complete_at is None

    due_soon = load(database, claimed(database).number)
    assert due_soon.flag is None  # fresh
    sweep_flags(database, due_soon.complete_due_at - timedelta(hours=1))
    assert load(database, due_soon.number).flag == "blue"

    late = load(database, claimed(database).number)
    sweep_flags(database, late.complete_due_at + timedelta(minutes=5))
    got = load(database, late.number)
    assert got.flag == "red" and got.overdue_complete_at == late.complete_due_at
    assert got.overdue_claim_at is None  # it was claimed in time


def test_blue_then_red_then_none_when_suspended(database, world):
    req = load(database, claimed(database).number)
    sweep_flags(database, req.complete_due_at - timedelta(hours=1))
    assert load(database, req.number).flag == "blue"
    assert load(database, req.number).overdue_complete_at is None
    sweep_flags(database, req.complete_due_at + timedelta(hours=1))
    after = load(database, req.number)
    assert after.flag == "red" and after.overdue_complete_at == req.complete_due_at
    act(database, "staff1", req.number, A.suspend, note="等材料")
    assert load(database, req.number).flag is None  # the transition cleared it at once
    sweep_flags(database, req.complete_due_at + timedelta(days=30))
    suspended = load(database, req.number)
    assert suspended.flag is None and suspended.overdue_complete_at == req.complete_due_at  # never cleared


def test_the_sweep_does_not_bump_versions_and_a_second_run_changes_nothing(database, world):
    reqs = [load(database, dispatched(database).number) for _ in range(3)] + [load(database, claimed(database).number)]
    now = max(r.complete_due_at for r in reqs) + timedelta(hours=1)
    before = {r.number: r.version for r in reqs}
    assert sweep_flags(database, now) >= len(reqs)  # one write per kind of overdue
    first = snapshot(database)
    assert sweep_flags(database, now) == 0
    assert snapshot(database) == first
    for r in reqs:
        swept = load(database, r.number)
        assert swept.version == before[r.number] and swept.flag == "red"


def test_sweep_once_does_both_jobs(database, world):
    req = load(database, dispatched(database).number)
    swept = sweep_once(database, req.claim_due_at + timedelta(minutes=1))
    assert swept.closed == 0 and swept.flagged == 1
    assert sweep_once(database, req.claim_due_at + timedelta(minutes=1)).flagged == 0


def test_batches_cover_every_open_request(database, world, monkeypatch):
    monkeypatch.setattr(supervision, "SWEEP_BATCH", 2)
    reqs = [load(database, dispatched(database).number) for _ in range(5)]
    assert sweep_flags(database, max(r.claim_due_at for r in reqs) + timedelta(minutes=1)) == 5
    assert {load(database, r.number).flag for r in reqs} == {"red"}


def test_a_transition_committed_after_the_sweep_read_keeps_its_own_write(database, world):
    req = load(database, dispatched(database).number)
    now = req.claim_due_at + timedelta(minutes=1)
    with database.read() as session:
        rows = supervision.read_batch(session, S.dispatched, 0)
    # Meanwhile a staff member claims it (late): the sweep's rows are now stale.
    act(database, "staff1", req.number, A.claim, now=now)
    claimed_row = load(database, req.number)
    assert database.run(lambda session: supervision.write_facts(session, rows, now)) == 0
    after = load(database, req.number)
    assert (after.status, after.version, after.assignee_id) == (S.claimed, claimed_row.version, claimed_row.assignee_id)
    assert after.flag is None  # the claim's own flag, not the sweep's red
    # The claim itself recorded that it had been overdue to claim, since its claim due time.
    assert after.overdue_claim_at == req.claim_due_at


def test_a_transition_overwrites_a_flag_the_sweep_wrote_after_it_read(database, world):
    req = load(database, dispatched(database).number)
    now = req.claim_due_at + timedelta(minutes=1)

    def work(session):
        request = session.scalar(select(R).where(R.number == req.number))
        assert request.flag is None
        # The sweep commits "red" from the old state between this read and this write; the
        # version is unchanged, so this transition's UPDATE still applies.
        session.connection().execute(update(R.__table__).where(R.__table__.c.id == request.id).values(flag="red"))
        from server.accounts.people_repository import person_by_username
        from server.requests import service as request_service

        request_service.perform(session, person_by_username(session, "staff1"), request, A.claim, now=now)

    database.run(work)
    assert load(database, req.number).flag is None


def test_finished_requests_lose_a_left_over_flag(database, world):
    req = claimed(database)
    act(database, "staff1", req.number, A.complete, note="办好了")
    with database.write() as session:
        session.execute(update(R.__table__).where(R.__table__.c.number == req.number).values(flag="red"))
    version = load(database, req.number).version
    assert sweep_flags(database, load(database, req.number).submitted_at) == 1
    assert load(database, req.number).flag is None and load(database, req.number).version == version
    assert sweep_flags(database, load(database, req.number).submitted_at) == 0


@pytest.mark.parametrize("action", [A.claim, A.suspend])
def test_transitions_recompute_the_flag_at_once(database, world, action):
    req = load(database, dispatched(database).number)
    late = req.complete_due_at + timedelta(hours=1)
    sweep_flags(database, late)
    assert load(database, req.number).flag == "red"
    act(database, "staff1", req.number, A.claim, now=late)
    if action == A.suspend:
        act(database, "staff1", req.number, A.suspend, note="等材料", now=late)
        assert load(database, req.number).flag is None
    else:
        assert load(database, req.number).flag == "red"  # still overdue to complete
        assert load(database, req.number).overdue_complete_at == req.complete_due_at


def test_the_red_flag_and_its_sql_twin_agree(database, world):
    from server.requests.flags import Flag, flag_for, red_clause
    from tests.requests.test_due import _generated

    generated, now = _generated(database, world)
    with database.read() as session:
        in_sql = set(session.scalars(select(R.id).where(R.id.in_(generated), red_clause(now))))
    in_python = {
        i for i, r in generated.items()
        if flag_for(r.status, now, submitted_at=r.submitted_at, claim_due_at=r.claim_due_at,
                    complete_due_at=r.complete_due_at) == Flag.red
    }
    assert in_sql == in_python and in_sql and in_sql != set(generated)


def test_the_sweep_sets_what_flag_for_says_on_every_generated_request(database, world):
    from server.requests.flags import flag_for
    from tests.requests.test_due import _generated

    generated, now = _generated(database, world)
    sweep_flags(database, now)
    with database.read() as session:
        swept = {r.id: r for r in session.scalars(select(R).where(R.id.in_(generated)))}
    for i, r in generated.items():
        expected = flag_for(r.status, now, submitted_at=r.submitted_at, claim_due_at=r.claim_due_at,
                            complete_due_at=r.complete_due_at)
        assert swept[i].flag == (expected.value if expected else None), (r.status, r.claim_due_at, r.complete_due_at)
    assert sweep_flags(database, now) == 0


@pytest.mark.postgres_only
def test_on_postgresql_the_sweep_waits_for_a_transition_in_progress_and_keeps_its_write(database, world):
    """Really at once: a claim holds the row (flushed, not committed) while the sweep runs; the
    sweep waits for the row, finds it claimed and writes nothing over it."""
    import threading
    import time

    from server.accounts.people_repository import person_by_username
    from server.requests import service as request_service

    req = load(database, dispatched(database).number)
    now = req.claim_due_at + timedelta(minutes=1)
    holding, release = threading.Event(), threading.Event()

    def claim():
        with database.write() as session:
            request = session.scalar(select(R).where(R.number == req.number))
            request_service.perform(session, person_by_username(session, "staff1"), request, A.claim, now=now)
            holding.set()  # the UPDATE is flushed: the row is locked until this commits
            release.wait(10)

    result: dict[str, int] = {}
    claimer = threading.Thread(target=claim)
    claimer.start()
    assert holding.wait(10)
    sweeper = threading.Thread(target=lambda: result.update(changed=sweep_flags(database, now)))
    sweeper.start()
    time.sleep(0.5)
    assert sweeper.is_alive()  # waiting for the claim's row lock
    release.set()
    claimer.join(10)
    sweeper.join(10)
    after = load(database, req.number)
    assert result["changed"] == 0
    assert after.status == S.claimed and after.flag is None and after.overdue_claim_at == req.claim_due_at
