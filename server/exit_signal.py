"""Hearing "stop": as soon as the server does, for the work that would otherwise hold a
shutdown; and in a foreground command that runs until a process manager stops it.

uvicorn runs the lifespan's shutdown only after every connection has closed or
``--shutdown-timeout`` has run out. A live stream (server-sent events) never closes by itself,
so one open page held every SIGTERM for the whole timeout. uvicorn offers no "exit requested"
hook, but it catches SIGTERM and SIGINT with a Python handler in the main thread before the app
starts; :func:`on_exit_signal` chains onto that handler for as long as the app runs.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import threading
import time
from collections.abc import Callable, Iterator

EXIT_SIGNALS = (signal.SIGINT, signal.SIGTERM)


@contextlib.contextmanager
def on_exit_signal(callback: Callable[[], None]) -> Iterator[None]:
    """Inside: at SIGINT or SIGTERM, ``callback`` runs soon on the running event loop, then the
    server's own handler as before. Off the main thread (a test's server in a thread) signals
    cannot be caught and nothing changes."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    loop = asyncio.get_running_loop()
    replaced: dict[int, Callable] = {}

    def chained(signum, frame) -> None:
        # Only schedule it: a handler runs between two bytecodes of the loop's own thread,
        # which may hold a lock the callback needs.
        loop.call_soon_threadsafe(callback)
        replaced[signum](signum, frame)

    for sig in EXIT_SIGNALS:
        handler = signal.getsignal(sig)
        if callable(handler):  # SIG_DFL or SIG_IGN: no Python handler to chain onto
            replaced[sig] = handler
            signal.signal(sig, chained)
    try:
        yield
    finally:
        for sig, handler in replaced.items():
            signal.signal(sig, handler)


class StopRequest:
    """SIGTERM or SIGINT as a request to stop a command that runs in the foreground
    (``lianxin sweep --every``): :meth:`install`, then :meth:`wait` returns soon after either.

    The handler only sets a flag. A Python handler runs in the main thread between two of its
    bytecodes, wherever it is, so a handler that takes a lock deadlocks when it lands while
    the main thread holds that lock: ``threading.Event.set`` from a handler while the main
    thread was inside ``Event.wait``'s own lock hung a ``sweep --every`` for good (seen in CI).
    """

    POLL_SECONDS = 0.2  # how soon a stop is seen; a sleep takes no lock

    def __init__(self) -> None:
        self.requested = False
        self._previous: dict[int, object] = {}

    def handle(self, signum=None, frame=None) -> None:
        self.requested = True

    def install(self) -> None:
        self._previous = {sig: signal.signal(sig, self.handle) for sig in EXIT_SIGNALS}

    def restore(self) -> None:
        for sig, handler in self._previous.items():
            signal.signal(sig, handler)
        self._previous = {}

    def wait(self) -> None:
        while not self.requested:
            time.sleep(self.POLL_SECONDS)
