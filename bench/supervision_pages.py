"""The supervision pages over the same database as bench/metrics.py: how long /supervision
takes for the last 90 days (all departments, one department), /supervision/staff, /board and
the department table's CSV, beside overview() alone, so the page's own cost (templates, SVG
charts) shows apart from the figures'. Beside the wall times: the median CPU time of this
process ("cpu", all of SQLite's work) and of the PostgreSQL backends ("pg cpu"), as
bench/metrics.py prints them.

    .venv/bin/python -m bench.supervision_pages --data-dir /tmp/lx-pages --requests 100000
    options as bench/metrics.py: --database-url, --requests, --days, --repeat
"""

from __future__ import annotations

import argparse
import os
from datetime import timedelta
from pathlib import Path

from bench.metrics import (
    ensure_requests,
    last_cpu,
    last_server_cpu,
    timed,
    use_environment,
    watch_server,
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", type=Path, default=Path("/tmp/lianxin-bench-metrics"))
    parser.add_argument("--database-url")
    parser.add_argument("--requests", type=int, default=1_000_000)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    args.data_dir.mkdir(parents=True, exist_ok=True)
    ensure_requests(args, use_environment(args, args.database_url))

    import re

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
    print(f"{database.engine.dialect.name}: {total:,} requests; last 90 days {start} … {end}; one department = {code}")

    client = TestClient(create_app(settings, database))
    login = client.get("/login").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', login).group(1)
    signed = client.post("/login", data={"username": "supervisor1", "password": "lianxin-demo-2026", "next": "/",
                                         "csrf_token": token}, follow_redirects=False)
    assert signed.status_code == 303, signed.text

    def page(path):
        def run():
            response = client.get(path)
            assert response.status_code == 200, response.text[:500]
        return run

    def overview(filters):
        def run():
            with database.read() as session:
                metrics.overview(session, filters, now=now)
        return run

    cases = [
        ("overview()           all departments", overview(metrics.Filters(start, end)), 500),
        ("GET /supervision     all departments", page("/supervision?period=90d"), 500),
        ("overview()           one department", overview(metrics.Filters(start, end, department_id=busiest)), 200),
        ("GET /supervision     one department", page(f"/supervision?period=90d&department={code}"), 200),
        ("GET /supervision/staff (90 days)", page(f"/supervision/staff?period=90d&department={code}"), 500),
        ("GET /supervision/departments.csv", page("/supervision/departments.csv?period=90d"), 500),
        ("GET /supervision/redblack", page("/supervision/redblack"), 500),
        ("GET /board (this month)", page("/board"), 500),
    ]
    watch_server(database)
    print(f"{'':40} {'median':>9} {'best':>9} {'worst':>9}  target       {'cpu':>9} {'pg cpu':>9}  load average")
    for name, fn, target in cases:
        median, best, worst = timed(fn, args.repeat)
        verdict = "ok" if median < target else "SLOW"
        load = " ".join(f"{x:.2f}" for x in os.getloadavg())
        print(f"{name:40} {median:7.1f}ms {best:7.1f}ms {worst:7.1f}ms  <{target} ms {verdict:4} "
              f"{last_cpu[0]:7.1f}ms {last_server_cpu[0]:7.1f}ms  {load}", flush=True)
    database.dispose()


if __name__ == "__main__":
    main()
