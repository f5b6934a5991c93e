"""Security events are logged, one structured line each (server/security_log.py): who, from
where, what; and nothing a user types can start a line of its own."""

from __future__ import annotations

import logging

import pytest
from fastapi.testclient import TestClient

from server.app import create_app
from server.logs import TEXT_FORMAT, TextFormatter
from tests.factories import PASSWORD, build_world
from tests.web.conftest import csrf_from


@pytest.fixture
def client(settings, database):
    build_world(database)
    with TestClient(create_app(settings, database), base_url="http://testserver") as client:
        yield client


def _sign_in(client, username, password=PASSWORD):
    token = csrf_from(client.get("/login").text)
    return client.post("/login", data={"username": username, "password": password, "next": "/", "csrf_token": token},
                       follow_redirects=False)


def _events(caplog) -> list[tuple[str, str, str]]:
    return [(r.event, r.user, r.address) for r in caplog.records if r.name == "lianxin.security"]


def test_sign_in_out_failures_and_refusals_are_logged(client, caplog):
    caplog.set_level(logging.INFO, logger="lianxin.security")
    assert _sign_in(client, "member1", "wrong-pass-9").status_code == 401
    assert _sign_in(client, "member1").status_code == 303
    assert client.get("/admin").status_code == 403
    page = client.get("/requests").text
    client.post("/logout", data={"csrf_token": csrf_from(page)}, follow_redirects=False)
    assert client.post("/api/v1/auth/token", data={"username": "staff1", "password": PASSWORD}).status_code == 200
    assert _events(caplog) == [
        ("sign_in_failed", "member1", "testclient"),
        ("sign_in", "member1", "testclient"),
        ("access_refused", "member1", "testclient"),
        ("sign_out", "member1", "testclient"),
        ("sign_in", "staff1", "testclient"),
    ]
    refused = next(r for r in caplog.records if getattr(r, "event", "") == "access_refused")
    assert refused.path == "/admin" and refused.levelno == logging.WARNING


def test_throttled_sign_ins_are_logged(client, caplog):
    from server.accounts.throttle import ACCOUNT_FAILURES

    caplog.set_level(logging.INFO, logger="lianxin.security")
    for _ in range(ACCOUNT_FAILURES + 1):
        _sign_in(client, "member1", "wrong-pass-9")
    assert _events(caplog)[-1] == ("sign_in_throttled", "member1", "testclient")


def test_a_typed_newline_cannot_forge_a_line(client, caplog):
    caplog.set_level(logging.INFO, logger="lianxin.security")
    _sign_in(client, "mallory\n2026-12-02 07:00:00,000 INFO lianxin.security [-] sign_in user=admin1", "x-pass-1")
    record = next(r for r in caplog.records if r.name == "lianxin.security")
    record.request_id = "-"
    line = TextFormatter(TEXT_FORMAT).format(record)
    assert "\n" not in line and "\\n2026-12-02" in line
