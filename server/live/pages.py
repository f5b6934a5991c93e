"""The live stream: ``GET /live?topic=…``, server-sent events for the page that names the topic.

The stream says only *that* something its page shows changed (``event: changed``, its data
the topic); the page then fetches its own fragments again, each through its usual checks, with
htmx's SSE extension (``hx-trigger="sse:changed"``). Before each event the viewer's session and
permission are checked again (``access.still_allowed``); when either is gone the stream sends
``event: close`` (the page's ``sse-close`` stops the browser from reconnecting) and ends.
When the server is told to stop, every stream just ends at once (server/exit_signal.py), and
the browser reconnects to the worker that serves next.

Cheap while idle: a stream waits on its queue and sends a comment line every
``LIANXIN_LIVE_HEARTBEAT_SECONDS`` (no query); the database is asked only when a signal
concerns it. Bounded: ``LIANXIN_LIVE_MAX_STREAMS_PER_PERSON`` streams per person (more get 429
and the page keeps its 15-second poll), ``LIANXIN_LIVE_MAX_STREAMS`` per process.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Annotated

import anyio.to_thread
from fastapi import APIRouter, Query, Request
from starlette.responses import Response, StreamingResponse

from server.accounts import service as account_service
from server.db import Database
from server.http.session import session_secret
from server.live import access
from server.live.bus import Live, Subscriber, TooManyStreams
from server.models import Person, utcnow
from server.web.deps import PagePerson

router = APIRouter()

CLOSE = "event: close\ndata: end\n\n"
HEADERS = {
    "Cache-Control": "no-cache, no-transform",
    # nginx: pass each event on as it comes instead of filling a buffer first.
    "X-Accel-Buffering": "no",
}


def _start(database: Database, person: Person, secret: str, topic: str):
    with database.read() as session:
        wanted = access.interest(session, person, topic)
        found = account_service.resolve_token(session, secret, kind="session")
        return wanted, (found[1].expires_at if found else utcnow())


def _check(database: Database, secret: str, wanted: access.Interest) -> bool:
    with database.read() as session:
        return access.still_allowed(session, secret, wanted)


@router.get("/live")
async def live_stream(request: Request, person: PagePerson, topic: Annotated[str, Query(max_length=access.MAX_TOPIC)]):
    database: Database = request.app.state.database
    live: Live = request.app.state.live
    secret = session_secret(request) or ""
    wanted, expires_at = await anyio.to_thread.run_sync(_start, database, person, secret, topic)
    try:
        subscriber = live.bus.subscribe(person.id)
    except TooManyStreams:
        # Only an EventSource asks here, and it reads no body: the page keeps its poll.
        return Response(status_code=429, headers={"Retry-After": "60"})
    heartbeat = request.app.state.settings.live_heartbeat_seconds
    events = _events(database, live, subscriber, secret, wanted, expires_at, heartbeat)
    return StreamingResponse(events, media_type="text/event-stream", headers=HEADERS)


async def _events(database: Database, live: Live, subscriber: Subscriber, secret: str, wanted: access.Interest,
                  expires_at, heartbeat: float) -> AsyncIterator[str]:
    try:
        # Tell the browser how soon to come back after a dropped connection.
        yield "retry: 5000\n: connected\n\n"
        while True:
            try:
                first = await asyncio.wait_for(subscriber.queue.get(), timeout=heartbeat)
            except TimeoutError:
                if utcnow() >= expires_at:  # the session ran out: known without a query
                    yield CLOSE
                    return
                yield ": keep-alive\n\n"
                continue
            batch = [first]
            while not subscriber.queue.empty():  # whatever else came meanwhile: one check, one event
                batch.append(subscriber.queue.get_nowait())
            if None in batch:
                # The server is stopping: end the stream without ``event: close``, so the
                # browser comes back (``retry``) to whichever worker serves next.
                return
            changed = subscriber.overflowed or any(wanted.concerns(s) for s in batch)
            about_viewer = any(subscriber.person_id in s.people for s in batch)
            subscriber.overflowed = False
            if not (changed or about_viewer):
                continue
            if not await anyio.to_thread.run_sync(_check, database, secret, wanted):
                yield CLOSE
                return
            if changed:
                yield f"event: changed\ndata: {wanted.topic}\n\n"
    finally:
        live.bus.unsubscribe(subscriber)
