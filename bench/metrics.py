"""Supervision figures on a million requests: how long figures(), overview() and
GET /api/v1/metrics take for the last 90 days, over all departments and for one.

    nice .venv/bin/python -m bench.metrics --data-dir /tmp/lx-metrics       # SQLite
    nice .venv/bin/python -m bench.metrics --data-dir /tmp/lx-metrics \
        --database-url postgresql+psycopg://…/bench                         # SQLite, then PostgreSQL
    options: --requests 1000000 --days 365 (or 90: all in 90 days) --repeat 7

Each database is built once (lianxin migrate, seed, demo-data, which rebuilds the rollup) and
reused while it holds the requests asked for: SQLite in --data-dir, PostgreSQL at
--database-url. Targets (issue 8): all departments < 500 ms, one department < 200 ms. Each line
gives the median, best and worst of --repeat runs, the target and the median / target ratio;
the machine's load average is printed beside them (a loaded machine runs slower), and so is
the median CPU time of the benchmark's own process ("cpu": all of SQLite's work, which waiting
for a core does not inflate; on PostgreSQL only the client's share) and, on a PostgreSQL server
on this machine, of the backends serving it ("pg cpu": use a database of the benchmark's own).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The command line of this checkout (not whichever one the environment installed).
LIANXIN = [sys.executable, "-c", "from server.cli import main; main()"]


def environment(args, database_url: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIANXIN_") and k != "DATABASE_URL"}
    env["LIANXIN_DATA_DIR"] = str(args.data_dir)
    env["PYTHONPATH"] = str(ROOT)
    if database_url:
        env["DATABASE_URL"] = database_url
    return env


def use_environment(args, database_url: str | None) -> dict[str, str]:
    """This process runs as the benchmark's server would: only its LIANXIN_* settings."""
    env = environment(args, database_url)
    os.environ.update(env)
    for key in set(os.environ) - set(env):
        del os.environ[key]
    return env


def ensure_requests(args, env: dict[str, str]) -> bool:
    """Build the benchmark's database unless it already holds ``args.requests`` requests (it
    takes tens of minutes at a million); True when it was built."""
    from sqlalchemy import func, select

    from server.config import get_settings
    from server.db import Database
    from server.models import ServiceRequest

    get_settings.cache_clear()
    settings = get_settings()
    database = Database(settings.effective_database_url, settings)
    try:
        with database.read() as session:
            have = session.scalar(select(func.count()).select_from(ServiceRequest))
    except Exception:  # no schema yet
        have = 0
    finally:
        database.dispose()
    if (have or 0) >= args.requests:
        return False
    build(args, env)
    return True


def build(args, env: dict[str, str]) -> None:
    for cmd in (["migrate"], ["seed"], ["demo-data", "--requests", str(args.requests), "--days", str(args.days)]):
        print("$ lianxin", " ".join(cmd), flush=True)
        subprocess.run([*LIANXIN, *cmd], env=env, cwd=ROOT, check=True)


def timed(fn: Callable[[], object], repeat: int) -> tuple[float, float, float]:
    """(median, best, worst) wall-clock milliseconds of ``repeat`` runs after a warm-up;
    ``last_cpu`` keeps the median CPU time of this process over the same runs, and
    ``last_server_cpu`` that of the PostgreSQL backends serving it (see server_cpu)."""
    fn()  # warm: catalogue snapshot, statement cache, page cache
    runs, cpu, server = [], [], []
    for _ in range(repeat):
        started_server = server_cpu()  # before the clocks start: its own query is not timed
        started, started_cpu = time.perf_counter(), time.process_time()
        fn()
        runs.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
        server.append((server_cpu() - started_server) * 1000)
    last_cpu[0] = statistics.median(cpu)
    last_server_cpu[0] = statistics.median(server)
    return statistics.median(runs), min(runs), max(runs)


# The CPU time of this process (SQLite works inside it; PostgreSQL's share is in its server):
# on a shared machine, wall time waits for a core and CPU time does not.
last_cpu = [0.0]
last_server_cpu = [0.0]
# The PostgreSQL backends of the benchmark's database, when the server runs on this machine
# (their /proc entries are readable): set by watch_server().
_backends: list[Callable[[], list[int]]] = []


def watch_server(database) -> None:
    """Count the CPU time of the PostgreSQL backends connected to ``database``'s database (a
    benchmark's own copy: nobody else's work is in it) beside this process's own."""
    from sqlalchemy import create_engine, text

    if database.engine.dialect.name != "postgresql":
        return
    name = database.engine.url.database
    # Its own connection, to another database: the watcher's queries are not counted.
    engine = create_engine(database.engine.url.set(database="postgres"))

    def pids() -> list[int]:
        with engine.connect() as connection:
            return list(connection.scalars(text("select pid from pg_stat_activity where datname = :d"), {"d": name}))

    _backends[:] = [pids]


