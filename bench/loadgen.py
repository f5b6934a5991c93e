"""A small HTTP/1.1 load generator: asyncio, raw keep-alive connections, nothing else.

Every phase of the benchmark uses this one generator, so the figures are comparable. It is
deliberately minimal (one ``readuntil`` for the head, one ``readexactly`` for the body) to
leave as much of the machine's CPU as possible to the server under test.

Model: ``concurrency`` workers, each with its own keep-alive connection, each sending one
request and waiting for its response before sending the next (a closed loop). Requests run
for ``warmup + duration`` seconds; only responses that complete inside the measurement window
``[start + warmup, start + warmup + duration]`` are counted. Nothing loops forever: workers
stop at the end of the window (or when the request source runs dry), every response has a
timeout, and the whole run has an outer deadline.
"""

from __future__ import annotations

import asyncio
import math
import os
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

HOST = "127.0.0.1"  # only local targets, by design

# make_request(worker_index) -> the raw bytes of one request, or None when the worker is done.
MakeRequest = Callable[[int], bytes | None]
# on_response(worker_index, status, body) -> None; called for every response (also in warm-up).
OnResponse = Callable[[int, int, bytes], None]


def build_request(method: str, path: str, port: int, headers: dict[str, str] | None = None, body: bytes = b"") -> bytes:
    """The raw bytes of one HTTP/1.1 keep-alive request."""
    lines = [f"{method} {path} HTTP/1.1", f"Host: {HOST}:{port}"]
    for name, value in (headers or {}).items():
        lines.append(f"{name}: {value}")
    if body or method in ("POST", "PUT", "PATCH"):
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


class ProtocolError(Exception):
    pass


async def read_response(reader: asyncio.StreamReader) -> tuple[int, bytes, bool]:
    """(status, body, server_wants_close) of one response."""
    head = await reader.readuntil(b"\r\n\r\n")
    first_end = head.index(b"\r\n")
    status_line = head[:first_end]
    if not status_line.startswith(b"HTTP/1.") or len(status_line) < 12:
        raise ProtocolError(f"bad status line {status_line[:60]!r}")
    status = int(status_line[9:12])
    length = -1
    chunked = close = False
    for line in head[first_end + 2 : -4].split(b"\r\n"):
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        if name == b"content-length":
            length = int(value)
        elif name == b"transfer-encoding":
            chunked = b"chunked" in value.lower()
        elif name == b"connection":
            close = b"close" in value.lower()
    if chunked:
        parts = []
        while True:
            size_line = await reader.readuntil(b"\r\n")
            size = int(size_line.split(b";")[0], 16)
            if size == 0:
                await reader.readuntil(b"\r\n")  # no trailers expected
                break
            parts.append(await reader.readexactly(size + 2))
        body = b"".join(p[:-2] for p in parts)
    elif length >= 0:
        body = await reader.readexactly(length) if length else b""
    elif status in (204, 304) or 100 <= status < 200:
        body = b""
    else:
        raise ProtocolError("response without Content-Length or chunked encoding")
    return status, body, close


def percentile(sorted_samples: list[float], p: float) -> float:
    """Exact nearest-rank percentile of already sorted samples (no interpolation)."""
    if not sorted_samples:
        return float("nan")
    rank = max(1, math.ceil(p / 100 * len(sorted_samples)))
    return sorted_samples[min(rank, len(sorted_samples)) - 1]


def _children(pid: int) -> list[int]:
    """A process's live child processes (a server's workers), from Linux /proc."""
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            return [int(c) for c in f.read().split()]
    except (OSError, ValueError):
        return []


