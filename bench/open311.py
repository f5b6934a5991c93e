"""Open311 GeoReport v2 on a large database: how long GET requests takes for its 1,000 newest
requests of the last 90 days (JSON, XML, filtered by status and by service), one request by
its id, a list of 100 ids, and a POST.

    nice .venv/bin/python -m bench.open311 --data-dir /tmp/lx-open311 --requests 200000 --days 365
    (add --database-url postgresql+psycopg://…/bench to measure PostgreSQL after SQLite)

The database is built once (lianxin migrate, seed, demo-data) and reused (bench/metrics.py).
Each line gives the median, best and worst of --repeat runs, in-process through TestClient.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from bench.metrics import ensure_requests, timed, use_environment


def measure(args, database_url: str | None) -> None:
    env = use_environment(args, database_url)
    ensure_requests(args, env)

    from fastapi.testclient import TestClient
    from sqlalchemy import func, select

    from server.app import create_app
    from server.config import get_settings
    from server.db import Database
    from server.models import Person, PersonRole, ServiceRequest
    from server.open311 import keys

    settings = get_settings()
    database = Database(settings.effective_database_url, settings)
    with database.read() as session:
        total = session.scalar(select(func.count()).select_from(ServiceRequest))
        numbers = list(session.scalars(select(ServiceRequest.number).order_by(ServiceRequest.id.desc()).limit(100)))
        member = session.scalar(select(Person.username).join(PersonRole).where(PersonRole.role == "member").limit(1))
    with database.write() as session:
        key = keys.issue(session, None, member, label="bench").key
    client = TestClient(create_app(settings, database))
    base = "/open311/v2"
    print(f"\n{database.engine.dialect.name}: {total:,} requests")

    def get(url: str, expect: int | None = None):
        def run():
            response = client.get(url)
            assert response.status_code == 200, response.text
            if expect is not None:
                assert len(response.json()) == expect, len(response.json())
        return run

    cases = [
        ("GET requests.json (1,000 newest, 90 days)", get(f"{base}/requests.json", 1000)),
        ("GET requests.xml (1,000 newest, 90 days)", get(f"{base}/requests.xml")),
        ("GET requests.json?status=closed", get(f"{base}/requests.json?status=closed")),
        ("GET requests.json?service_code=gov.policy-consult", get(f"{base}/requests.json?service_code=gov.policy-consult")),
        ("GET requests.json?service_request_id=(100 ids)", get(f"{base}/requests.json?service_request_id={','.join(numbers)}", 100)),
        ("GET requests/{id}.json", get(f"{base}/requests/{numbers[0]}.json", 1)),
        ("GET services.json", get(f"{base}/services.json")),
    ]

    def post():
        response = client.post(f"{base}/requests.json", data={
            "api_key": key, "service_code": "mass.union-membership", "description": "基准测试：个人入会",
            "address_string": "A1栋 3层 301室", "attribute[kind]": "join"})
        assert response.status_code == 200, response.text

    cases.append(("POST requests.json", post))
    for name, fn in cases:
        median, best, worst = timed(fn, args.repeat)
        print(f"{name:55} {median:8.1f} ms  (best {best:.1f}, worst {worst:.1f})", flush=True)
    database.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", type=Path, default=Path("/tmp/lianxin-bench-open311"))
    parser.add_argument("--database-url", help="also measure this PostgreSQL database (after SQLite)")
    parser.add_argument("--requests", type=int, default=200_000)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    args.data_dir.mkdir(parents=True, exist_ok=True)
    for url in [None] + ([args.database_url] if args.database_url else []):
        measure(args, url)


if __name__ == "__main__":
    main()
