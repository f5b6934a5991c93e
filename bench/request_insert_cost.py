"""What the request table's indexes cost one submission on SQLite: one row inserted and
committed, with every index of the schema and with only the table's own keys.

    .venv/bin/python -m bench.request_insert_cost [--rows 5000] [--rounds 2]

A fresh database is migrated in a temporary folder; each round copies it, optionally drops
the service_request indexes named ``ix_*`` (the lists', the finder's and the figures'), and
inserts ``--rows`` requests one transaction each (``BEGIN IMMEDIATE`` … ``COMMIT``, WAL,
``synchronous=NORMAL`` as the server runs), through the bare ``sqlite3`` module with the rows
built beforehand, so the figure is SQLite's own work (and three driver calls): every index is
one more B-tree page dirtied and written to the WAL at each commit. The table starts empty;
on a full one each index costs somewhat more (deeper trees, pages not in the cache). Prints
wall-clock and CPU microseconds per insert for both, back to back, and their ratio.
"""

from __future__ import annotations

import argparse
import random
import shutil
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

from bench.run import prepare_lianxin_db

STATUSES = ("dispatched", "claimed", "completed", "rated")


def migrated(folder: Path) -> Path:
    prepare_lianxin_db(folder, folder / "cli.log")  # bench/run.py's: a clean environment, SQLite
    return folder / "lianxin.db"


def one_round(source: Path, work: Path, rows: int, drop: bool) -> tuple[int, float, float]:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{work}{suffix}").unlink(missing_ok=True)
    shutil.copy(source, work)
    db = sqlite3.connect(work, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    if drop:
        names = db.execute("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'service_request' "
                           "AND name LIKE 'ix_%'").fetchall()
        for (name,) in names:
            db.execute(f'DROP INDEX "{name}"')
    indexes = db.execute("SELECT count(*) FROM sqlite_master WHERE type = 'index' "
                         "AND tbl_name = 'service_request'").fetchone()[0]
    columns = [r[1] for r in db.execute("PRAGMA table_info(service_request)") if r[1] != "id"]
    statement = (f"INSERT INTO service_request ({', '.join(columns)}) "
                 f"VALUES ({', '.join('?' * len(columns))})")
    ids = {table: [r[0] for r in db.execute(f"SELECT id FROM {table}")] for table in
           ("service", "person", "enterprise", "department")}
    chance = random.Random(7)
    rows_values = []  # built before the clock starts: only SQLite's work (and the driver's call) is timed
    for i in range(rows):
        values = dict.fromkeys(columns)
        values.update(
            number=f"LX-BENCH-{i:07d}", version=1, status=chance.choice(STATUSES),
            service_id=chance.choice(ids["service"]), requester_id=chance.choice(ids["person"]),
            enterprise_id=chance.choice(ids["enterprise"]), department_id=chance.choice(ids["department"]),
            assignee_id=chance.choice(ids["person"]), description="咨询" * 40, floor="3", room="301",
            contact_phone="13800000000", answers="{}", submitted_at=f"2026-12-06 02:{i % 60:02d}:00.000000",
            updated_at="2026-12-06 02:00:00.000000", rework_count=0, return_count=0, transfer_count=0,
            urge_count=0, closed_unrated=0,
        )
        rows_values.append([values[c] for c in columns])
    wall, cpu = time.perf_counter(), time.process_time()
    for row in rows_values:
        db.execute("BEGIN IMMEDIATE")
        db.execute(statement, row)
        db.execute("COMMIT")
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    db.close()
    return indexes, wall / rows * 1e6, cpu / rows * 1e6


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="lianxin-insert-") as tmp:
        source = migrated(Path(tmp))
        work = Path(tmp) / "copy.db"
        results: dict[bool, list[tuple[float, float]]] = {False: [], True: []}
        counts = {}
        for _ in range(args.rounds):
            for drop in (False, True):  # back to back, so the machine's load touches both alike
                counts[drop], us_wall, us_cpu = one_round(source, work, args.rows, drop)
                results[drop].append((us_wall, us_cpu))
                print(f"{counts[drop]:3d} indexes: {us_wall:6.0f} us wall, {us_cpu:6.0f} us CPU per insert + commit")
        best = {drop: min(r[1] for r in runs) for drop, runs in results.items()}
        print(f"CPU per insert, best of {args.rounds}: {best[False]:.0f} us with every index, "
              f"{best[True]:.0f} us with {counts[True]}; ratio {best[False] / best[True]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
