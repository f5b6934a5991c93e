#!/usr/bin/env python
"""Lianxin's benchmark: one command, every figure measured in the same run, on the same
machine, with the same load generator (bench/loadgen.py).

    .venv/bin/python bench/run.py                       # full run (1,000,000-request queue DB)
    .venv/bin/python bench/run.py --requests 100000     # quicker queue phase
    .venv/bin/python bench/run.py --duration 5 --warmup 1 --only a,b,submit

Phases (32 concurrent keep-alive connections unless noted):
  a       Baseline A: bare FastAPI async endpoint returning a small JSON object.
  b       Baseline B: bare FastAPI sync endpoint inserting one row into SQLite through
          SQLAlchemy with Lianxin's own Database (same pragmas, BEGIN IMMEDIATE, write lock).
  submit  Lianxin: POST /api/v1/requests (several member tokens, a unique Idempotency-Key
          per request, a routed service with valid answers), on a fresh seeded database.
  claim   Lianxin: staff of the service's department walking one shared list of dispatched
          requests; each request gets --claim-fanout claims at once (one wins, the rest 409).
  queue   Lianxin: GET /api/v1/requests?status=dispatched (50 rows) as a staff member with
          --requests rows in the database, at 1 client and at 32 clients.
  submit_form, desk, desk_poll, board, request
          Lianxin's pages: the order form's POST beside the API's submit, the department desk
          with 100 rows (1 and 32 clients), its unchanged poll (304), the dispatch board and a
          request page (bench/pages.py).

Every server is a uvicorn subprocess on a free 127.0.0.1 port (as `lianxin serve` runs it,
1 worker, plus --no-access-log --log-level warning), stopped at the end even on Ctrl-C.
The results are printed as a table and written to bench/results/<timestamp>.json.

PostgreSQL and several workers (bench/pg.py):
    .venv/bin/python bench/run.py --database-url postgresql://postgres@127.0.0.1:5432/bench_x --workers 1,2
runs submit, claim and queue for each worker count in one run, each server started with
`lianxin serve --workers N`. The write phases use a fresh database <name>_writes (dropped and
created per N); the queue phase uses <name> itself, filled to --requests once and then kept.
While submit and claim run, pg_stat_activity is sampled for connections waiting on locks.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from datetime import date, datetime, timedelta
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import yaml  # noqa: E402  (a Lianxin dependency)

from bench import pages, pg  # noqa: E402
from bench.loadgen import HOST, LoadResult, build_request, run_load  # noqa: E402

RESULTS = ROOT / "bench" / "results"
API = "/api/v1"
TARGET_SUBMIT_RATIO = 0.5
TARGET_SUBMIT_P99_MS = 150.0
TARGET_WORKER_SCALING = 1.6  # 2 workers against 1, on PostgreSQL
TARGET_DESK_PER_S = 150.0
PHASES = ("a", "b", "submit", "submit_form", "claim", "queue", "desk", "desk_poll", "board", "request")
PAGE_PHASES = {"desk", "desk_poll", "board", "request"}


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


# ── servers ──────────────────────────────────────────────────────────────────

_running: list[Server] = []


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


# --server-env: settings for the Lianxin servers only (not the baselines), to compare one
# setting's values in one sitting, e.g. LIANXIN_THREADPOOL_SIZE=1.
SERVER_ENV: dict[str, str] = {}


def clean_env(data_dir: Path, database_url: str | None = None) -> dict[str, str]:
    """The environment for Lianxin processes: none of the caller's LIANXIN_* or DATABASE_URL
    (so every server uses SQLite with default settings, or ``database_url``), only our data dir."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIANXIN_") and k != "DATABASE_URL"}
    env["LIANXIN_DATA_DIR"] = str(data_dir)
    if database_url:
        env["DATABASE_URL"] = database_url
    env["PYTHONPATH"] = str(ROOT) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    return env


class Server:
    """One uvicorn process, started like `lianxin serve` (1 worker) but quiet; with a
    ``database_url`` (PostgreSQL), `lianxin serve --workers N` itself."""

    def __init__(self, name: str, app: str, *, factory: bool, data_dir: Path, log_dir: Path,
                 workers: int = 1, database_url: str | None = None):
        self.name, self.app, self.factory = name, app, factory
        self.data_dir = data_dir
        self.workers, self.database_url = workers, database_url
        self.log_path = log_dir / f"{name}.log"
        self.port = 0
        self.proc: subprocess.Popen | None = None

    def start(self, timeout: float = 60.0) -> Server:
        self.port = free_port()
        env = clean_env(self.data_dir, self.database_url)
        if not self.app.startswith("bench."):
            env.update(SERVER_ENV)
        if self.database_url:
            cmd = [sys.executable, "-m", "server.cli", "serve", "--host", HOST, "--port", str(self.port),
                   "--workers", str(self.workers)]
            env["LIANXIN_LOG_LEVEL"] = "WARNING"
        else:
            cmd = [
                sys.executable, "-m", "uvicorn", self.app, "--host", HOST, "--port", str(self.port),
                "--workers", str(self.workers), "--no-access-log", "--log-level", "warning",
            ]
            if self.factory:
                cmd.append("--factory")
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log_path, "ab") as out:
            self.proc = subprocess.Popen(
                cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL, start_new_session=True,
            )
        _running.append(self)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.proc.returncode}:\n{self.log_tail()}")
            if self._answers():
                if self.workers > 1:
                    # One worker answering says nothing of the others, still importing the app:
                    # give them time, so the warm-up measures serving, not starting.
                    time.sleep(2.0 * self.workers)
                return self
            time.sleep(0.1)
        raise RuntimeError(f"{self.name} did not answer within {timeout:.0f} s:\n{self.log_tail()}")

    def _answers(self) -> bool:
        try:
            with socket.create_connection((HOST, self.port), timeout=1) as s:
                s.sendall(f"GET /__bench_ready HTTP/1.1\r\nHost: {HOST}\r\nConnection: close\r\n\r\n".encode())
                return s.recv(12).startswith(b"HTTP/1.")
        except OSError:
            return False

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def stop(self) -> None:
        proc = self.proc
        if proc is None:
            return
        self.proc = None
        if self in _running:
            _running.remove(self)
        if proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)  # its own session: this server only
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=5)

    def __enter__(self) -> Server:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def stop_all() -> None:
    for server in list(_running):
        with contextlib.suppress(Exception):
            server.stop()


