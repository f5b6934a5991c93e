""""Overdue" in Python and in SQL (server.requests.due) agree on every kind of request: each
status, due times missing, past, exactly now and ahead, suspended or not, on the database."""

from __future__ import annotations

import itertools
from datetime import timedelta

from sqlalchemy import insert, select

from server.enums import RequestStatus
from server.models import ServiceRequest
from server.requests import due
from tests.requests.helpers import load, submit

PAIRS = [
    (due.overdue_to_claim, due.overdue_to_claim_clause),
    (due.overdue_to_complete, due.overdue_to_complete_clause),
    (due.overdue, due.overdue_clause),
]


def _generated(database, world):
    """One request per combination, copied from a real submission: {id: request}."""
    template = load(database, submit(database, "member1", "union.join", answers={"people": 1}).number)
    now = template.submitted_at + timedelta(days=3)
    times = [None, now - timedelta(days=1), now - timedelta(seconds=1), now, now + timedelta(seconds=1), now + timedelta(days=1)]
    columns = {c.key: getattr(template, c.key) for c in ServiceRequest.__table__.columns if c.key != "id"}
    rows = []
    combos = itertools.product(RequestStatus, times, times, (False, True))
    for i, (status, claim_due, complete_due, suspended) in enumerate(combos):
        rows.append({
            **columns, "number": f"LX-20000101-{i:04d}", "status": status, "claim_due_at": claim_due,
            "complete_due_at": complete_due, "suspended_at": now - timedelta(hours=1) if suspended else None,
        })
    with database.write() as session:
        session.execute(insert(ServiceRequest), rows)
    with database.read() as session:
        generated = {r.id: r for r in session.scalars(select(ServiceRequest).where(ServiceRequest.number.like("LX-2000%")))}
    assert len(generated) == len(rows)
    return generated, now


def test_python_and_sql_agree_on_every_generated_request(database, world):
    generated, now = _generated(database, world)
    with database.read() as session:
        for predicate, clause in PAIRS:
            in_sql = set(session.scalars(select(ServiceRequest.id).where(
                ServiceRequest.id.in_(generated), clause(now))))
            if predicate is due.overdue:
                in_python = {i for i, r in generated.items() if due.is_overdue(r, now)}
            elif predicate is due.overdue_to_claim:
                in_python = {i for i, r in generated.items() if predicate(r.status, now, claim_due_at=r.claim_due_at)}
            else:
                in_python = {i for i, r in generated.items() if predicate(r.status, now, complete_due_at=r.complete_due_at)}
            assert in_sql == in_python, predicate.__name__
            assert in_sql  # the generated set has overdue requests of every kind, and others
            assert in_sql != set(generated)


def test_the_rules_themselves(database, world):
    generated, now = _generated(database, world)
    late = {i for i, r in generated.items() if due.is_overdue(r, now)}
    statuses = {generated[i].status for i in late}
    assert statuses == {RequestStatus.submitted, RequestStatus.dispatched, RequestStatus.claimed}
    # Due exactly now is not overdue yet; a missing due time never is.
    assert not any(generated[i].claim_due_at in (None, now) and generated[i].complete_due_at in (None, now) for i in late)
