"""The order form's "the same request moments ago?" check reads the window, not the history.

Every form submission asks it; there is usually no duplicate, so a read along the person's
requests by id, filtered by time and service under its limit, went through everything they ever
filed (47% of the form's CPU in ``bench/run.py`` for members with ~400 requests). The plan must
bound the read by a count of index entries."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import event, text

from server.models.base import utcnow
from server.requests.submission import _RECENT_SAME, RECENT_COMPARED
from tests.factories import build_world
from tests.requests.pages.requester_helpers import client_for, order


def _plan(database) -> str:
    """The database's own plan for the statement as the form runs it (its expanding IN and
    dialect's parameters included): the statement is prefixed with EXPLAIN on its way out."""
    params = {"requester_id": 1, "service_id": 1, "since": utcnow() - timedelta(minutes=10), "description": "x"}
    prefix = "EXPLAIN QUERY PLAN " if database.is_sqlite else "EXPLAIN "

    def explain(conn, cursor, statement, parameters, context, executemany):
        return prefix + statement, parameters

    with database.engine.connect() as conn:
        if not database.is_sqlite:
            # An empty test table is read whole by the planner's choice; what matters is which
            # index it can use, and with what bound.
            conn.execute(text("SET LOCAL enable_seqscan = off"))
        event.listen(conn, "before_cursor_execute", explain, retval=True)
        try:
            rows = conn.execute(_RECENT_SAME, params).fetchall()
        finally:
            event.remove(conn, "before_cursor_execute", explain)
    return "\n".join(str(r[-1]) for r in rows)


def test_duplicate_check_reads_only_the_window_of_the_persons_requests(database):
    """The ids compared are the person's newest, taken from ix_service_request_requester_id
    alone and cut by the limit before anything else is read: no condition that a row must be
    read to test (the window, the service) sits inside the limit, where it would read back
    through the person's whole history whenever nothing matched."""
    plan = _plan(database)
    lines = plan.splitlines()
    at = next((i for i, line in enumerate(lines) if "ix_service_request_requester_id" in line), None)
    assert at is not None, plan
    if database.is_sqlite:
        assert lines[at - 1].startswith(("MATERIALIZE", "CO-ROUTINE")), plan
        assert "COVERING INDEX ix_service_request_requester_id (requester_id=?)" in lines[at], plan
        assert "USING INTEGER PRIMARY KEY" in plan, plan
    else:
        assert "Limit" in lines[at - 1] and "Index Only Scan Backward" in lines[at], plan
        depth = len(lines[at]) - len(lines[at].lstrip())
        scan = [lines[at]] + [line for line in lines[at + 1:at + 4]
                              if len(line) - len(line.lstrip()) > depth and "->" not in line]
        assert "Index Cond: (requester_id = 1)" in "\n".join(scan) and "Filter" not in "\n".join(scan), plan


def test_the_same_request_is_still_caught_among_many_recent_ones(app, database):
    """A person who filed many requests in the window: filing the latest again is caught,
    and another service's request with the same words is not taken for it."""
    build_world(database)
    client = client_for(app, "member1")
    for i in range(RECENT_COMPARED + 3):
        assert order(client, "legal.aid", {"description": f"咨询 {i}"}).status_code == 303
    last = f"咨询 {RECENT_COMPARED + 2}"
    again = order(client, "legal.aid", {"description": last})
    assert again.status_code == 409 and "已提交过相同的工单" in again.text
    assert order(client, "union.join", {"description": last, "answers.people": "3", "answers.kind": "new",
                                        "building_code": "A1", "floor": "2"}).status_code == 303
