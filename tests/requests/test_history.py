"""The history is append-only: the database itself refuses to change or delete an event."""

import pytest
from sqlalchemy import delete, update
from sqlalchemy.exc import DBAPIError

from server.models import RequestEvent
from tests.requests.helpers import events, submit


def test_events_cannot_be_changed_or_deleted(database, world):
    req = submit(database, "member1", "union.join", answers={"people": 1})
    for statement in (update(RequestEvent).values(note="rewritten"), delete(RequestEvent)):
        with pytest.raises(DBAPIError, match="append-only"), database.write() as session:
            session.execute(statement)
    assert [e[0] for e in events(database, req.number)] == ["submit", "dispatch"]
