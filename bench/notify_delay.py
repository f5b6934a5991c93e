"""Delivery delay from commit to receiver, the worker idle: the embedded set-up (the worker in
the same process as the writes, as in `lianxin serve`), a real HTTP receiver on loopback, and
one request filed at a time; each new task's webhook message is timed from the submission's
commit to its arrival. The worker is woken by the commit, so the figure is far below its poll
interval (printed beside it); ``--no-wakeup`` shows the poll alone for comparison.

    .venv/bin/python -m bench.notify_delay                 # SQLite in a temporary directory
    .venv/bin/python -m bench.notify_delay --count 50 --database-url postgresql://…/bench_notify

The PostgreSQL database is migrated and filled with a small world: use a throwaway one.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def _receiver() -> tuple[ThreadingHTTPServer, dict[str, float], threading.Condition]:
    arrivals: dict[str, float] = {}
    arrived = threading.Condition()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # http.server's name
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            with arrived:
                arrivals[self.headers["X-Lianxin-Event-Id"]] = time.perf_counter()
                arrived.notify_all()
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True).start()
    return server, arrivals, arrived


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=30)
    parser.add_argument("--poll", type=float, default=5.0, help="the worker's poll interval (s)")
    parser.add_argument("--database-url")
    parser.add_argument("--no-wakeup", action="store_true", help="measure the poll alone")
    args = parser.parse_args()
    data_dir = tempfile.mkdtemp(prefix="lx-notify-")
    os.environ["LIANXIN_DATA_DIR"] = data_dir
    os.environ["LIANXIN_PASSWORD_HASHING"] = "fast"
    os.environ["LIANXIN_WEBHOOK_ALLOW_HOSTS"] = "127.0.0.1"
    if args.database_url:
        os.environ["DATABASE_URL"] = args.database_url

    from sqlalchemy import select

    from server import migrate
    from server.accounts.people_repository import person_by_username
    from server.config import get_settings
    from server.db import Database
    from server.models import OutboxMessage
    from server.notifications import wakeup, webhooks_service
    from server.notifications.worker import Worker
    from server.requests import service as request_service
    from tests.factories import build_world

    settings = get_settings()
    migrate.upgrade(settings.effective_database_url)
    database = Database(settings.effective_database_url, settings)
    build_world(database)
    server, arrivals, arrived = _receiver()
    with database.write() as session:
        webhooks_service.add(session, None, webhooks_service.WebhookInput(
            url=f"http://127.0.0.1:{server.server_address[1]}/hook", event_types=["new_task"]))
    if args.no_wakeup:
        class Deaf(threading.Event):
            def set(self):  # the commit hook's wake-up goes nowhere: only the poll finds messages
                pass

        wakeup._written = Deaf()
    worker = Worker(database, settings, poll_seconds=args.poll)
    worker.start()
    delays: list[float] = []
    try:
        for _ in range(args.count):
            time.sleep(0.05)  # idle: the worker waits for its next wake-up
            with database.write() as session:
                person = person_by_username(session, "member1")
                result = request_service.submit(session, person, request_service.SubmitInput(
                    service_code="union.join", description="bench", answers={"people": 1}))
                request_id = result.request.id
            committed = time.perf_counter()
            with database.read() as session:
                (message_id,) = session.scalars(select(OutboxMessage.message_id).where(
                    OutboxMessage.payload["request"]["number"].as_string() == result.request.number))
            with arrived:
                arrived.wait_for(lambda m=message_id: m in arrivals, timeout=args.poll * 2 + 5)
            if message_id not in arrivals:
                raise SystemExit(f"request {request_id}: its message never arrived")
            delays.append(arrivals[message_id] - committed)
    finally:
        worker.stop()
        server.shutdown()
        database.dispose()
    delays.sort()
    median = statistics.median(delays)
    p90 = delays[int(len(delays) * 0.9) - 1]
    print(f"{database.engine.dialect.name}, {len(delays)} messages, worker poll {args.poll:g} s, "
          f"{'no wake-up' if args.no_wakeup else 'woken by the commit'}")
    print(f"commit → receiver: median {median * 1000:.1f} ms, p90 {p90 * 1000:.1f} ms, max {delays[-1] * 1000:.1f} ms")
    print(f"median / poll interval: {median / args.poll:.3f}")


if __name__ == "__main__":
    main()