def _on_signal(signum, _frame):
    raise SystemExit(128 + signum)  # unwinds through the finally blocks that stop the servers


# ── optional profiling of a server with py-spy ───────────────────────────────


class Profiler:
    """py-spy record of one server during a phase's measured window (started after the warm-up
    by a timer thread), as collapsed stacks plus a summary of the hottest frames."""

    def __init__(self, pid: int, base: Path, warmup: float, duration: float, gil_only: bool = True):
        self.exe = Path(sys.executable).parent / "py-spy"
        if not self.exe.exists():
            raise SystemExit("--profile needs py-spy: .venv/bin/pip install py-spy")
        self.raw_path = base.with_suffix(".collapsed.txt")
        self.summary_path = base.with_suffix(".top.txt")
        self.proc: subprocess.Popen | None = None
        cmd = [str(self.exe), "record", "-p", str(pid), "-d", str(max(1, int(duration))), "-r", "100",
               "-f", "raw", "-o", str(self.raw_path), "--nonblocking"]
        if gil_only:  # the Python work; without it every busy thread (sqlite3 runs statements without the GIL)
            cmd.append("--gil")
        self.timer = threading.Timer(warmup, self._start, args=(cmd,))
        self.timer.start()

    def _start(self, cmd: list[str]) -> None:
        self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def finish(self) -> None:
        self.timer.cancel()
        if self.proc is not None:
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.raw_path.exists():
            self.summary_path.write_text(summarise_stacks(self.raw_path))

def summarise_stacks(path: Path, top: int = 40) -> str:
    own: dict[str, int] = {}
    inclusive: dict[str, int] = {}
    total = 0
    for line in path.read_text().splitlines():
        stack, _, n = line.rpartition(" ")
        if not n.isdigit():
            continue
        count = int(n)
        total += count
        frames = stack.split(";")
        own[frames[-1]] = own.get(frames[-1], 0) + count
        for frame in set(frames):
            inclusive[frame] = inclusive.get(frame, 0) + count
    out = [f"{total} samples", "", "inclusive, project frames (server/):"]
    ranked = sorted(inclusive.items(), key=lambda kv: -kv[1])
    out += [f"{100 * n / total:5.1f}%  {f}" for f, n in ranked if "(server/" in f][:top]
    out += ["", "own time, any frame:"]
    out += [f"{100 * n / total:5.1f}%  {f}" for f, n in sorted(own.items(), key=lambda kv: -kv[1])[:top]]
    return "\n".join(out) + "\n"


# ── small synchronous HTTP helper for setup calls (not measured) ─────────────


def call(port: int, method: str, path: str, *, token: str | None = None, body=None, form=None,
         headers: dict | None = None) -> tuple[int, object]:
    data = None
    hdrs = dict(headers or {})
    if token:
        hdrs["Authorization"] = f"Bearer {token}"
    if body is not None:
        data = json.dumps(body).encode()
        hdrs["Content-Type"] = "application/json"
    elif form is not None:
        data = urllib.parse.urlencode(form).encode()
        hdrs["Content-Type"] = "application/x-www-form-urlencoded"
    request = urllib.request.Request(f"http://{HOST}:{port}{path}", data=data, headers=hdrs, method=method)
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            status, raw = response.status, response.read()
    except urllib.error.HTTPError as exc:
        status, raw = exc.code, exc.read()
    try:
        return status, json.loads(raw) if raw else None
    except ValueError:
        return status, raw.decode(errors="replace")


def login(port: int, username: str, password: str) -> str:
    status, out = call(port, "POST", f"{API}/auth/token", form={"username": username, "password": password})
    if status != 200:
        raise RuntimeError(f"login as {username} failed: {status} {out}")
    return out["access_token"]


# ── Lianxin data ─────────────────────────────────────────────────────────────


def lianxin(data_dir: Path, *args: str, log_path: Path | None = None, database_url: str | None = None) -> str:
    """Run a `lianxin` CLI command against ``data_dir`` (or ``database_url``); returns its output."""
    # `-m` from ROOT, not the venv's `lianxin` script: an editable install's script imports the
    # checkout it was installed from, which is not this one in a second worktree.
    cmd = [sys.executable, "-m", "server.cli", *args]
    done = subprocess.run(cmd, cwd=ROOT, env=clean_env(data_dir, database_url), capture_output=True, text=True,
                          stdin=subprocess.DEVNULL)
    output = done.stdout + done.stderr
    if log_path is not None:
        with open(log_path, "a") as f:
            f.write(f"$ lianxin {' '.join(args)}\n{output}\n")
    if done.returncode != 0:
        raise RuntimeError(f"lianxin {' '.join(args)} failed ({done.returncode}):\n{output[-3000:]}")
    return output