def proc_cpu_seconds(pid: int) -> float | None:
    """utime + stime of a process and its live descendants (Linux /proc), in seconds: a server
    with several workers is a supervisor and its worker processes."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            fields = f.read().rsplit(b")", 1)[1].split()
        own = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return None
    return own + sum(proc_cpu_seconds(child) or 0.0 for child in _children(pid))


def _proc_context_switches(pid: int) -> int | None:
    """Voluntary + involuntary context switches of every thread of a process and its live
    descendants (Linux /proc). Per answer, a count that other load on the machine hardly moves:
    threads handing the GIL to each other show up here, not in req/s."""
    total = 0
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return None
    for task in tasks:
        try:
            with open(f"/proc/{pid}/task/{task}/status") as f:
                for line in f:
                    if "ctxt_switches:" in line:  # voluntary_… and nonvoluntary_…
                        total += int(line.split()[-1])
        except (OSError, ValueError):
            continue  # a thread that ended meanwhile
    return total + sum(_proc_context_switches(child) or 0 for child in _children(pid))


@dataclass
class LoadResult:
    concurrency: int
    window_s: float  # the measured window actually used (shorter if the source ran dry)
    latencies: list[float] = field(default_factory=list)  # seconds, responses in the window
    statuses: Counter = field(default_factory=Counter)  # status -> count, in the window
    errors: Counter = field(default_factory=Counter)  # unexpected status or failure -> count, in the window
    error_samples: list[str] = field(default_factory=list)  # a few bodies/messages to explain errors
    total_sent: int = 0  # including warm-up
    exhausted: bool = False  # the request source ran dry before the end
    server_cpu_s: float | None = None  # CPU the server used during the window
    client_cpu_s: float | None = None  # CPU this process (the load generator) used during the window
    server_switches: int | None = None  # the server's context switches during the window

    @property
    def count(self) -> int:
        return len(self.latencies)

    @property
    def error_count(self) -> int:
        return sum(self.errors.values())

    def rate(self, status: int | None = None) -> float:
        n = self.count if status is None else self.statuses.get(status, 0)
        return n / self.window_s if self.window_s > 0 else 0.0

    def summary(self) -> dict:
        ordered = sorted(self.latencies)
        ms = lambda p: round(percentile(ordered, p) * 1000, 2)  # noqa: E731
        return {
            "concurrency": self.concurrency,
            "window_s": round(self.window_s, 3),
            "responses": self.count,
            "req_per_s": round(self.rate(), 1),
            "p50_ms": ms(50),
            "p95_ms": ms(95),
            "p99_ms": ms(99),
            "max_ms": round(ordered[-1] * 1000, 2) if ordered else None,
            "statuses": {str(k): v for k, v in sorted(self.statuses.items())},
            "errors": self.error_count,
            "error_kinds": {str(k): v for k, v in self.errors.items()},
            "error_samples": self.error_samples[:5],
            "exhausted": self.exhausted,
            "server_cpu_pct": round(100 * self.server_cpu_s / self.window_s, 1)
            if self.server_cpu_s is not None and self.window_s
            else None,
            "loadgen_cpu_pct": round(100 * self.client_cpu_s / self.window_s, 1)
            if self.client_cpu_s is not None and self.window_s
            else None,
            "server_switches_per_answer": round(self.server_switches / self.count, 1)
            if self.server_switches is not None and self.count
            else None,
        }


async def run_load(
    port: int,
    concurrency: int,
    make_request: MakeRequest,
    *,
    duration: float,
    warmup: float,
    expect: frozenset[int] | set[int] = frozenset({200}),
    on_response: OnResponse | None = None,
    timeout: float = 30.0,
    server_pid: int | None = None,
) -> LoadResult:
    """Drive ``concurrency`` closed-loop keep-alive connections at 127.0.0.1:``port``."""
    loop = asyncio.get_running_loop()
    clock = time.perf_counter
    start = clock()
    window_start = start + warmup
    window_end = window_start + duration
    result = LoadResult(concurrency=concurrency, window_s=duration)
    finished_at: list[float] = []
    cpu_marks: dict[str, tuple[float | None, float, int | None]] = {}

    def note_error(kind: str, detail: str) -> None:
        result.errors[kind] += 1
        if len(result.error_samples) < 20:
            result.error_samples.append(f"{kind}: {detail[:300]}")

    async def connect():
        return await asyncio.open_connection(HOST, port)

    async def worker(index: int) -> None:
        reader, writer = await connect()
        latencies = result.latencies
        statuses = result.statuses
        try:
            while True:
                sent_at = clock()
                if sent_at >= window_end:
                    break
                raw = make_request(index)
                if raw is None:
                    result.exhausted = True
                    finished_at.append(sent_at)
                    break
                result.total_sent += 1
                try:
                    async with asyncio.timeout(timeout):
                        writer.write(raw)
                        status, body, close = await read_response(reader)
                except (OSError, EOFError, asyncio.IncompleteReadError, asyncio.LimitOverrunError,
                        ProtocolError, TimeoutError) as exc:
                    done = clock()
                    if window_start <= done <= window_end:
                        note_error(type(exc).__name__, repr(exc))
                    writer.close()
                    reader, writer = await connect()
                    continue
                done = clock()
                if on_response is not None:
                    on_response(index, status, body)
                if window_start <= done <= window_end:
                    latencies.append(done - sent_at)
                    statuses[status] += 1
                    if status not in expect:
                        note_error(f"HTTP {status}", body.decode("utf-8", "replace"))
                if close:
                    writer.close()
                    reader, writer = await connect()
        finally:
            writer.close()

    def mark() -> tuple[float | None, float, int | None]:
        if not server_pid:
            return None, time.process_time(), None
        return proc_cpu_seconds(server_pid), time.process_time(), _proc_context_switches(server_pid)

    async def cpu_probe() -> None:
        await asyncio.sleep(max(0.0, window_start - clock()))
        cpu_marks["start"] = mark()
        await asyncio.sleep(max(0.0, window_end - clock()))
        cpu_marks["end"] = mark()

    probe = loop.create_task(cpu_probe())
    try:
        async with asyncio.timeout(warmup + duration + timeout + 10):
            await asyncio.gather(*(worker(i) for i in range(concurrency)))
    finally:
        probe.cancel()
    if "start" in cpu_marks and "end" not in cpu_marks:  # the source ran dry before the end
        cpu_marks["end"] = mark()
    if result.exhausted and finished_at:
        result.window_s = max(0.0, min(window_end, max(finished_at)) - window_start)
    if "start" in cpu_marks and "end" in cpu_marks:
        (s0, c0, x0), (s1, c1, x1) = cpu_marks["start"], cpu_marks["end"]
        result.server_cpu_s = s1 - s0 if s0 is not None and s1 is not None else None
        result.client_cpu_s = c1 - c0
        result.server_switches = x1 - x0 if x0 is not None and x1 is not None else None
    return result
