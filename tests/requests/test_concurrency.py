"""Races that real users create: many staff clicking "claim" at once, a form submitted twice,
a burst of submissions. Run on SQLite and, in CI, on PostgreSQL."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import func, select

from server.enums import Action, Role
from server.errors import Conflict
from server.models import Department, RequestEvent, ServiceRequest
from tests.factories import create_person
from tests.requests.helpers import act, submit


def run_together(count: int, work):
    """Start ``count`` calls of ``work(i)`` at the same moment; return (results, errors)."""
    barrier = threading.Barrier(count)
    results, errors = [], []
    lock = threading.Lock()

    def call(i):
        barrier.wait()
        try:
            value = work(i)
            with lock:
                results.append(value)
        except Exception as exc:  # collected and asserted on below
            with lock:
                errors.append(exc)

    with ThreadPoolExecutor(max_workers=count) as pool:
        list(pool.map(call, range(count)))
    return results, errors


def test_twenty_staff_claim_one_request_exactly_one_wins(database, world):
    with database.write() as session:
        union = session.scalar(select(Department).where(Department.code == "union"))
        for i in range(20):
            create_person(session, f"claimer{i}", Role.staff, department=union)
    req = submit(database, "member1", "union.join", answers={"people": 2})

    results, errors = run_together(20, lambda i: act(database, f"claimer{i}", req.number, Action.claim, version=req.version))

    assert len(results) == 1, errors
    assert len(errors) == 19
    assert all(isinstance(e, Conflict) for e in errors), [repr(e) for e in errors if not isinstance(e, Conflict)]
    with database.read() as session:
        claims = session.scalar(
            select(func.count()).select_from(RequestEvent).where(RequestEvent.request_id == req.id, RequestEvent.action == "claim")
        )
        stored = session.get(ServiceRequest, req.id)
    assert claims == 1
    assert stored.assignee_id == results[0].assignee_id


def test_twenty_retries_of_one_form_create_one_request(database, world):
    results, errors = run_together(20, lambda i: submit(database, "member1", "misc.other", key="form-token-1"))

    assert errors == []
    assert len({r.number for r in results}) == 1
    with database.read() as session:
        assert session.scalar(select(func.count()).select_from(ServiceRequest)) == 1


def test_two_hundred_concurrent_submissions_get_distinct_numbers(database, world):
    barrier = threading.Barrier(20)

    def burst(i):
        barrier.wait()
        return [submit(database, f"member{1 + (i + j) % 2}", "misc.other").number for j in range(10)]

    with ThreadPoolExecutor(max_workers=20) as pool:
        numbers = [n for batch in pool.map(burst, range(20)) for n in batch]

    assert len(numbers) == 200
    assert len(set(numbers)) == 200
    with database.read() as session:
        assert session.scalar(select(func.count(func.distinct(ServiceRequest.number)))) == 200
