"""The benchmark's page phases (bench/run.py): what people open in a browser, measured with
the same load generator as the API.

  submit_form  the order form's POST /menu/{code} as members signed in with the session
               cookie (CSRF token, a fresh idempotency key each): beside the API's submit,
               in the same server and database (run.py's write phase)
  desk         GET /desk as a staff member whose desk shows 100 rows (50 waiting in the
               department queue, 50 of their own tasks), at 1 and at N clients
  desk_poll    the queue's 15-second poll (GET /desk?part=queue with HX-Request) repeating
               the ETag of its last answer: 304 Not Modified while nothing changed
  board        GET /dispatch as a dispatcher (three lists of up to 50 rows)
  request      GET /requests/{number}: one request's page, as the staff member holding it

The page phases run on a database of their own: migrated, seeded, then filled through the
API (untimed) until the desk has its 100 rows and the board its lists.
"""

from __future__ import annotations

import asyncio
import http.cookiejar
import re
import urllib.parse
import urllib.request
from pathlib import Path

from bench.loadgen import HOST, build_request, run_load

API = "/api/v1"
CSRF_INPUT = re.compile(r'name="csrf_token" value="([^"]+)"')
DESK_ROWS = 50  # per list: the queue's and the staff member's own tasks


class WebSession:
    """A browser's sign-in through the real /login form: its cookies and the session's CSRF
    token, as raw header text for the load generator."""

    def __init__(self, port: int, username: str, password: str):
        self.port = port
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))
        login_page = self.get("/login")
        token = _csrf(login_page)
        self.post("/login", {"username": username, "password": password, "next": "/", "csrf_token": token})
        if not any(c.name.endswith("lianxin_session") for c in self.jar):
            raise RuntimeError(f"signing in as {username} through /login failed")
        self.csrf = _csrf(self.get("/"))

    def url(self, path: str) -> str:
        return f"http://{HOST}:{self.port}{path}"

    def get(self, path: str) -> str:
        with self.opener.open(self.url(path), timeout=60) as response:
            return response.read().decode()

    def post(self, path: str, form: dict | list) -> str:
        data = urllib.parse.urlencode(form, doseq=True).encode()
        with self.opener.open(urllib.request.Request(self.url(path), data=data, method="POST"), timeout=60) as response:
            return response.read().decode()

    @property
    def cookie_header(self) -> str:
        return "; ".join(f"{c.name}={c.value}" for c in self.jar)


def _csrf(html: str) -> str:
    match = CSRF_INPUT.search(html)
    if not match:
        raise RuntimeError("no csrf_token field in the page")
    return match.group(1)


def form_fields(fields: list[dict], answers: dict) -> list[tuple[str, str]]:
    """The order form's fields for ``answers`` (bench.run.answers_for), as a browser posts them."""
    out: list[tuple[str, str]] = []
    for f in fields:
        value = answers.get(f["code"])
        if value is None:
            continue
        for v in value if isinstance(value, list) else [value]:
            out.append((f"answers.{f['code']}", str(v)))
    return out


def form_submitter(session: WebSession, code: str, fields: list[dict], answers: dict, run_id: str):
    """make_request for POST /menu/{code}: each request with a fresh idempotency key."""
    head = (f"POST /menu/{code} HTTP/1.1\r\nHost: {HOST}:{session.port}\r\nCookie: {session.cookie_header}\r\n"
            "Content-Type: application/x-www-form-urlencoded\r\n")
    base = [("csrf_token", session.csrf), *form_fields(fields, answers)]
    counter = iter(range(10**9))

    def make(i: int) -> bytes:
        # A description of its own each: the same request twice in ten minutes is refused
        # as filed twice (Back, then submit), which a real first submission checks too.
        n = next(counter)
        body = urllib.parse.urlencode([
            *base, ("description", f"基准测试 {run_id}-{n}：请忽略。Benchmark request, please ignore."),
            ("idempotency_key", f"bench-form-{run_id}-{n}"),
        ]).encode()
        return head.encode() + f"Content-Length: {len(body)}\r\n\r\n".encode() + body

    return make


