"""A real HTTP receiver on loopback for the webhook tests: it records every request (path
with query, headers, body) and answers each path as told (default: 200 with a robot's "ok")."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

from server.config import get_settings

OK_BODY = json.dumps({"errcode": 0, "errmsg": "ok", "code": 0, "msg": "success"}).encode()


@dataclass
class Received:
    path: str  # with the query
    headers: dict[str, str]
    body: bytes

    @property
    def json(self):
        return json.loads(self.body)


@dataclass
class Receiver:
    server: ThreadingHTTPServer
    received: list[Received] = field(default_factory=list)
    # path (no query) → (status, headers, body)
    answers: dict[str, tuple[int, dict[str, str], bytes]] = field(default_factory=dict)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def url(self, path: str = "/hook") -> str:
        return self.base + path

    def answer(self, path: str, status: int, body: bytes | dict = b"", headers: dict[str, str] | None = None) -> None:
        if isinstance(body, dict):
            body = json.dumps(body).encode()
        self.answers[path] = (status, headers or {}, body)


def start_receiver() -> Receiver:
    receiver: Receiver

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # http.server's name
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            receiver.received.append(Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body))
            status, headers, answer = receiver.answers.get(urlsplit(self.path).path, (200, {}, OK_BODY))
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, format, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    receiver = Receiver(server)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True).start()
    return receiver


def running_receiver():
    """For a test module's ``receiver`` fixture (``yield from running_receiver()``): the
    directory's conftest.py is left to the outbox's tests."""
    running = start_receiver()
    yield running
    running.server.shutdown()
    running.server.server_close()


def allow_loopback(monkeypatch):
    """The settings, with the receiver's loopback address allowed (as an operator would list
    an intranet receiver) and short timeouts."""
    monkeypatch.setenv("LIANXIN_WEBHOOK_ALLOW_HOSTS", "127.0.0.1")
    monkeypatch.setenv("LIANXIN_WEBHOOK_TIMEOUT_SECONDS", "2")
    get_settings.cache_clear()
    return get_settings()
