"""One log line per request: its id (the caller's sane X-Request-ID, else a new one, sent back),
method, path, status, duration and who asked; a failed request logs its traceback under the
same id, once."""

from __future__ import annotations

import logging
import re

import pytest
from fastapi import Request
from fastapi.testclient import TestClient

from server.accounts import service as account_service
from server.app import create_app
from server.enums import Role
from server.http.session import SESSION_COOKIE
from server.logs import request_id_var
from server.request_log import RequestLog
from tests.factories import create_person

GENERATED = re.compile(r"[0-9a-f]{32}")


@pytest.fixture
def app(settings, database):
    app = create_app(settings, database)

    @app.get("/_test/ids")
    def ids(request: Request):
        # A sync view: it runs in the threadpool, which must inherit the request's id.
        return {"state": request.state.request_id, "context": request_id_var.get()}

    @app.get("/_test/boom")
    def boom():
        raise RuntimeError("the view broke")

    return app


@pytest.fixture
def client(app):
    with TestClient(app) as client:
        yield client


def _lines(caplog) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "lianxin.http" and r.levelno == logging.INFO]


def test_one_line_per_request_with_its_fields(client, caplog):
    with caplog.at_level(logging.INFO, logger="lianxin.http"):
        response = client.get("/healthz", headers={"X-Request-ID": "lb-4f2a:9"})
    assert response.headers["x-request-id"] == "lb-4f2a:9"
    (line,) = _lines(caplog)
    assert (line.request_id, line.method, line.path, line.status, line.user) == ("lb-4f2a:9", "GET", "/healthz", 200, "-")
    assert 0 <= line.duration_ms < 10_000
    assert re.fullmatch(r"GET /healthz 200 \d+\.\dms -", line.getMessage())


@pytest.mark.parametrize("sent", [None, "", "has space", "x" * 129, "quote\"d", "é"])
def test_a_missing_or_odd_request_id_is_replaced(client, caplog, sent):
    headers = {} if sent is None else {"X-Request-ID": sent.encode()}
    with caplog.at_level(logging.INFO, logger="lianxin.http"):
        response = client.get("/healthz", headers=headers)
    assert GENERATED.fullmatch(response.headers["x-request-id"])
    assert _lines(caplog)[0].request_id == response.headers["x-request-id"]


def test_the_id_is_on_the_request_and_in_the_views_log_context(client):
    response = client.get("/_test/ids", headers={"X-Request-ID": "abc"})
    assert response.json() == {"state": "abc", "context": "abc"}
    assert request_id_var.get() == "-"


def test_the_path_keeps_its_escapes(client, caplog):
    with caplog.at_level(logging.INFO, logger="lianxin.http"):
        client.get("/no%0Asuch%20page?secret=1")
    (line,) = _lines(caplog)
    assert line.path == "/no%0Asuch%20page" and line.status == 404


def test_the_user_of_a_page_and_of_the_api(client, database, caplog):
    with database.write() as session:
        person = create_person(session, "member1", Role.member)
        cookie, _ = account_service.issue_token(session, person, kind="session")
        bearer, _ = account_service.issue_token(session, person, kind="api")
    with caplog.at_level(logging.INFO, logger="lianxin.http"):
        client.cookies.set(SESSION_COOKIE, cookie)
        client.get("/requests")
        client.cookies.clear()
        client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {bearer}"})
        client.get("/api/v1/auth/me")
    assert [(r.path, r.status, r.user) for r in _lines(caplog)] == [
        ("/requests", 200, "member1"),
        ("/api/v1/auth/me", 200, "member1"),
        ("/api/v1/auth/me", 401, "-"),
    ]


def test_a_failed_request_logs_its_traceback_under_its_id_once(client, caplog):
    with caplog.at_level(logging.INFO):
        # No exception reaches the caller (nor the server, which would log it again, without
        # the id): the 500 page was sent, and the failure is in the log.
        response = client.get("/_test/boom", headers={"X-Request-ID": "err-1"})
    assert response.status_code == 500
    assert response.headers["x-request-id"] == "err-1"
    (error,) = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert error.getMessage() == "unhandled error on GET /_test/boom"
    assert error.exc_info and "the view broke" in str(error.exc_info[1])
    assert request_id_var.get() == "-"
    (line,) = _lines(caplog)
    assert (line.request_id, line.status) == ("err-1", 500)


def test_an_error_nobody_answered_is_logged_here_and_left_to_the_server(caplog):
    async def broken(scope, receive, send):
        raise RuntimeError("before any answer")

    with caplog.at_level(logging.INFO), pytest.raises(RuntimeError):
        TestClient(RequestLog(broken)).get("/", headers={"X-Request-ID": "raw-1"})
    (error,) = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert error.name == "lianxin.http" and error.getMessage() == "GET / failed" and error.exc_info
    (line,) = _lines(caplog)
    assert (line.request_id, line.status) == ("raw-1", 500)
