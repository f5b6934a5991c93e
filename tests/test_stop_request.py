"""A foreground command's stop on SIGTERM (server.exit_signal.StopRequest).

A signal handler runs between any two bytecodes of the main thread. `lianxin sweep --every`
once set a ``threading.Event`` from its handler while the main thread waited on that event:
when the signal landed inside ``Event.wait``'s own lock the process hung for good (a CI run's
SIGTERM went unanswered for 30 s). The tests here deliver the "signal" at each line the waiting
thread runs in turn, as a real one may, and ask that the wait always ends."""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from server.exit_signal import StopRequest

ROOT = Path(__file__).resolve().parent.parent


class _EventStop(StopRequest):
    """The way it was done before: the handler sets an event the main thread waits on."""

    def __init__(self) -> None:
        super().__init__()
        self._event = threading.Event()

    def handle(self, signum=None, frame=None) -> None:
        self._event.set()

    def wait(self) -> None:
        while not self._event.wait(0.05):
            pass


def _ends_with_a_signal_at_line(stop: StopRequest, n: int) -> bool:
    """Run ``stop.wait()`` in a thread whose ``n``-th line executed (in any frame, the
    threading module's included) calls the handler there, as a signal arriving at that point
    would; True when the wait then returns."""
    count = 0

    def tracer(frame, event, arg):
        nonlocal count
        if event == "line":
            count += 1
            if count == n:
                stop.handle(signal.SIGTERM, frame)
        return tracer

    def run() -> None:
        sys.settrace(tracer)
        try:
            stop.wait()
        finally:
            sys.settrace(None)

    waiter = threading.Thread(target=run, daemon=True)  # daemon: a hung one must not hold pytest
    waiter.start()
    waiter.join(timeout=3)
    return not waiter.is_alive()


@pytest.mark.parametrize("n", range(1, 16))
def test_a_stop_at_any_line_of_the_wait_ends_it(n):
    stop = StopRequest()
    stop.POLL_SECONDS = 0.01  # the same loop, more of its lines in a moment
    assert _ends_with_a_signal_at_line(stop, n)


def test_the_check_catches_a_handler_that_takes_the_waiters_lock():
    """The test above can fail: with the handler setting an Event, some line of the wait is
    inside the event's lock, and the handler blocks there for ever."""
    assert not all(_ends_with_a_signal_at_line(_EventStop(), n) for n in range(1, 16))  # stops at the first hang


def test_sigterm_stops_the_wait_and_the_previous_handlers_come_back():
    code = (
        "import os, signal, threading\n"
        "from server.exit_signal import StopRequest\n"
        "before = signal.getsignal(signal.SIGTERM)\n"
        "stop = StopRequest(); stop.install()\n"
        "threading.Timer(0.3, os.kill, (os.getpid(), signal.SIGTERM)).start()\n"
        "stop.wait(); stop.restore()\n"
        "assert signal.getsignal(signal.SIGTERM) is before\n"
        "print('stopped')\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=30)
    assert done.returncode == 0 and done.stdout.strip() == "stopped", done.stderr
