"""The supervision sweep and the overdue lists on a big database: how long the first sweep
(every open request's flag and stamps written), a second one (nothing to change) and the
overdue lists' first pages take.

    .venv/bin/python -m bench.sweep --data-dir /tmp/lx-metrics            # SQLite
    .venv/bin/python -m bench.sweep --database-url postgresql://…/bench   # PostgreSQL

Build the database first (``bench/metrics.py`` does: migrate, seed, demo-data). The sweep
writes the flag columns: run it on a copy if the database is shared.
"""

from __future__ import annotations

import argparse
import os
import time

from sqlalchemy import func, select


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data-dir")
    parser.add_argument("--database-url")
    args = parser.parse_args()
    if args.data_dir:
        os.environ["LIANXIN_DATA_DIR"] = args.data_dir
    if args.database_url:
        os.environ["DATABASE_URL"] = args.database_url

    from server.config import get_settings
    from server.db import Database
    from server.enums import OPEN_STATUSES, Role
    from server.models import Person, PersonRole, ServiceRequest, utcnow
    from server.requests import supervision
    from server.sweeper import sweep_flags

    settings = get_settings()
    database = Database(settings.effective_database_url, settings)
    with database.read() as session:
        total = session.scalar(select(func.count()).select_from(ServiceRequest))
        open_ = session.scalar(select(func.count()).select_from(ServiceRequest).where(ServiceRequest.status.in_(OPEN_STATUSES)))
    print(f"{total:,} requests, {open_:,} open")
    now = utcnow()
    for label in ("first sweep", "second sweep (idempotent)"):
        started = time.perf_counter()
        changed = sweep_flags(database, now)
        print(f"{label}: {changed:,} rows changed in {time.perf_counter() - started:.2f} s")

    with database.read() as session:
        supervisor = session.scalar(select(Person).join(PersonRole).where(PersonRole.role == Role.supervisor).limit(1))
        lead = session.scalar(select(Person).join(PersonRole).where(PersonRole.role == Role.lead).limit(1))
    for who, person in (("supervisor", supervisor), ("lead", lead)):
        if person is None:
            continue
        for kind in supervision.OVERDUE_KINDS:
            runs = []
            for _ in range(5):
                with database.read() as session:
                    started = time.perf_counter()
                    page = supervision.overdue_list(session, person, kind)
                    supervision.overdue_items(session, page.rows, kind, "zh-Hans")
                    counts = supervision.overdue_counts(session, person)
                    runs.append(time.perf_counter() - started)
            print(f"overdue list ({who}, {kind}): {counts[kind]:,} overdue, first page + counts "
                  f"median {sorted(runs)[2] * 1000:.0f} ms")


if __name__ == "__main__":
    main()