def page_request(session: WebSession, path: str, headers: dict[str, str] | None = None) -> bytes:
    return build_request("GET", path, session.port, {"Cookie": session.cookie_header, **(headers or {})})


def fill_for_pages(bench, port: int, password: str, accounts: list[dict], *, login, call, answers_for) -> dict:
    """Untimed: requests until the desk user has DESK_ROWS waiting and DESK_ROWS held, and the
    board has requests no rule routes. Returns what the phases need."""
    args = bench.args
    members = [a["username"] for a in accounts if "member" in a["roles"]][:6]
    tokens = [login(port, m, password) for m in members]
    status, service = call(port, "GET", f"{API}/services/{args.service}", token=tokens[0])
    if status != 200 or not service.get("department"):
        raise RuntimeError(f"{args.service} must be a routed service: {status}")
    desk_user = args.desk_user
    department = next((a.get("department") for a in accounts if a["username"] == desk_user), None)
    if department != service["department"]:
        raise RuntimeError(f"--desk-user {desk_user} is not in {service['department']}, where {args.service} goes")
    body = {"service_code": args.service, "description": "基准测试：请忽略。Benchmark request, please ignore.",
            "answers": answers_for(service["fields"])}
    unrouted = _unrouted_service(port, tokens[0], call)

    def submit(n: int, payload: dict) -> list[str]:
        numbers = []
        for i in range(n):
            status, out = call(port, "POST", f"{API}/requests", token=tokens[i % len(tokens)], body=payload,
                               headers={"Idempotency-Key": f"bench-fill-{bench.run_id}-{payload['service_code']}-{i}"})
            if status != 201:
                raise RuntimeError(f"filling the page database: {status} {out}")
            numbers.append(out["number"])
        return numbers

    routed = submit(2 * DESK_ROWS + 10, body)
    staff_token = login(port, desk_user, password)
    for number in routed[:DESK_ROWS]:
        status, out = call(port, "POST", f"{API}/requests/{number}/claim", token=staff_token)
        if status != 200:
            raise RuntimeError(f"{desk_user} claiming {number}: {status} {out}")
    for code in unrouted:  # the first of them these members may order
        payload = {"service_code": code, "description": "基准测试：请忽略。", "answers": {}}
        status, _ = call(port, "POST", f"{API}/requests", token=tokens[0], body=payload,
                         headers={"Idempotency-Key": f"bench-fill-{bench.run_id}-{code}-try"})
        if status == 201:
            unrouted = code
            submit(DESK_ROWS, payload)
            break
    else:
        unrouted = None
    return {"department": department, "held": routed[0], "unrouted_service": unrouted}


def _unrouted_service(port: int, token: str, call) -> list[str]:
    """Services without a department and without required fields: they wait on the board."""
    status, services = call(port, "GET", f"{API}/services", token=token)
    found = []
    for s in services if isinstance(services, list) else []:
        if s.get("department"):
            continue
        status, full = call(port, "GET", f"{API}/services/{s['code']}", token=token)
        if status == 200 and not any(f.get("required") for f in full.get("fields", [])):
            found.append(s["code"])
    return found