def server_cpu() -> float:
    """Seconds of CPU used so far by the watched PostgreSQL backends (0 when none are)."""
    if not _backends:
        return 0.0
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in _backends[0]():
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", type=Path, default=Path("/tmp/lianxin-bench-metrics"))
    parser.add_argument("--database-url", help="also measure this PostgreSQL database (after SQLite)")
    parser.add_argument("--no-sqlite", action="store_true", help="measure only --database-url")
    parser.add_argument("--requests", type=int, default=1_000_000)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    args.data_dir.mkdir(parents=True, exist_ok=True)
    urls = ([] if args.no_sqlite else [None]) + ([args.database_url] if args.database_url else [])
    results = []
    for url in urls:
        results += measure(args, url)
    print(f"\n{'':8} {'':40} {'median':>9} {'target':>8} {'ratio':>6}")
    for dialect, name, median, target in results:
        print(f"{dialect:8} {name:40} {median:7.1f}ms {target:6} ms {median / target:6.2f}")


def measure(args, database_url: str | None) -> list[tuple[str, str, float, int]]:
    env = use_environment(args, database_url)
    ensure_requests(args, env)

    from fastapi.testclient import TestClient
    from sqlalchemy import func, select

    from server.app import create_app
    from server.config import get_settings
    from server.db import Database
    from server.metrics import filters as metric_filters
    from server.metrics import service as metrics
    from server.models import Department, ServiceRequest, utcnow

    settings = get_settings()
    database = Database(settings.effective_database_url, settings)
    now = utcnow()
    end = metric_filters.today(now)
    start = end - timedelta(days=89)
    with database.read() as session:
        total = session.scalar(select(func.count()).select_from(ServiceRequest))
        busiest = session.execute(
            select(ServiceRequest.department_id, func.count()).where(ServiceRequest.department_id.is_not(None))
            .group_by(ServiceRequest.department_id).order_by(func.count().desc()).limit(1)
        ).first()[0]
        code = session.get(Department, busiest).code
    dialect = database.engine.dialect.name
    print(f"\n{dialect}: {total:,} requests; last 90 days {start} … {end}; one department = {code}")

    client = TestClient(create_app(settings, database))
    response = client.post("/api/v1/auth/token", data={"username": "supervisor1", "password": "lianxin-demo-2026"})
    token = response.json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}

    def read(fn, filters):
        def run():
            with database.read() as session:
                return fn(session, filters, now=now)
        return run

    def api(path, params):
        def run():
            response = client.get(path, params=params, headers=headers)
            assert response.status_code == 200, response.text
        return run

    everyone = metrics.Filters(start, end)
    one = metrics.Filters(start, end, department_id=busiest)
    period = {"from": str(start), "to": str(end)}
    cases = [
        ("figures()            all departments", read(metrics.figures, everyone), 500),
        ("figures()            one department", read(metrics.figures, one), 200),
        ("overview()           all departments", read(metrics.overview, everyone), 500),
        ("overview()           one department", read(metrics.overview, one), 200),
        ("departments()        all departments", read(metrics.departments, everyone), 500),
        ("GET /api/v1/metrics  all departments", api("/api/v1/metrics", period), 500),
        ("GET /api/v1/metrics  one department", api("/api/v1/metrics", {**period, "department": code}), 200),
        ("GET /metrics/departments", api("/api/v1/metrics/departments", period), 500),
        ("GET /metrics/redblack (this month)", api("/api/v1/metrics/redblack", {}), 500),
    ]
    watch_server(database)
    print(f"{'':40} {'median':>9} {'best':>9} {'worst':>9}  {'target':>8} {'ratio':>6} {'cpu':>9} {'pg cpu':>9}"
          "  load average")
    out = []
    for name, fn, target in cases:
        median, best, worst = timed(fn, args.repeat)
        load = " ".join(f"{x:.2f}" for x in os.getloadavg())
        print(f"{name:40} {median:7.1f}ms {best:7.1f}ms {worst:7.1f}ms  <{target:4} ms {median / target:6.2f} "
              f"{last_cpu[0]:7.1f}ms {last_server_cpu[0]:7.1f}ms  {load}", flush=True)
        out.append((dialect, name, median, target))
    database.dispose()
    return out


if __name__ == "__main__":
    main()
