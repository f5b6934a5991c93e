"""The CPU one submission costs the server, measured in one process without the network.

    nice .venv/bin/python -m bench.submit_cpu [--count 300] [--profile] [--database-url URL]

The app runs in this process and every sync endpoint runs inline in the main thread (anyio's
thread hop replaced by a direct call), so ``time.process_time()`` around the app's call is the
server's own work for one answer, with no thread pool, GIL or load generator in the way: a
steadier figure than ``bench/run.py``'s req/s when other work shares the machine's cores.
Prints, per door, the Python function calls and SQL statements of one answer (the steadiest
figures: they do not move with the machine's load), then the median and mean CPU of one answer
and the CPU and wall-clock time spent holding the write lock (``Database.write``). ``--profile`` writes a cProfile of the submissions (``--profile-out``).
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import os
import pstats
import statistics
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import anyio.to_thread  # noqa: E402


async def _inline(func, *args, **_kwargs):
    return func(*args)


class Driver:
    """Calls an ASGI app directly: one request, its status, headers and body, the CPU it took."""

    def __init__(self, app):
        self.app = app
        self.cookies: dict[str, str] = {}

    async def call(self, method: str, path: str, *, body: bytes = b"", headers: dict[str, str] | None = None):
        path, _, query = path.partition("?")
        hdrs = {"host": "127.0.0.1", **{k.lower(): v for k, v in (headers or {}).items()}}
        if body:
            hdrs["content-length"] = str(len(body))
        if self.cookies:
            hdrs["cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method,
                 "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": query.encode(),
                 "root_path": "", "headers": [(k.encode(), v.encode()) for k, v in hdrs.items()],
                 "client": ("127.0.0.1", 40000), "server": ("127.0.0.1", 8000)}
        sent = False
        out = {"status": 0, "headers": [], "body": b""}

        async def receive():
            nonlocal sent
            if sent:
                await asyncio.sleep(3600)
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        async def send(message):
            if message["type"] == "http.response.start":
                out["status"] = message["status"]
                out["headers"] = message.get("headers", [])
            elif message["type"] == "http.response.body":
                out["body"] += message.get("body", b"")

        start = time.process_time()
        await self.app(scope, receive, send)
        out["cpu"] = time.process_time() - start
        for name, value in out["headers"]:
            if name.lower() == b"set-cookie":
                cookie = value.decode().split(";", 1)[0]
                key, _, val = cookie.partition("=")
                self.cookies[key.strip()] = val.strip()
        return out


def _form(fields: list[tuple[str, str]]) -> bytes:
    return urllib.parse.urlencode(fields, doseq=True).encode()


class PgBackends:
    """The PostgreSQL side of the answers (``--database-url postgresql://…``): the CPU of the
    database's own backends serving this process's connections (same machine, /proc), read
    before and after each door's timed answers, and, when the server preloads
    pg_stat_statements and the database has the extension, the statements that cost the most
    (``--pg-statements N``)."""

    def __init__(self, url: str):
        from sqlalchemy import create_engine
        from sqlalchemy.pool import NullPool

        self.engine = create_engine(url, poolclass=NullPool, isolation_level="AUTOCOMMIT")
        self.conn = self.engine.connect()
        self.statements = self._has_statements()

    def _has_statements(self) -> bool:
        from sqlalchemy import text

        try:
            self.conn.execute(text("SELECT 1 FROM pg_stat_statements LIMIT 1"))
            return True
        except Exception:
            self.conn.rollback()
            return False

    def cpu(self) -> dict[int, float]:
        from sqlalchemy import text

        from bench.loadgen import proc_cpu_seconds

        pids = self.conn.execute(text(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
            " AND pid <> pg_backend_pid() AND backend_type = 'client backend'")).scalars()
        return {pid: cpu for pid in pids if (cpu := proc_cpu_seconds(pid)) is not None}

    @staticmethod
    def used(before: dict[int, float], after: dict[int, float]) -> float:
        return sum(cpu - before.get(pid, 0.0) for pid, cpu in after.items())

    def reset_statements(self) -> None:
        from sqlalchemy import text

        if self.statements:
            self.conn.execute(text("SELECT pg_stat_statements_reset()"))

    def top_statements(self, answers: int, limit: int) -> list[str]:
        from sqlalchemy import text

        if not self.statements or limit <= 0:
            return []
        rows = self.conn.execute(text(
            "SELECT calls, total_exec_time, total_plan_time, shared_blks_hit + shared_blks_read AS blks,"
            " wal_records, query FROM pg_stat_statements"
            " WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())"
            " AND query NOT LIKE '%pg_stat_%' ORDER BY total_exec_time + total_plan_time DESC LIMIT :n"),
            {"n": limit}).all()
        return [f"{r.calls / answers:5.2f}× {r.total_exec_time / answers:6.3f} ms exec "
                f"{r.total_plan_time / answers:6.3f} ms plan {r.blks / answers:6.1f} blocks "
                f"{r.wal_records / answers:5.1f} WAL records   {' '.join(r.query.split())[:90]}" for r in rows]

    def close(self) -> None:
        self.conn.close()
        self.engine.dispose()


def _summary(label: str, cpus: list[float]) -> str:
    ms = sorted(c * 1000 for c in cpus)
    return f"{label:<34} n={len(ms):<5} median {statistics.median(ms):6.2f} ms   mean {statistics.fmean(ms):6.2f} ms"


async def measure(args) -> None:
    from bench.pages import _csrf, form_fields
    from bench.run import answers_for, demo_accounts, prepare_lianxin_db

    tmp = Path(tempfile.mkdtemp(prefix="lianxin-submit-cpu-"))
    for key in [k for k in os.environ if k.startswith("LIANXIN_") or k == "DATABASE_URL"]:
        del os.environ[key]
    os.environ["LIANXIN_DATA_DIR"] = str(tmp)
    os.environ["LIANXIN_SWEEP_INTERVAL_SECONDS"] = "0"
    os.environ["LIANXIN_WORKER_IN_SERVE"] = "false"
    if args.database_url:
        os.environ["DATABASE_URL"] = args.database_url
    prepare_lianxin_db(tmp, tmp / "setup.log", args.database_url)

    from server.app import create_app
    from server.config import get_settings
    from server.db import Database

    get_settings.cache_clear()
    anyio.to_thread.run_sync = _inline  # every sync endpoint inline, in this thread
    app = create_app()
    database: Database = app.state.database
    held: list[float] = []
    held_wall: list[float] = []
    write = database.write

    from contextlib import contextmanager

    @contextmanager
    def timed_write():
        start, wall = time.process_time(), time.perf_counter()
        with write() as session:
            yield session
        held.append(time.process_time() - start)
        held_wall.append(time.perf_counter() - wall)

    database.write = timed_write

    password, accounts = demo_accounts()
    members = [a["username"] for a in accounts if "member" in a["roles"]][:6]
    api = Driver(app)
    tokens = []
    for m in members:
        r = await api.call("POST", "/api/v1/auth/token", body=_form([("username", m), ("password", password)]),
                           headers={"content-type": "application/x-www-form-urlencoded"})
        tokens.append(json.loads(r["body"])["access_token"])
    r = await api.call("GET", f"/api/v1/services/{args.service}", headers={"authorization": f"Bearer {tokens[0]}"})
    service = json.loads(r["body"])
    answers = answers_for(service["fields"])
    body = json.dumps({"service_code": args.service, "description": "基准测试：请忽略。Benchmark request, please ignore.",
                       "answers": answers}, ensure_ascii=False).encode()

    async def submit(i: int):
        r = await api.call("POST", "/api/v1/requests", body=body, headers={
            "authorization": f"Bearer {tokens[i % len(tokens)]}", "content-type": "application/json",
            "idempotency-key": f"cpu-{i}"})
        if r["status"] != 201:
            raise RuntimeError(f"submission {i}: {r['status']} {r['body'][:300]!r}")
        return r

    web = Driver(app)
    page = await web.call("GET", "/login")
    await web.call("POST", "/login", body=_form([("username", members[0]), ("password", password), ("next", "/"),
                                                  ("csrf_token", _csrf(page["body"].decode()))]),
                   headers={"content-type": "application/x-www-form-urlencoded"})
    csrf = _csrf((await web.call("GET", "/"))["body"].decode())
    base = [("csrf_token", csrf), *form_fields(service["fields"], answers)]

    async def submit_form(i: int):
        r = await web.call("POST", f"/menu/{args.service}", body=_form([
            *base, ("description", f"基准测试 {i}：请忽略。"), ("idempotency_key", f"cpu-form-{i}")]),
            headers={"content-type": "application/x-www-form-urlencoded"})
        if r["status"] != 303:
            raise RuntimeError(f"form {i}: {r['status']} {r['body'][:300]!r}")
        return r

    queue = "/api/v1/requests?status=dispatched"
    staff_token = None
    r = await api.call("POST", "/api/v1/auth/token", body=_form([("username", "staff1"), ("password", password)]),
                       headers={"content-type": "application/x-www-form-urlencoded"})
    if r["status"] == 200:
        staff_token = json.loads(r["body"])["access_token"]

    async def queue_page(i: int):
        r = await api.call("GET", queue, headers={"authorization": f"Bearer {staff_token}"})
        if r["status"] != 200:
            raise RuntimeError(f"queue: {r['status']} {r['body'][:300]!r}")
        return r

    for i in range(args.warmup):  # warm caches, compiled statements
        await submit(10**6 + i)
        await submit_form(10**6 + i)
    doors = [("POST /api/v1/requests", submit), ("POST /menu/{code} (form)", submit_form)]
    if staff_token:
        doors.append(("GET /api/v1/requests?status=dispatched", queue_page))
    from sqlalchemy import event

    statements = [0]
    shown: list[str] = []

    def count_statement(_conn, _cursor, sql, *_args):
        statements[0] += 1
        if args.sql:
            shown.append(" ".join(sql.split())[:160])

    event.listen(database.engine, "before_cursor_execute", count_statement)
    for label, door in doors:  # the steady figures: Python calls and SQL statements per answer
        counter = cProfile.Profile()
        statements[0] = 0
        for i in range(args.calls_count):
            counter.enable()
            await door(2 * 10**6 + i)
            counter.disable()
        calls = pstats.Stats(counter).total_calls
        print(f"{label:<40} {calls / args.calls_count:8.0f} Python calls, "
              f"{statements[0] / args.calls_count:5.1f} SQL statements per answer")
        if args.sql:  # the statements of the last answer
            per = len(shown) // args.calls_count
            for line in shown[-per:]:
                print("    " + line)
            shown.clear()
    event.remove(database.engine, "before_cursor_execute", count_statement)
    profiler = cProfile.Profile(time.process_time) if args.profile else None
    profiled = {"api": submit, "form": submit_form, "queue": queue_page}[args.profile_door]
    backends = PgBackends(args.database_url) if (args.database_url or "").startswith("postgresql") else None
    for label, door in doors:
        held.clear()
        held_wall.clear()
        cpus = []
        if backends:
            backends.reset_statements()
            before = backends.cpu()
        for i in range(args.count):
            if profiler and door is profiled:
                profiler.enable()
            r = await door(i)
            if profiler and door is profiled:
                profiler.disable()
            cpus.append(r["cpu"])
        print(_summary(label, cpus))
        if backends:
            used = backends.used(before, backends.cpu())
            print(f"    database backends' CPU: {1000 * used / args.count:6.2f} ms per answer")
            for line in backends.top_statements(args.count, args.pg_statements):
                print("      " + line)
        if held:
            print(_summary("    of which in Database.write", held))
            print(_summary("    Database.write, wall clock", held_wall))
    if profiler:
        profiler.dump_stats(args.profile_out)
        stats = pstats.Stats(args.profile_out)
        stats.sort_stats("cumulative").print_stats(args.profile_filter, 70)
    if backends:
        backends.close()
    database.dispose()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=300)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--calls-count", type=int, default=20, help="answers per door counted for calls and statements")
    parser.add_argument("--service", default="resources.venue-booking")
    parser.add_argument("--database-url")
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--pg-statements", type=int, default=0, metavar="N",
                        help="PostgreSQL with pg_stat_statements: the N costliest statements per door")
    parser.add_argument("--sql", action="store_true", help="print the SQL statements of one answer per door")
    parser.add_argument("--profile-door", choices=("api", "form", "queue"), default="api")
    parser.add_argument("--profile-out", default="/tmp/submit_cpu.prof")
    parser.add_argument("--profile-filter", default="server/", help="a regular expression over the profile's file names")
    args = parser.parse_args(argv)
    asyncio.run(measure(args))


if __name__ == "__main__":
    main()