def run_page_phases(bench, data_dir: Path, phases: set[str], *, Server, prepare, demo_accounts, login, call,
                    answers_for) -> None:
    from bench.run import log  # the run's own logger

    log(f"Lianxin pages (fresh database in {data_dir}): migrate + seed, then fill through the API")
    prepare(data_dir, bench.log_dir / "cli.log")
    password, accounts = demo_accounts()
    with Server("lianxin-pages", "server.app:create_app", factory=True, data_dir=data_dir,
                log_dir=bench.log_dir) as server:
        port = server.port
        filled = fill_for_pages(bench, port, password, accounts, login=login, call=call, answers_for=answers_for)
        staff = WebSession(port, bench.args.desk_user, password)
        desk_html = staff.get("/desk")
        rows = desk_html.count('class="work-row')
        extra = {"user": bench.args.desk_user, "rows": rows, "bytes": len(desk_html.encode())}
        if "desk" in phases:
            raw = page_request(staff, "/desk")
            log(f"Lianxin desk: GET /desk as {bench.args.desk_user}, {rows} rows, {len(desk_html.encode()):,} bytes, 1 client")
            bench.record("desk_1", "Lianxin desk page, 1 client", bench.load(server, lambda i: raw, concurrency=1,
                                                                             profile="desk1"), **extra)
            log(f"Lianxin desk: {bench.args.clients} clients")
            bench.record("desk_32", f"Lianxin desk page, {bench.args.clients} clients",
                         bench.load(server, lambda i: raw, profile="desk"), **extra)
        if "desk_poll" in phases:
            poll = page_request(staff, "/desk?part=queue", {"HX-Request": "true"})
            tag = _etag(port, poll)
            raw = page_request(staff, "/desk?part=queue", {"HX-Request": "true", "If-None-Match": tag})
            log(f"Lianxin desk poll: GET /desk?part=queue, If-None-Match {tag}, {bench.args.clients} clients")
            bench.record("desk_poll", "Lianxin desk poll, unchanged (304)",
                         bench.load(server, lambda i: raw, expect={304}, profile="desk_poll"), user=bench.args.desk_user)
        if "board" in phases:
            dispatcher = WebSession(port, bench.args.board_user, password)
            html = dispatcher.get("/dispatch")
            raw = page_request(dispatcher, "/dispatch")
            board = {"user": bench.args.board_user, "rows": html.count('class="work-row'), "bytes": len(html.encode()),
                     "unrouted_service": filled["unrouted_service"]}
            log(f"Lianxin dispatch board: GET /dispatch as {bench.args.board_user}, {board['rows']} rows, "
                f"{bench.args.clients} clients")
            bench.record("board", "Lianxin dispatch board", bench.load(server, lambda i: raw, profile="board"), **board)
        if "request" in phases:
            path = f"/requests/{filled['held']}"
            raw = page_request(staff, path)
            log(f"Lianxin request page: GET {path} as {bench.args.desk_user}, {bench.args.clients} clients")
            bench.record("request_page", "Lianxin request page", bench.load(server, lambda i: raw, profile="request"),
                         user=bench.args.desk_user, number=filled["held"])


def _etag(port: int, raw: bytes) -> str:
    """The ETag of one answer to ``raw`` (read with the load generator's own client)."""
    tags: list[str] = []

    async def once() -> None:
        reader, writer = await asyncio.open_connection(HOST, port)
        try:
            writer.write(raw)
            await writer.drain()
            head = await reader.readuntil(b"\r\n\r\n")
            for line in head.decode("latin-1").split("\r\n"):
                name, _, value = line.partition(":")
                if name.strip().lower() == "etag":
                    tags.append(value.strip())
        finally:
            writer.close()

    asyncio.run(asyncio.wait_for(once(), 60))
    if not tags:
        raise RuntimeError("the desk's poll carries no ETag")
    return tags[0]


def run_form_submit(bench, server, password: str, accounts: list[dict], service: dict, answers: dict) -> None:
    """POST /menu/{code} (the order form) at N clients, after the API's submit, same server."""
    from bench.run import log

    members = [a["username"] for a in accounts if "member" in a["roles"]][: bench.args.members]
    sessions = [WebSession(server.port, m, password) for m in members]
    makers = [form_submitter(s, service["code"], service["fields"], answers, bench.run_id) for s in sessions]
    log(f"Lianxin web form submissions: POST /menu/{service['code']} as {len(sessions)} members, {bench.args.clients} clients")
    result = bench.load(server, lambda i: makers[i % len(makers)](i), expect={303}, profile="submit_form")
    bench.record("submit_form", "Lianxin POST /menu/{code} (web form)", result, service=service["code"],
                 member_accounts=len(sessions))


__all__ = ["run_form_submit", "run_page_phases", "run_load"]
