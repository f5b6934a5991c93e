"""Real `lianxin serve` processes for the tests that kill, stop or restart them
(tests/test_kill9.py, tests/test_graceful_shutdown.py)."""

from __future__ import annotations

import socket
import subprocess
import sys
import time

import httpx


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_serve(env: dict, port: int, *args: str, ready_within: float = 30) -> subprocess.Popen:
    """`lianxin serve` on ``port`` with ``env``; returns once /readyz answers 200."""
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
