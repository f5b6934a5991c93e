"""Real `lianxin serve` processes for the tests that kill, stop or restart them
(tests/test_kill9.py, tests/test_graceful_shutdown.py)."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_serve(env: dict, port: int, *args: str, ready_within: float = 30, forks: ServeForks | None = None):
    """`lianxin serve` on ``port`` with ``env`` (a new interpreter, or a fork of ``forks``);
    returns the process once /readyz answers 200."""
    if forks is not None:
        process = forks.spawn(port, *args)
    else:
        process = subprocess.Popen(
            [sys.executable, "-m", "server.cli", "serve", "--port", str(port), *args],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
    deadline = time.monotonic() + ready_within
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=1).status_code == 200:
                return process
        except httpx.HTTPError:
            pass
        if process.poll() is not None:
            raise AssertionError("the server did not start")
        time.sleep(0.05)
    process.kill()
    raise AssertionError("the server did not become ready")


# --- forked servers ---------------------------------------------------------------------------
# A new interpreter spends ~3 s of CPU importing the application before it serves; a test that
# starts the server 50 times spent most of its time there. ServeForks imports it once, in a
# process of its own that never touches the database, and forks each server from it: each fork
# is its own process running the same `lianxin serve` command (its own settings, engine and
# files, opened after the fork), and dies of SIGKILL like any other.

_ZYGOTE = """
import json, os, signal, sys
from server import app, cli  # the import a new interpreter would pay for every server
from server.config import get_settings
signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # the forks are reaped by the kernel
for line in sys.stdin:
    args = json.loads(line)
    sys.stdout.flush()
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            null = os.open(os.devnull, os.O_RDWR)
            for fd in (0, 1, 2):
                os.dup2(null, fd)
            get_settings.cache_clear()
            cli.main(args, prog_name="lianxin", standalone_mode=False)
            code = 0
        except SystemExit as exit:
            code = exit.code if isinstance(exit.code, int) else 1
        finally:
            os._exit(code)
    print(pid, flush=True)
"""


class ForkedServe:
    """A forked server, with the part of Popen's interface the tests use. Its parent reaps it,
    so there is no exit status: ``poll()`` and ``wait()`` say only that it is gone."""

    def __init__(self, pid: int):
        self.pid = pid
        self.returncode: int | None = None

    def send_signal(self, sig: int) -> None:
        with suppress(ProcessLookupError):
            os.kill(self.pid, sig)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)

    def poll(self) -> int | None:
        if self.returncode is None:
            try:
                os.kill(self.pid, 0)
            except ProcessLookupError:
                self.returncode = -1
        return self.returncode

    def wait(self, timeout: float = 30) -> int:
        deadline = time.monotonic() + timeout
        while self.poll() is None:
            if time.monotonic() > deadline:
                raise subprocess.TimeoutExpired(f"lianxin serve (pid {self.pid})", timeout)
            time.sleep(0.01)
        return self.returncode


class ServeForks:
    def __init__(self, process: subprocess.Popen):
        self._process = process

    def spawn(self, port: int, *args: str) -> ForkedServe:
        assert self._process.stdin and self._process.stdout
        self._process.stdin.write(json.dumps(["serve", "--port", str(port), *args]) + "\n")
        self._process.stdin.flush()
        line = self._process.stdout.readline()
        if not line:
            raise AssertionError("the process forking the servers died")
        return ForkedServe(int(line))


@contextmanager
def serve_forks(env: dict) -> Iterator[ServeForks]:
    """Servers forked from one interpreter that imported the application once, with ``env``."""
    process = subprocess.Popen(
        [sys.executable, "-c", _ZYGOTE], env=env, cwd=ROOT, text=True,
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
    )
    try:
        yield ServeForks(process)
    finally:
        process.kill()
        process.wait()
