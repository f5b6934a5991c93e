"""The fan-out of signals to the live streams of this process, and between processes.

:class:`LocalBus` hands each signal to every stream of this process (each an asyncio queue on
the server's event loop; publishing is safe from any thread). On SQLite — one process — that
is all. On PostgreSQL several app processes each keep their own streams, so a commit in one
must reach the others: :class:`PgFanout` sends each signal with ``NOTIFY`` on one channel and
keeps one ``LISTEN`` connection per process, whose notifications (its own process's too) go to
the local bus. Both use their own psycopg connections, outside the pool, so a busy pool never
delays a signal and the query counts of the pages stay as they are.

:func:`install` wires a bus to the database's one after-commit hook and its flush collector:
a rolled-back unit of work signals nothing, a committed one signals once, whatever door made
it. A signal lost (a listener reconnecting) costs freshness, not data: the pages' 15-second
poll stays as the fallback.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from dataclasses import dataclass, field

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from server.db import Database
from server.live import signals
from server.live.signals import Signal

CHANNEL = "lianxin_live"
QUEUE_SIZE = 64  # signals waiting for one stream; past that the stream just re-checks everything

log = logging.getLogger(__name__)


class TooManyStreams(Exception):
    """This person has the most streams open that one person may (or the process is full)."""


@dataclass(eq=False)
class Subscriber:
    """One open stream: its person, and its queue on the loop that serves it."""

    person_id: int
    loop: asyncio.AbstractEventLoop
    queue: asyncio.Queue = field(default_factory=lambda: asyncio.Queue(QUEUE_SIZE))
    overflowed: bool = False  # signals were dropped: treat the next wake-up as "anything"

    def offer(self, signal: Signal | None) -> None:
        """On the loop's thread: queue ``signal`` (None ends the stream)."""
        try:
            self.queue.put_nowait(signal)
        except asyncio.QueueFull:
            self.overflowed = True


class LocalBus:
    def __init__(self, max_per_person: int, max_streams: int):
        self.max_per_person = max_per_person
        self.max_streams = max_streams
        self._lock = threading.Lock()
        self._subscribers: set[Subscriber] = set()
        self.closed = False

    def subscribe(self, person_id: int) -> Subscriber:
        """A queue for a new stream on the running loop; raises :class:`TooManyStreams`."""
        subscriber = Subscriber(person_id, asyncio.get_running_loop())
        with self._lock:
            mine = sum(1 for s in self._subscribers if s.person_id == person_id)
            if self.closed or mine >= self.max_per_person or len(self._subscribers) >= self.max_streams:
                raise TooManyStreams(person_id)
            self._subscribers.add(subscriber)
        return subscriber

    def unsubscribe(self, subscriber: Subscriber) -> None:
        with self._lock:
            self._subscribers.discard(subscriber)

    def count(self, person_id: int | None = None) -> int:
        with self._lock:
            return sum(1 for s in self._subscribers if person_id is None or s.person_id == person_id)

    def publish(self, signal: Signal) -> None:
        """Hand ``signal`` to every stream of this process; from any thread."""
        with self._lock:
            subscribers = list(self._subscribers)
        for subscriber in subscribers:
            _call_soon(subscriber, signal)

    def close(self) -> None:
        """End every stream (the app is shutting down)."""
        with self._lock:
            self.closed = True
            subscribers = list(self._subscribers)
        for subscriber in subscribers:
            _call_soon(subscriber, None)


def _call_soon(subscriber: Subscriber, signal: Signal | None) -> None:
    with contextlib.suppress(RuntimeError):  # its loop has closed: the stream is gone
        subscriber.loop.call_soon_threadsafe(subscriber.offer, signal)


def _conninfo(database: Database) -> str:
    """The database URL as libpq reads it (without SQLAlchemy's driver name)."""
    return make_url(database.url).set(drivername="postgresql").render_as_string(hide_password=False)


class PgFanout:
    """Signals between processes through PostgreSQL: NOTIFY out, LISTEN in, both on their own
    autocommit connections. ``start()`` opens the listener thread; ``stop()`` ends it."""

    def __init__(self, database: Database, bus: LocalBus, *, poll_seconds: float = 1.0):
        self.conninfo = _conninfo(database)
        self.bus = bus
        self.poll_seconds = poll_seconds
        self._send_lock = threading.Lock()
        self._sender = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.listening = threading.Event()  # set once LISTEN is in force (tests wait on it)

    def send(self, signal: Signal) -> None:
        import psycopg

        for part in signal.chunks():
            payload = part.to_json()
            with self._send_lock:
                for attempt in (1, 2):  # once more on a fresh connection if the old one broke
                    try:
                        if self._sender is None or self._sender.closed:
                            self._sender = psycopg.connect(self.conninfo, autocommit=True)
                        self._sender.execute("SELECT pg_notify(%s, %s)", (CHANNEL, payload))
                        break
                    except psycopg.Error:
                        self._sender = None
                        if attempt == 2:
                            raise

    def start(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._listen, name="lianxin-live-listen", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        with self._send_lock:
            if self._sender is not None:
                self._sender.close()
                self._sender = None

    def _listen(self) -> None:
        import psycopg

        while not self._stop.is_set():
            try:
                with psycopg.connect(self.conninfo, autocommit=True) as conn:
                    conn.execute(f"LISTEN {CHANNEL}")
                    self.listening.set()
                    while not self._stop.is_set():
                        for note in conn.notifies(timeout=self.poll_seconds):
                            self.bus.publish(Signal.from_json(note.payload))
            except psycopg.Error:
                self.listening.clear()
                log.warning("live: the LISTEN connection failed; reconnecting", exc_info=True)
                self._stop.wait(1.0)


@dataclass
class Live:
    """What :func:`install` set up for one app: the local bus and, on PostgreSQL, the fan-out."""

    bus: LocalBus
    fanout: PgFanout | None

    def start(self) -> None:
        self.bus.closed = False
        if self.fanout is not None:
            self.fanout.start()

    def stop(self) -> None:
        self.bus.close()
        if self.fanout is not None:
            self.fanout.stop()


def install(database: Database, *, max_per_person: int, max_streams: int) -> Live:
    """Collect changes at every flush of ``database``'s write sessions and, after each commit,
    send the unit of work's signal: to this process's streams (SQLite), or through NOTIFY to
    every process's (PostgreSQL). Once per database: another app on the same one (tests) shares it."""
    existing = getattr(database, "live", None)
    if existing is not None:
        return existing
    bus = LocalBus(max_per_person, max_streams)
    fanout = None if database.is_sqlite else PgFanout(database, bus)
    event.listen(database.write_sessions, "after_flush", signals.collect)

    def committed(session: Session) -> None:
        signal = signals.take(session)
        if not signal:
            return
        if fanout is None:
            bus.publish(signal)
        else:
            fanout.send(signal)

    database.after_commit(committed)
    database.live = Live(bus, fanout)
    return database.live