def prepare_lianxin_db(data_dir: Path, log_path: Path, database_url: str | None = None) -> None:
    data_dir.mkdir(parents=True, exist_ok=True)
    lianxin(data_dir, "migrate", log_path=log_path, database_url=database_url)
    lianxin(data_dir, "seed", log_path=log_path, database_url=database_url)


def count_requests(data_dir: Path, database_url: str | None = None) -> int:
    if database_url:
        return pg.scalar(database_url, "SELECT count(*) FROM service_request") or 0
    path = data_dir / "lianxin.db"
    if not path.exists():
        return 0
    with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
        try:
            return db.execute("SELECT count(*) FROM service_request").fetchone()[0]
        except sqlite3.OperationalError:
            return 0


def demo_accounts() -> tuple[str, list[dict]]:
    demo = yaml.safe_load((ROOT / "seeds" / "demo.yaml").read_text())
    return demo["password"], demo["accounts"]


def answers_for(fields: list[dict]) -> dict:
    """Valid answers for a service's fields, as a careful requester would give them."""
    answers = {}
    soon = date.today() + timedelta(days=7)
    for f in fields:
        kind, choices = f["type"], [c["value"] for c in f.get("choices") or []]
        if kind == "file":
            if f["required"]:
                raise RuntimeError(f"field {f['code']} needs a file: pick a service without required files")
            continue
        if kind == "single_choice":
            value = choices[0]
        elif kind == "multiple_choice":
            value = choices[:2]
        elif kind == "number":
            lo = f.get("min") if f.get("min") is not None else 1
            hi = f.get("max") if f.get("max") is not None else lo + 10
            value = int(min(max(lo, 10), hi))
        elif kind == "date":
            value = soon.isoformat()
        elif kind == "datetime":
            value = f"{soon.isoformat()}T14:30"
        elif kind == "long_text":
            value = "基准测试：请忽略。Benchmark request, please ignore."
        else:
            value = "基准测试"[: f.get("max_length") or None]
        answers[f["code"]] = value
    return answers


# ── phases ───────────────────────────────────────────────────────────────────


