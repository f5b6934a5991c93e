"""PostgreSQL for bench/run.py (``--database-url``): throwaway databases for the write phases,
counts, and a sampler of ``pg_stat_activity`` that shows whether connections wait on locks
while a phase runs (the old tracking-number upsert made every submission wait on the day's
counter row; see server/requests/numbering.py)."""

from __future__ import annotations

import threading
import time
from collections import Counter

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from bench.loadgen import proc_cpu_seconds


def database_name(url: str) -> str:
    return make_url(url).database or ""


def sibling_url(url: str, name: str) -> str:
    """The same server and credentials, another database."""
    return make_url(url).set(database=name).render_as_string(hide_password=False)


def recreate(url: str) -> None:
    """Drop and create the database ``url`` names (a throwaway one)."""
    name = database_name(url)
    admin = create_engine(sibling_url(url, "postgres"), isolation_level="AUTOCOMMIT", poolclass=NullPool)
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()


def ensure_exists(url: str) -> None:
    name = database_name(url)
    admin = create_engine(sibling_url(url, "postgres"), isolation_level="AUTOCOMMIT", poolclass=NullPool)
    try:
        with admin.connect() as conn:
            if not conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).first():
                conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()


def scalar(url: str, sql: str, **params):
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            return conn.execute(text(sql), params).scalar()
    except Exception:
        return None
    finally:
        engine.dispose()


class LockSampler:
    """Every ``interval`` seconds: how many connections to the database are active and how many
    of those wait on a lock (``wait_event_type = 'Lock'``), and which statements wait."""

    def __init__(self, url: str, interval: float = 0.05):
        self.url, self.interval = url, interval
        self.name = database_name(url)
        self.samples: list[tuple[int, int]] = []
        self.waiting_statements: Counter[str] = Counter()
        # The CPU of the database's own backends (same machine, /proc): first and last
        # reading per backend pid, so the database's share of each answer can be told apart
        # from the application's.
        self._cpu_first: dict[int, float] = {}
        self._cpu_last: dict[int, float] = {}
        self._started = self._ended = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="pg-lock-sampler", daemon=True)

    def __enter__(self) -> LockSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    def _run(self) -> None:
        engine = create_engine(self.url, poolclass=NullPool, isolation_level="AUTOCOMMIT")
        query = text(
            "SELECT pid, state = 'active' AS active, wait_event_type = 'Lock' AS waiting, left(query, 60) AS query"
            " FROM pg_stat_activity WHERE datname = :db AND pid <> pg_backend_pid() AND backend_type = 'client backend'"
        )
        try:
            with engine.connect() as conn:
                self._started = time.monotonic()
                while not self._stop.wait(self.interval):
                    rows = conn.execute(query, {"db": self.name}).all()
                    for r in rows:
                        cpu = proc_cpu_seconds(r.pid)
                        if cpu is not None:
                            self._cpu_first.setdefault(r.pid, cpu)
                            self._cpu_last[r.pid] = cpu
                    self._ended = time.monotonic()
                    waiting = [r.query for r in rows if r.waiting]
                    self.samples.append((sum(1 for r in rows if r.active), len(waiting)))
                    self.waiting_statements.update(waiting)
        finally:
            engine.dispose()

    def summary(self) -> dict:
        n = len(self.samples) or 1
        return {
            "samples": len(self.samples),
            "active_mean": round(sum(a for a, _ in self.samples) / n, 1),
            "lock_waiting_mean": round(sum(w for _, w in self.samples) / n, 2),
            "lock_waiting_max": max((w for _, w in self.samples), default=0),
            "samples_with_lock_waits": sum(1 for _, w in self.samples if w),
            "top_waiting": [f"{count}× {q}" for q, count in self.waiting_statements.most_common(3)],
            "backend_cpu_pct": self.backend_cpu_pct(),
        }

    def backend_cpu_pct(self) -> float | None:
        """CPU of the database's backends while sampling, in % of one core (None when /proc
        does not show them: another machine)."""
        span = self._ended - self._started
        if not self._cpu_last or span <= 0:
            return None
        used = sum(self._cpu_last[pid] - self._cpu_first[pid] for pid in self._cpu_last)
        return round(100 * used / span, 1)

