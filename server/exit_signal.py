"""Hearing "stop" as soon as the server does: for the work that would otherwise hold a shutdown.

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