class Bench:
    def __init__(self, args: argparse.Namespace):
        self.args = args
        self.stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        self.log_dir = RESULTS / f"{self.stamp}-logs"
        self.results: dict[str, dict] = {}
        self.notes: list[str] = []
        self.run_id = uuid.uuid4().hex[:8]
        self.profile = set(args.profile.split(",")) if args.profile else set()
        self.database_url: str | None = args.database_url
        self.worker_counts = [int(n) for n in args.workers.split(",")]
        self.workers = self.worker_counts[0]  # of the servers being measured now

    def key(self, phase: str) -> str:
        """A phase's key in the results: suffixed by the worker count when several are compared."""
        return phase if len(self.worker_counts) == 1 else f"{phase}_w{self.workers}"

    def label(self, text: str) -> str:
        return text if len(self.worker_counts) == 1 else f"{text} [{self.workers}w]"

    def server(self, name: str, data_dir: Path, database_url: str | None = None) -> Server:
        return Server(name, "server.app:create_app", factory=True, data_dir=data_dir, log_dir=self.log_dir,
                      workers=self.workers, database_url=database_url)

    def lock_sampler(self):
        """Samples pg_stat_activity of the write database while a phase runs (PostgreSQL)."""
        return pg.LockSampler(self.writes_url) if self.database_url else contextlib.nullcontext()

    @property
    def writes_url(self) -> str:
        assert self.database_url
        return pg.sibling_url(self.database_url, pg.database_name(self.database_url) + "_writes")

    def load(self, server: Server, make, *, concurrency: int | None = None, expect=frozenset({200}),
             on_response=None, profile: str | None = None) -> LoadResult:
        spy = None
        if profile and profile in self.profile:
            spy = Profiler(server.pid, self.log_dir / f"profile-{profile}", self.args.warmup, self.args.duration,
                           gil_only=not self.args.profile_all_threads)
        try:
            return asyncio.run(run_load(
                server.port, concurrency or self.args.clients, make, duration=self.args.duration,
                warmup=self.args.warmup, expect=expect, on_response=on_response, server_pid=server.pid,
            ))
        finally:
            if spy is not None:
                spy.finish()
                self.notes.append(f"{profile}: profiled with py-spy (figures slightly lower): {spy.summary_path}")

    def record(self, key: str, label: str, result: LoadResult, **extra) -> dict:
        entry = {"label": label, **result.summary(), "loadavg_after": round(os.getloadavg()[0], 2), **extra}
        self.results[key] = entry
        log(f"  {label}: {entry['req_per_s']:,.0f} req/s, p50 {entry['p50_ms']} ms, p99 {entry['p99_ms']} ms, "
            f"errors {entry['errors']}, statuses {entry['statuses']}, server CPU {entry['server_cpu_pct']}%, "
            f"load generator CPU {entry['loadgen_cpu_pct']}%")
        for sample in entry["error_samples"]:
            log(f"    error: {sample}")
        return entry

    # A ---------------------------------------------------------------------
    def phase_a(self, tmp: Path) -> None:
        log("Baseline A: bare FastAPI, async JSON endpoint")
        with Server("baseline-a", "bench.baseline_app:json_app", factory=False, data_dir=tmp / "a",
                    log_dir=self.log_dir) as server:
            raw = build_request("GET", "/ping", server.port)
            self.record("baseline_a", "A: bare FastAPI JSON (async)", self.load(server, lambda i: raw, profile="a"))

    # B ---------------------------------------------------------------------
    def phase_b(self, tmp: Path) -> None:
        log("Baseline B: bare FastAPI sync endpoint, one SQLite insert via server.db.Database")
        with Server("baseline-b", "bench.baseline_app:create_insert_app", factory=True, data_dir=tmp / "b",
                    log_dir=self.log_dir) as server:
            body = json.dumps({"author": "bench", "text": "连心 benchmark row"}).encode()
            raw = build_request("POST", "/notes", server.port, {"Content-Type": "application/json"}, body)
            result = self.load(server, lambda i: raw, expect={201}, profile="b")
        with contextlib.closing(sqlite3.connect(tmp / "b" / "baseline.db")) as db:
            rows = db.execute("SELECT count(*) FROM bench_note").fetchone()[0]
        self.record("baseline_b", "B: bare FastAPI sync + SQLite insert", result, rows_in_table=rows)

    # submit + claim ----------------------------------------------------------
    def phase_lianxin_writes(self, tmp: Path, phases: set[str]) -> None:
        data_dir = tmp / f"lianxin-w{self.workers}"
        database_url = None
        if self.database_url:
            database_url = self.writes_url
            pg.recreate(database_url)
            log(f"Lianxin (fresh PostgreSQL database {pg.database_name(database_url)}): migrate + seed")
        else:
            log(f"Lianxin (fresh database in {data_dir}): migrate + seed")
        prepare_lianxin_db(data_dir, self.log_dir / "cli.log", database_url)
        password, accounts = demo_accounts()
        with self.server(f"lianxin-writes-w{self.workers}", data_dir, database_url) as server:
            port = server.port
            members = [a["username"] for a in accounts if "member" in a["roles"]][: self.args.members]
            tokens = [login(port, m, password) for m in members]
            code = self.args.service
            status, service = call(port, "GET", f"{API}/services/{code}", token=tokens[0])
            if status != 200:
                raise RuntimeError(f"GET /services/{code}: {status} {service}")
            if not service.get("department"):
                raise RuntimeError(f"{code} is not routed to a department: pick a routed service (--service)")
            department = service["department"]
            body = json.dumps({
                "service_code": code,
                "description": "基准测试：请忽略。Benchmark request, please ignore.",
                "answers": answers_for(service["fields"]),
            }, ensure_ascii=False).encode()
            # One untimed submission to check the body is valid and the service routes.
            status, out = call(port, "POST", f"{API}/requests", token=tokens[0], body=json.loads(body),
                               headers={"Idempotency-Key": f"bench-{self.run_id}-check"})
            if status != 201:
                raise RuntimeError(f"a test submission failed: {status} {out}")
            log(f"  service {code} → department {department}; a test submission came back {out['status']}")

            counter = iter(range(10**9))
            prefixes = [
                (f"POST {API}/requests HTTP/1.1\r\nHost: {HOST}:{port}\r\nAuthorization: Bearer {t}\r\n"
                 f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\nIdempotency-Key: bench-{self.run_id}-").encode()
                for t in tokens
            ]
            tail = b"\r\n\r\n" + body

            def make_submit(i: int) -> bytes | None:
                n = next(counter)
                return prefixes[i % len(prefixes)] + str(n).encode() + tail

            if "submit" in phases:
                log(f"Lianxin submissions: POST {API}/requests as {len(tokens)} members, {self.args.clients} clients, "
                    f"{self.workers} worker(s)")
                with self.lock_sampler() as sampler:
                    result = self.load(server, make_submit, expect={201}, profile="submit")
                locks = {"pg_activity": sampler.summary()} if sampler else {}
                self.record(self.key("submit"), self.label("Lianxin POST /requests (submit)"), result, service=code,
                            department=department, member_accounts=len(tokens), workers=self.workers, **locks)
            if "submit_form" in phases:
                pages.run_form_submit(self, server, password, accounts, service, answers_for(service["fields"]))
            if "claim" in phases:
                self.phase_claim(server, department, password, accounts, make_submit)

    def phase_claim(self, server: Server, department: str, password: str, accounts: list[dict], make_submit) -> None:
        port = server.port
        staff = [a["username"] for a in accounts if a.get("department") == department
                 and ({"staff", "lead"} & set(a["roles"]))]
        if not staff:
            raise RuntimeError(f"no demo staff in department {department}")
        tokens = [login(port, s, password) for s in staff]
        numbers = self.dispatched_numbers(port, tokens[0], department)
        if len(numbers) < self.args.claim_pool:
            # Top up the queue with untimed submissions through the same generator.
            missing = self.args.claim_pool - len(numbers)
            log(f"  topping up the queue with {missing} submissions (not measured)")
            start = time.monotonic()
            limit_counter = iter(range(10**9))

            def make_limited(i: int) -> bytes | None:
                return None if next(limit_counter) >= missing else make_submit(i)

            asyncio.run(run_load(port, self.args.clients, make_limited, duration=3600, warmup=0,
                                 expect={201}, server_pid=server.pid))
            log(f"  done in {time.monotonic() - start:.1f} s")
            numbers = self.dispatched_numbers(port, tokens[0], department)
        fanout = self.args.claim_fanout
        log(f"Lianxin contended claims: {len(numbers)} dispatched requests of {department}, "
            f"{self.args.clients} clients as {', '.join(staff)}; each number goes to {fanout} claims in a row")
        prefixes = [f"Host: {HOST}:{port}\r\nAuthorization: Bearer {t}\r\nContent-Length: 0\r\n\r\n".encode()
                    for t in tokens]
        sent = iter(range(10**9))
        walked = [0]

        def make_claim(i: int) -> bytes | None:
            # The next `fanout` claims all go to the same request: they are in flight together,
            # one wins and the others lose with 409, like staff racing for the top of the queue.
            position = next(sent) // fanout
            if position >= len(numbers):
                return None
            walked[0] = position + 1
            return f"POST {API}/requests/{numbers[position]}/claim HTTP/1.1\r\n".encode() + prefixes[i % len(prefixes)]

        won = [0]

        def on_claim(i: int, status: int, body: bytes) -> None:
            if status == 200:
                won[0] += 1

        with self.lock_sampler() as sampler:
            result = self.load(server, make_claim, expect={200, 409}, on_response=on_claim, profile="claim")
        locks = {"pg_activity": sampler.summary()} if sampler else {}
        entry = self.record(self.key("claim"), self.label("Lianxin contended claims"), result, department=department,
                            workers=self.workers, **locks,
                            staff_accounts=len(tokens), numbers_available=len(numbers),
                            numbers_walked=walked[0], claims_per_number=fanout,
                            won_including_warmup=won[0])
        if won[0] != walked[0]:
            self.notes.append(f"claim: {won[0]} claims succeeded for {walked[0]} requests tried: "
                              "each should be won exactly once")
        entry["claims_per_s"] = round(result.rate(200), 1)
        entry["conflicts_per_s"] = round(result.rate(409), 1)
        entry["other_statuses"] = sum(v for k, v in result.statuses.items() if k not in (200, 409)) + sum(
            v for k, v in result.errors.items() if not k.startswith("HTTP "))
        if result.exhausted:
            self.notes.append(f"claim: the list of {len(numbers)} dispatched requests ran out after "
                              f"{result.window_s:.1f} s of measurement; raise --claim-pool")

    def dispatched_numbers(self, port: int, token: str, department: str) -> list[str]:
        numbers, cursor = [], None
        for _ in range(100_000):  # bounded: pages of 100
            query = {"status": "dispatched", "sort": "oldest", "limit": "100"}
            if cursor:
                query["cursor"] = cursor
            status, page = call(port, "GET", f"{API}/requests?{urllib.parse.urlencode(query)}", token=token)
            if status != 200:
                raise RuntimeError(f"listing the queue failed: {status} {page}")
            numbers += [r["number"] for r in page["items"] if (r.get("department") or {}).get("code") == department]
            cursor = page.get("next_cursor")
            if not cursor:
                break
        return numbers

    # queue -----------------------------------------------------------------
    def phase_queue(self) -> None:
        wanted = self.args.requests
        data_dir = Path(self.args.queue_db_dir) if self.args.queue_db_dir else RESULTS / f"queue-db-{wanted}"
        url = self.database_url
        if url:
            pg.ensure_exists(url)
            data_dir = RESULTS / f"queue-pg-{pg.database_name(url)}"  # its data dir: attachments, secret key
        log(f"Queue database {pg.database_name(url) if url else data_dir}: migrate + seed")
        prepare_lianxin_db(data_dir, self.log_dir / "cli.log", url)
        have = count_requests(data_dir, url)
        if have >= wanted:
            log(f"  reusing it: {have:,} requests already there (≥ {wanted:,})")
        else:
            log(f"  filling: lianxin demo-data --requests {wanted - have} (this takes a while for a million)")
            start = time.monotonic()
            lianxin(data_dir, "demo-data", "--requests", str(wanted - have), log_path=self.log_dir / "cli.log",
                    database_url=url)
            self.results["queue_fill"] = {"requests_added": wanted - have, "seconds": round(time.monotonic() - start, 1)}
            log(f"  filled in {time.monotonic() - start:.1f} s")
            have = count_requests(data_dir, url)
        password, accounts = demo_accounts()
        who = self.args.queue_user
        department = next((a.get("department") for a in accounts if a["username"] == who), None)
        with self.server(f"lianxin-queue-w{self.workers}", data_dir, url) as server:
            token = login(server.port, who, password)
            path = f"{API}/requests?status=dispatched"
            status, page = call(server.port, "GET", path, token=token)
            if status != 200:
                raise RuntimeError(f"GET {path}: {status} {page}")
            rows = len(page["items"])
            if rows < 50:
                self.notes.append(f"queue: the page has only {rows} rows, not 50")
            queued = ("SELECT count(*) FROM service_request r JOIN department d ON d.id = r.department_id "
                      "WHERE d.code = {} AND r.status = 'dispatched'")
            if url:
                queue_size = pg.scalar(url, queued.format(":code"), code=department)
            else:
                with contextlib.closing(sqlite3.connect(f"file:{data_dir / 'lianxin.db'}?mode=ro", uri=True)) as db:
                    queue_size = db.execute(queued.format("?"), (department,)).fetchone()[0]
            raw = build_request("GET", path, server.port, {"Authorization": f"Bearer {token}"})
            extra = {"requests_in_db": have, "rows_per_page": rows, "user": who, "department": department,
                     "dispatched_in_department": queue_size, "workers": self.workers}
            log(f"Lianxin queue page: GET {path} as {who} ({department}), {have:,} requests, {rows} rows/page, 1 client")
            self.record(self.key("queue_1"), self.label("Lianxin queue page, 1 client"),
                        self.load(server, lambda i: raw, concurrency=1, profile="queue1"), **extra)
            log(f"Lianxin queue page: {self.args.clients} clients")
            self.record(self.key("queue_32"), self.label(f"Lianxin queue page, {self.args.clients} clients"),
                        self.load(server, lambda i: raw, profile="queue"), **extra)

    # --------------------------------------------------------------------------
    def run(self) -> int:
        default = {"submit", "claim", "queue"} if self.database_url else set(PHASES)
        phases = set(self.args.only.split(",")) if self.args.only else default
        unknown = phases - set(PHASES)
        if unknown:
            raise SystemExit(f"unknown phase(s): {', '.join(sorted(unknown))}")
        self.log_dir.mkdir(parents=True, exist_ok=True)
        load_before = os.getloadavg()
        log(f"load average before: {load_before[0]:.2f} {load_before[1]:.2f} {load_before[2]:.2f} "
            f"on {os.cpu_count()} CPUs; {self.args.clients} clients, {self.args.warmup:g} s warm-up + "
            f"{self.args.duration:g} s per phase")
        started = time.monotonic()
        with tempfile.TemporaryDirectory(prefix="lianxin-bench-") as tmp_name:
            tmp = Path(tmp_name)
            if "a" in phases:
                self.phase_a(tmp)
            if "b" in phases:
                self.phase_b(tmp)
            for workers in self.worker_counts:
                self.workers = workers
                if phases & {"submit", "submit_form", "claim"}:
                    self.phase_lianxin_writes(tmp, phases)
                if "queue" in phases:
                    self.phase_queue()
            if phases & PAGE_PHASES:
                pages.run_page_phases(self, tmp / "pages", phases, Server=Server, prepare=prepare_lianxin_db,
                                      demo_accounts=demo_accounts, login=login, call=call, answers_for=answers_for)
        report = self.report(load_before, time.monotonic() - started)
        out = RESULTS / f"{self.stamp}.json"
        out.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
        print(self.table(report))
        print(f"\nJSON: {out.relative_to(ROOT)}   server logs: {self.log_dir.relative_to(ROOT)}/")
        bad = sum(self.results[k]["errors"] for k in self.results if "errors" in self.results[k])
        return 1 if bad else 0

    def worker_scaling(self) -> dict[str, dict]:
        """With several worker counts: each phase's rate at N workers against the first N, and
        the errors of every phase (zero wanted)."""
        r, counts, out = self.results, self.worker_counts, {}
        if len(counts) == 1:
            return out
        first = counts[0]
        for phase in ("submit", "claim", "queue_1", "queue_32"):
            base = r.get(f"{phase}_w{first}")
            for n in counts[1:]:
                entry = r.get(f"{phase}_w{n}")
                if not (base and entry and base["req_per_s"]):
                    continue
                ratio = round(entry["req_per_s"] / base["req_per_s"], 2)
                target = {} if phase == "queue_1" or n != 2 * first else {
                    "target": f"≥ {TARGET_WORKER_SCALING}", "met": ratio >= TARGET_WORKER_SCALING}
                out[f"{phase}_{n}w_vs_{first}w"] = {"value": ratio, **target}
        errors = sum(e.get("errors", 0) for k, e in r.items() if k.rsplit("_w", 1)[0] in ("submit", "claim", "queue_1", "queue_32"))
        out["errors_all_phases"] = {"value": errors, "target": "0", "met": errors == 0}
        return out

    def report(self, load_before, elapsed: float) -> dict:
        r = self.results
        ratios: dict[str, dict] = {}
        if "submit" in r and "baseline_b" in r:
            ratio = r["submit"]["req_per_s"] / r["baseline_b"]["req_per_s"]
            ratios["submit_vs_baseline_b"] = {"value": round(ratio, 3), "target": f"≥ {TARGET_SUBMIT_RATIO}",
                                              "met": ratio >= TARGET_SUBMIT_RATIO}
        if "submit" in r:
            p99 = r["submit"]["p99_ms"]
            ratios["submit_p99_ms"] = {"value": p99, "target": f"< {TARGET_SUBMIT_P99_MS:g}", "met": p99 < TARGET_SUBMIT_P99_MS}
            ratios["submit_errors"] = {"value": r["submit"]["errors"], "target": "0", "met": r["submit"]["errors"] == 0}
        if "claim" in r:
            other = r["claim"]["other_statuses"]
            ratios["claim_other_statuses"] = {"value": other, "target": "0", "met": other == 0}
        for key in ("queue_1", "queue_32"):
            if key in r and "baseline_a" in r:
                ratios[f"{key}_vs_baseline_a"] = {"value": round(r[key]["req_per_s"] / r["baseline_a"]["req_per_s"], 3)}
        ratios.update(self.worker_scaling())
        if "queue_1" in r and "queue_32" in r:
            ratio = r["queue_32"]["req_per_s"] / r["queue_1"]["req_per_s"]
            ratios["queue_32_vs_queue_1"] = {"value": round(ratio, 3), "target": "≥ 1", "met": ratio >= 1}
        if "submit_form" in r and "submit" in r:
            ratio = r["submit_form"]["req_per_s"] / r["submit"]["req_per_s"]
            ratios["submit_form_vs_submit"] = {"value": round(ratio, 3), "target": "≥ 1 (no slower)", "met": ratio >= 1}
        for key in ("desk_1", "desk_32"):
            if key in r:
                rate = r[key]["req_per_s"]
                ratios[f"{key}_req_per_s"] = {"value": round(rate, 1), "target": f"≥ {TARGET_DESK_PER_S:g}",
                                              "met": rate >= TARGET_DESK_PER_S}
        if "desk_1" in r and "desk_32" in r:
            ratios["desk_32_vs_desk_1"] = {"value": round(r["desk_32"]["req_per_s"] / r["desk_1"]["req_per_s"], 3)}
        if "desk_poll" in r and "desk_32" in r:
            ratios["desk_poll_vs_desk_32"] = {"value": round(r["desk_poll"]["req_per_s"] / r["desk_32"]["req_per_s"], 2)}
        for key in ("board", "request_page"):
            if key in r and "desk_32" in r:
                ratios[f"{key}_vs_desk_32"] = {"value": round(r[key]["req_per_s"] / r["desk_32"]["req_per_s"], 2)}
        try:
            commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                                    text=True).stdout.strip()
            dirty = bool(subprocess.run(["git", "status", "--porcelain", "--", "server", "seeds", "migrations"],
                                        cwd=ROOT, capture_output=True, text=True).stdout.strip())
        except OSError:
            commit, dirty = "", False
        versions = {}
        for package in ("fastapi", "starlette", "uvicorn", "sqlalchemy", "pydantic", "anyio"):
            with contextlib.suppress(metadata.PackageNotFoundError):
                versions[package] = metadata.version(package)
        return {
            "timestamp": self.stamp,
            "command": " ".join([Path(sys.executable).name, *sys.argv]),
            "settings": {k: v for k, v in vars(self.args).items()},
            "machine": {
                "cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform(),
                "loadavg_before": [round(x, 2) for x in load_before],
                "loadavg_after": [round(x, 2) for x in os.getloadavg()],
            },
            "git": {"commit": commit, "uncommitted_app_changes": dirty},
            "versions": versions,
            "elapsed_s": round(elapsed, 1),
            "phases": r,
            "targets": ratios,
            "notes": self.notes,
        }

    @staticmethod
    def table(report: dict) -> str:
        def cpu_per_request(e: dict) -> str:
            # The server's CPU per answer: steadier than rates when other work shares the cores.
            if e.get("server_cpu_pct") is None or not e["req_per_s"]:
                return "-"
            return f"{10 * e['server_cpu_pct'] / e['req_per_s']:.1f}"

        r, t = report["phases"], report["targets"]
        lines = ["", "=" * 132,
                 f"Lianxin benchmark {report['timestamp']}  (git {report['git']['commit']}"
                 f"{' + uncommitted changes' if report['git']['uncommitted_app_changes'] else ''}; "
                 f"{report['machine']['cpus']} CPUs; load avg before {report['machine']['loadavg_before'][0]}, "
                 f"after {report['machine']['loadavg_after'][0]}"
                 + (f"; {' '.join(report['settings']['server_env'])}" if report["settings"].get("server_env") else "")
                 + ")",
                 "=" * 132,
                 f"{'phase':<40}{'conc':>5}{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'errors':>8}"
                 f"{'srv CPU':>9}{'gen CPU':>9}{'CPU ms/req':>11}{'ctx sw/req':>11}",
                 "-" * 132]
        for e in r.values():
            if "label" not in e:
                continue
            pct = lambda v: f"{v:.0f}%" if v is not None else "-"  # noqa: E731
            lines.append(f"{e['label']:<40}{e['concurrency']:>5}{e['req_per_s']:>9,.0f}{e['p50_ms']:>9.1f}"
                         f"{e['p95_ms']:>9.1f}{e['p99_ms']:>9.1f}{e['errors']:>8}{pct(e['server_cpu_pct']):>9}"
                         f"{pct(e['loadgen_cpu_pct']):>9}{cpu_per_request(e):>11}"
                         f"{e.get('server_switches_per_answer') or '-':>11}")
        lines.append("-" * 132)
        for key, c in r.items():
            if key.startswith("claim") and "claims_per_s" in c:
                lines.append(f"claims{key[5:]}: {c['claims_per_s']:,.1f} successful/s, {c['conflicts_per_s']:,.1f} 409/s, "
                             f"{c['req_per_s']:,.1f} total req/s, other statuses/failures: {c['other_statuses']} "
                             f"({c['numbers_walked']} of {c['numbers_available']} dispatched requests walked, "
                             f"{c['claims_per_number']} claims each)")
        for key, e in r.items():
            if "pg_activity" in e:
                a = e["pg_activity"]
                lines.append(f"pg_stat_activity during {key}: {a['samples']} samples, {a['active_mean']} active, "
                             f"waiting on a lock: mean {a['lock_waiting_mean']}, max {a['lock_waiting_max']} "
                             f"({a['samples_with_lock_waits']} samples with any)"
                             + (f"; database backends {a['backend_cpu_pct']}% CPU, "
                                f"{10 * a['backend_cpu_pct'] / e['req_per_s']:.1f} ms per answer"
                                if a.get("backend_cpu_pct") is not None and e.get("req_per_s") else "")
                             + (f"; {'; '.join(a['top_waiting'])}" if a["top_waiting"] else ""))
        queues = [e for k, e in r.items() if k.startswith("queue_") and "requests_in_db" in e]
        if queues:
            q = queues[-1]
            lines.append(f"queue: {q['requests_in_db']:,} requests in the DB, {q['rows_per_page']} rows/page, "
                         f"{q['dispatched_in_department']:,} dispatched in {q['department']}, as {q['user']}")
        for key in ("desk_32", "board"):
            if key in r:
                lines.append(f"{key}: {r[key]['rows']} rows, {r[key]['bytes']:,} bytes, as {r[key]['user']}")
        if "queue_fill" in r:
            f = r["queue_fill"]
            lines.append(f"queue DB fill: {f['requests_added']:,} requests added in {f['seconds']} s")
        for name, target in t.items():
            verdict = "" if "met" not in target else ("  OK" if target["met"] else "  MISSED")
            goal = f"  (target {target['target']})" if "target" in target else ""
            lines.append(f"{name:<32}{target['value']!s:>10}{goal}{verdict}")
        for note in report["notes"]:
            lines.append(f"note: {note}")
        lines.append("=" * 132)
        return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=1_000_000, help="requests in the queue-phase DB (default 1000000)")
    parser.add_argument("--duration", type=float, default=10.0, help="measured seconds per phase (default 10)")
    parser.add_argument("--warmup", type=float, default=2.0, help="warm-up seconds per phase (default 2)")
    parser.add_argument("--clients", type=int, default=32, help="concurrent connections (default 32)")
    parser.add_argument("--members", type=int, default=6, help="member accounts submitting (default 6)")
    parser.add_argument("--service", default="resources.venue-booking", help="a routed service to submit")
    parser.add_argument("--claim-pool", type=int, default=2000,
                        help="at least this many dispatched requests before the claim phase (default 2000)")
    parser.add_argument("--claim-fanout", type=int, default=4,
                        help="concurrent claims sent for each dispatched request (default 4: 1 wins, 3 get 409)")
    parser.add_argument("--queue-user", default="staff1", help="staff member whose queue is read (default staff1)")
    parser.add_argument("--desk-user", default="staff1",
                        help="staff member whose desk is measured (default staff1: 50 waiting + 50 own tasks)")
    parser.add_argument("--board-user", default="dispatcher1", help="dispatcher of the board phase (default dispatcher1)")
    parser.add_argument("--queue-db-dir", help="data dir of the queue-phase DB (default bench/results/queue-db-N)")
    parser.add_argument("--profile", help="comma-separated phases to profile with py-spy: "
                        "a,b,submit,submit_form,claim,queue1,queue,desk1,desk,desk_poll,board,request "
                        "(perturbs their figures)")
    parser.add_argument("--profile-all-threads", action="store_true",
                        help="sample every busy thread, not only the GIL's holder (SQLite's statements and "
                             "the server's own background threads show)")
    parser.add_argument("--only", help=f"comma-separated phases: {','.join(PHASES)} (default all; "
                        "with --database-url: submit,claim,queue)")
    parser.add_argument("--database-url", help="PostgreSQL for the Lianxin phases, e.g. "
                        "postgresql://postgres@127.0.0.1:5432/bench_x (its server also gets <name>_writes)")
    parser.add_argument("--workers", default="1", help="comma-separated worker counts, each measured in turn "
                        "(default 1; e.g. 1,2 with --database-url)")
    parser.add_argument("--server-env", action="append", default=[], metavar="NAME=VALUE",
                        help="a LIANXIN_* setting for the Lianxin servers (not the baselines); repeatable")
    args = parser.parse_args(argv)
    for pair in args.server_env:
        name, eq, value = pair.partition("=")
        if not eq or not name.startswith("LIANXIN_"):
            parser.error(f"--server-env takes LIANXIN_NAME=VALUE, not {pair!r}")
        SERVER_ENV[name] = value
    if args.profile_all_threads and not args.profile:
        parser.error("--profile-all-threads changes how --profile samples: name the phases with --profile")
    if args.database_url and not args.database_url.startswith("postgresql"):
        parser.error("--database-url must be a postgresql:// URL (SQLite is the default)")
    if not all(n.isdigit() and int(n) >= 1 for n in args.workers.split(",")):
        parser.error("--workers takes counts like 1,2")
    if args.requests < 1 or args.duration <= 0 or args.warmup < 0 or not 1 <= args.clients <= 1024:
        parser.error("bad --requests/--duration/--warmup/--clients")
    RESULTS.mkdir(parents=True, exist_ok=True)
    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGHUP, _on_signal)
    try:
        return Bench(args).run()
    except KeyboardInterrupt:
        log("interrupted: stopping the servers")
        return 130
    finally:
        stop_all()


if __name__ == "__main__":
    sys.exit(main())
