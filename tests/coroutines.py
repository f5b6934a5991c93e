"""Running a coroutine from a plain (sync) test."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor


def run(coroutine):
    """asyncio.run in a thread of its own. Playwright's sync API (the browser tests) leaves an
    event loop running in the thread of the xdist worker that ran them, and asyncio.run()
    refuses to start inside a running loop: a test after them in the same worker would fail."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()
