"""docs/deploy/nginx/lianxin.conf at work, not only parsed: nginx on loopback in front of
uvicorn run as ``lianxin serve`` runs it (proxy headers on, the proxy trusted), with a small
app that reports what it was given. Over HTTPS the app sees the client's address, the https
scheme and nginx's request id; plain HTTP is redirected; a body over the app's limit is refused
by nginx before any of it is read; and a server-sent event reaches the browser while its
stream is still open (nginx buffers nothing on /live)."""

from __future__ import annotations

import asyncio
import json
import socket
import ssl
import subprocess
import threading
import time
from collections.abc import Iterator

import httpx
import pytest
import uvicorn

from server.config import Settings
from tests.test_deploy import DEPLOY, _tool

release_second_event = threading.Event()


async def reporting_app(scope, receive, send):
    """Answers /echo with what uvicorn made of the proxy's headers, and /live with one
    event, then (once the test has seen it) a second one and the end of the stream."""
    assert scope["type"] == "http"
    headers = {k.decode(): v.decode() for k, v in scope["headers"]}
    if scope["path"] == "/live":
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", b"text/event-stream"), (b"cache-control", b"no-store")]})
        await send({"type": "http.response.body", "body": b"data: one\n\n", "more_body": True})
        for _ in range(600):  # at most 30 s
            if release_second_event.is_set():
                break
            await asyncio.sleep(0.05)
        await send({"type": "http.response.body", "body": b"data: two\n\n", "more_body": False})
        return
    body = json.dumps({"client": scope["client"][0], "scheme": scope["scheme"], "host": headers.get("host"),
                       "request_id": headers.get("x-request-id"), "path": scope["path"]}).encode()
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"application/json")]})
    await send({"type": "http.response.body", "body": body})


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_for_port(port: int) -> None:
    for _ in range(300):
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError(f"nothing listens on {port}")


@pytest.fixture(scope="module")
def proxy(tmp_path_factory) -> Iterator[dict[str, int]]:
    nginx = _tool("nginx")
    openssl = _tool("openssl")
    work = tmp_path_factory.mktemp("proxy")
    app_port, http_port, https_port = _free_port(), _free_port(), _free_port()

    # The app, as `lianxin serve` configures uvicorn (proxy headers from 127.0.0.1).
    server = uvicorn.Server(uvicorn.Config(reporting_app, host="127.0.0.1", port=app_port, proxy_headers=True,
                                           forwarded_allow_ips="127.0.0.1", lifespan="off", log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    _wait_for_port(app_port)

    tls = work / "tls"
    tls.mkdir()
    subprocess.run([openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=lianxin.test",
                    "-keyout", str(tls / "privkey.pem"), "-out", str(tls / "fullchain.pem")],
                   check=True, capture_output=True, timeout=60)
    site = (DEPLOY / "nginx" / "lianxin.conf").read_text().replace("/etc/lianxin/tls/", f"{tls}/")
    site = site.replace("listen [::]:80;", "").replace("listen [::]:443 ssl http2;", "")
    site = site.replace("listen 80;", f"listen 127.0.0.1:{http_port};").replace("listen 443 ssl", f"listen 127.0.0.1:{https_port} ssl")
    assert f"127.0.0.1:{https_port} ssl http2;" in site and f"127.0.0.1:{http_port};" in site
    (work / "lianxin.conf").write_text(site)
    (work / "upstream.conf").write_text((DEPLOY / "nginx" / "upstream.conf").read_text().replace("127.0.0.1:8000", f"127.0.0.1:{app_port}"))
    (work / "nginx.conf").write_text(
        "events {}\nhttp {\n    access_log off;\n"
        + "".join(f"    {kind}_temp_path {work / kind};\n" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
        + f"    include {work / 'upstream.conf'};\n    include {work / 'lianxin.conf'};\n}}\n"
    )
    # One process in the foreground: no privileges dropped, nothing left behind.
    process = subprocess.Popen([nginx, "-p", str(work), "-c", str(work / "nginx.conf"), "-g",
                                f"daemon off; master_process off; pid {work / 'nginx.pid'}; error_log {work / 'error.log'};"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        _wait_for_port(https_port)
        yield {"http": http_port, "https": https_port}
    finally:
        process.terminate()
        process.wait(timeout=10)
        server.should_exit = True
        thread.join(timeout=10)


def _client() -> httpx.Client:
    # The certificate is self-signed for lianxin.test; what is tested is the proxy, not TLS trust.
    return httpx.Client(verify=False, timeout=httpx.Timeout(10.0), headers={"Host": "lianxin.test"})


def test_the_app_sees_the_client_the_scheme_and_the_request_id(proxy):
    with _client() as client:
        # A client's own X-Forwarded-For is replaced, not believed.
        answer = client.get(f"https://127.0.0.1:{proxy['https']}/echo", headers={"X-Forwarded-For": "203.0.113.9"})
    assert answer.status_code == 200 and answer.http_version in ("HTTP/1.1", "HTTP/2")
    seen = answer.json()
    assert seen["client"] == "127.0.0.1" and seen["scheme"] == "https" and seen["host"] == "lianxin.test"
    assert seen["request_id"] and len(seen["request_id"]) == 32


def test_plain_http_is_redirected_but_answers_healthz(proxy):
    with _client() as client:
        redirect = client.get(f"http://127.0.0.1:{proxy['http']}/requests?x=1")
        health = client.get(f"http://127.0.0.1:{proxy['http']}/healthz")
    assert redirect.status_code == 308 and redirect.headers["location"] == "https://lianxin.test/requests?x=1"
    assert health.status_code == 200 and health.json()["path"] == "/healthz"


def test_a_body_over_the_apps_limit_is_refused_before_it_is_read(proxy):
    too_large = Settings.model_construct().max_body_bytes + 1
    context = ssl.create_default_context()
    context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
    with socket.create_connection(("127.0.0.1", proxy["https"]), timeout=10) as raw, \
            context.wrap_socket(raw, server_hostname="lianxin.test") as tls:
        tls.sendall(f"POST /echo HTTP/1.1\r\nHost: lianxin.test\r\nContent-Type: multipart/form-data; boundary=x\r\n"
                    f"Content-Length: {too_large}\r\n\r\n".encode())
        status_line = tls.recv(4096).split(b"\r\n", 1)[0]
    assert status_line == b"HTTP/1.1 413 Request Entity Too Large"


def test_an_event_arrives_while_its_stream_is_open(proxy):
    release_second_event.clear()
    with _client() as client, client.stream("GET", f"https://127.0.0.1:{proxy['https']}/live") as stream:
        assert stream.status_code == 200
        lines = stream.iter_lines()
        # Buffered, this would wait for the end of the stream, which only comes after the release.
        assert next(line for line in lines if line) == "data: one"
        release_second_event.set()
        assert next(line for line in lines if line) == "data: two"
