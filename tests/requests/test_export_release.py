"""A streamed export reads the database from a generator of its own (server/exports.py): when
the browser leaves before the download ends, that generator's session is closed at once, not
when the garbage collector gets to it (a read transaction held on SQLite stops checkpoints)."""

from __future__ import annotations

import asyncio
import inspect

import pytest
from sqlalchemy import select
from starlette.requests import ClientDisconnect

from server import exports
from server.models import ServiceRequest
from tests.coroutines import run as run_coroutine
from tests.requests.helpers import submit

pytestmark = pytest.mark.db


def _rows(database, ended: list[str]):
    """As the finder's export_rows: a session of its own, rows in batches (here 2,000 rows, more
    than CSV writes in one chunk)."""
    with database.read() as session:
        try:
            numbers = session.scalars(select(ServiceRequest.number)).all()
            for i in range(2000):
                yield [numbers[i % len(numbers)]]
        finally:
            ended.append("session closed")


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("gone_after", [0, 2, None])  # messages sent before the browser left; None: all
def test_an_export_the_browser_leaves_closes_its_session(world, database, fmt, gone_after):
    submit(database, "member1", "union.join", answers={"people": 1})
    sent: list[dict] = []
    ended: list[str] = []

    async def send(message):
        if gone_after is not None and len(sent) >= gone_after:
            raise OSError("the browser is gone")
        sent.append(message)

    async def receive():
        await asyncio.sleep(3600)

    rows = _rows(database, ended)
    response = exports.export_response(fmt, "requests", ["number"], rows)
    try:
        run_coroutine(response({"type": "http", "asgi": {"spec_version": "2.4"}}, receive, send))
    except ClientDisconnect:  # as uvicorn would see it
        assert gone_after is not None
    # While the response (and so the generator) is still referenced: never left suspended
    # inside its session. (Gone before the first chunk: the rows were never started.)
    state = inspect.getgeneratorstate(rows)
    assert state in (inspect.GEN_CREATED, inspect.GEN_CLOSED)
    assert ended == (["session closed"] if len(sent) > 1 else [])  # it ran, and it ended
    if gone_after is None:
        assert sent[-1] == {"type": "http.response.body", "body": b"", "more_body": False}
