"""Live pages: how long from a commit to the event on open streams, for 1 and for many streams.

    nice .venv/bin/python -m bench.live                    # SQLite in a temporary folder
    nice .venv/bin/python -m bench.live --database-url postgresql+psycopg://postgres@127.0.0.1/bench_live

The app runs under uvicorn in a thread on loopback; the streams are httpx clients (all staff of
one department, on their desk), the writes are submissions routed to that department through
the request service. Per round: the time from the start of the write (its commit included) to
the ``changed`` event on the first stream, and to the last of all streams, beside the time the
write itself took (its service call and commit, in a thread). Median, p90, worst.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import tempfile
import threading
import time
from pathlib import Path


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def _measure(base: str, cookies: list[str], database, rounds: int) -> tuple[list[float], list[float], list[float]]:
    import httpx

    from server.http.session import SESSION_COOKIE
    from tests.requests.helpers import submit

    events: list[asyncio.Queue] = [asyncio.Queue() for _ in cookies]
    opened = asyncio.Event()
    ready = 0

    async def follow(cookie: str, queue: asyncio.Queue) -> None:
        nonlocal ready
        async with (httpx.AsyncClient(base_url=base, cookies={SESSION_COOKIE: cookie}, timeout=None) as client,
                    client.stream("GET", "/live", params={"topic": "desk"}) as response):
            assert response.status_code == 200, response.status_code
            ready += 1
            if ready == len(cookies):
                opened.set()
            async for line in response.aiter_lines():
                if line == "event: changed":
                    queue.put_nowait(time.perf_counter())

    tasks = [asyncio.create_task(follow(c, q)) for c, q in zip(cookies, events, strict=True)]
    await asyncio.wait_for(opened.wait(), 30)
    first, last, writes = [], [], []
    for i in range(rounds):
        start = time.perf_counter()
        await asyncio.to_thread(submit, database, "member1", "union.join", answers={"people": 1 + i % 9})
        writes.append(time.perf_counter() - start)
        stamps = [await asyncio.wait_for(q.get(), 10) for q in events]
        first.append(min(stamps) - start)
        last.append(max(stamps) - start)
        await asyncio.sleep(0.05)  # one change at a time: no coalescing in the figures
    for task in tasks:
        task.cancel()
    return first, last, writes


def run(database_url: str | None, streams: int, rounds: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        os.environ["LIANXIN_DATA_DIR"] = str(Path(folder) / "data")
        os.environ["LIANXIN_LIVE_MAX_STREAMS_PER_PERSON"] = str(streams)
        os.environ["LIANXIN_SWEEP_INTERVAL_SECONDS"] = "0"
        os.environ["LIANXIN_PASSWORD_HASHING"] = os.environ.get("LIANXIN_PASSWORD_HASHING", "argon2")
        import uvicorn
        from fastapi.testclient import TestClient

        from server import migrate
        from server.app import create_app
        from server.config import get_settings
        from server.db import Database
        from server.http.session import SESSION_COOKIE
        from tests.factories import PASSWORD, build_world
        from tests.web.conftest import sign_in

        get_settings.cache_clear()
        settings = get_settings()
        url = database_url or settings.effective_database_url
        migrate.upgrade(url)
        database = Database(url, settings)
        build_world(database)
        app = create_app(settings, database)
        client = TestClient(app, base_url="http://testserver")
        assert sign_in(client, "staff1", password=PASSWORD).status_code == 303
        cookie = client.cookies[SESSION_COOKIE]
        port = _free_port()
        server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                                               timeout_graceful_shutdown=1))
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        deadline = time.monotonic() + 15
        while not server.started:
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.05)
        try:
            for count in (1, streams):
                first, last, writes = asyncio.run(_measure(f"http://127.0.0.1:{port}", [cookie] * count, database, rounds))
                ms = [v * 1000 for v in first]
                ms_last = [v * 1000 for v in last]
                print(f"{database.engine.dialect.name:10s} {count:4d} stream(s): commit→event first "
                      f"median {statistics.median(ms):.1f} ms, p90 {_pct(ms, .9):.1f}, worst {max(ms):.1f}; "
                      f"all streams median {statistics.median(ms_last):.1f} ms, worst {max(ms_last):.1f}; "
                      f"the write itself median {statistics.median(writes) * 1000:.1f} ms")
        finally:
            server.should_exit = True
            thread.join(timeout=10)
            database.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--streams", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()
    run(args.database_url, args.streams, args.rounds)


if __name__ == "__main__":
    main()
