"""A real uvicorn on loopback serving the app, and SSE streams read line by line in a thread."""

from __future__ import annotations

import queue
import socket
import threading
import time
from collections.abc import Iterator

import httpx
import pytest
from fastapi.testclient import TestClient

from server.app import create_app
from server.config import get_settings
from server.http.session import SESSION_COOKIE
from tests.factories import PASSWORD, build_world
from tests.web.conftest import sign_in


@pytest.fixture
def world(database):
    return build_world(database)


@pytest.fixture
def live_settings(settings, monkeypatch):
    # Short heartbeats: the idle test sees several of them quickly.
    monkeypatch.setenv("LIANXIN_LIVE_HEARTBEAT_SECONDS", "0.2")
    monkeypatch.setenv("LIANXIN_LIVE_MAX_STREAMS_PER_PERSON", "2")
    get_settings.cache_clear()
    return get_settings()


@pytest.fixture
def app(live_settings, database, world):
    return create_app(live_settings, database)


@pytest.fixture
def server_url(app) -> Iterator[str]:
    import uvicorn

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", timeout_graceful_shutdown=2)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "the test server did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture
def session_of(app):
    """session_of("staff1") → the value of a fresh session cookie for that person."""

    def make(username: str) -> str:
        client = TestClient(app, base_url="http://testserver")
        assert sign_in(client, username, password=PASSWORD).status_code == 303
        return client.cookies[SESSION_COOKIE]

    return make


class Stream:
    """One SSE stream read in a thread: ``next_event()`` waits (bounded) for the next event
    name, skipping comments (heartbeats); ``ended`` is set when the server closed it."""

    def __init__(self, url: str, cookie: str, topic: str):
        self.lines: queue.Queue = queue.Queue()
        self.ended = threading.Event()
        self.status: int | None = None
        self.headers: httpx.Headers | None = None
        self.comments = 0
        self._opened = threading.Event()
        self._client = httpx.Client(base_url=url, cookies={SESSION_COOKIE: cookie}, timeout=httpx.Timeout(10, read=10))
        self._thread = threading.Thread(target=self._read, args=(topic,), daemon=True)
        self._thread.start()
        assert self._opened.wait(10), "the stream did not answer"

    def _read(self, topic: str) -> None:
        try:
            with self._client.stream("GET", "/live", params={"topic": topic}) as response:
                self.status, self.headers = response.status_code, response.headers
                self._opened.set()
                if response.status_code != 200:
                    return
                for line in response.iter_lines():
                    if line.startswith(":"):
                        self.comments += 1
                    self.lines.put(line)
        except httpx.HTTPError:
            pass
        finally:
            self._opened.set()
            self.ended.set()

    def next_event(self, wait: float = 10.0) -> str | None:
        """The next event's name, or None if the stream ended first."""
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=0.1)
            except queue.Empty:
                if self.ended.is_set() and self.lines.empty():
                    return None
                continue
            if line.startswith("event: "):
                return line.removeprefix("event: ")
        raise AssertionError("no event within the wait")

    def close(self) -> None:
        self._client.close()
        self._thread.join(timeout=5)


@pytest.fixture
def open_stream(server_url, session_of):
    streams: list[Stream] = []

    def make(username: str, topic: str, cookie: str | None = None) -> Stream:
        stream = Stream(server_url, cookie or session_of(username), topic)
        streams.append(stream)
        return stream

    yield make
    for stream in streams:
        stream.close()
