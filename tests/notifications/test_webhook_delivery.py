"""deliver_webhook against a real HTTP receiver on loopback: each format arrives as its
receiver expects it, signatures check out, redirects are followed only to allowed
addresses, and every failure comes back as a result the worker can record and retry."""

from __future__ import annotations

import base64
import hashlib
import hmac
import socket
import time
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

import pytest

from server.enums import WebhookFormat
from server.models import Webhook
from server.notifications.webhooks import WebhookEvent, deliver_webhook, verify_signature
from tests.notifications.webhook_receiver import allow_loopback, running_receiver

EVENT = WebhookEvent(
    id="evt-0001", type="completed", at=datetime(2026, 12, 2, 10, 0, tzinfo=UTC),
    request={"number": "LX-20261202-0007", "service": "心理咨询", "status": "待评价", "department": "社工站",
             "requester_name": "李四", "phone": "13900000000"},
    text="工单 LX-20261202-0007 已办结",
)


@pytest.fixture
def receiver():
    yield from running_receiver()


@pytest.fixture
def loopback_settings(settings, monkeypatch):
    return allow_loopback(monkeypatch)


def _hook(url: str, format: WebhookFormat = WebhookFormat.generic, secret: str = "whsec-test") -> Webhook:
    return Webhook(id=1, url=url, format=format, secret=secret, active=True)


def test_generic_arrives_signed(receiver, loopback_settings):
    result = deliver_webhook(_hook(receiver.url()), EVENT, loopback_settings)
    assert result.ok and result.status == 200 and not result.retry
    (got,) = receiver.received
    assert got.headers["x-lianxin-event-id"] == "evt-0001"
    assert verify_signature("whsec-test", got.headers["x-lianxin-signature"], got.body, 60)
    assert not verify_signature("another", got.headers["x-lianxin-signature"], got.body, 60)
    assert got.json["request"]["number"] == "LX-20261202-0007"
    assert "李四" not in got.body.decode() and "13900000000" not in got.body.decode()


def test_wecom_arrives_as_markdown(receiver, loopback_settings):
    result = deliver_webhook(_hook(receiver.url("/cgi-bin/webhook/send?key=K1"), WebhookFormat.wecom, ""), EVENT,
                             loopback_settings)
    assert result.ok
    (got,) = receiver.received
    assert got.path == "/cgi-bin/webhook/send?key=K1"
    assert got.json["msgtype"] == "markdown" and "LX-20261202-0007" in got.json["markdown"]["content"]


def test_dingtalk_arrives_with_a_valid_sign(receiver, loopback_settings):
    before = int(time.time() * 1000)
    result = deliver_webhook(_hook(receiver.url("/robot/send?access_token=T"), WebhookFormat.dingtalk, "SEC1"), EVENT,
                             loopback_settings)
    assert result.ok
    (got,) = receiver.received
    query = parse_qs(urlsplit(got.path).query)
    timestamp = query["timestamp"][0]
    assert before <= int(timestamp) <= int(time.time() * 1000)
    # What DingTalk checks: the sign and a timestamp within an hour of its clock.
    expected = base64.b64encode(hmac.new(b"SEC1", f"{timestamp}\nSEC1".encode(), hashlib.sha256).digest()).decode()
    assert query["sign"] == [expected] and query["access_token"] == ["T"]
    assert got.json["msgtype"] == "markdown"


def test_feishu_arrives_with_a_valid_sign(receiver, loopback_settings):
    result = deliver_webhook(_hook(receiver.url("/open-apis/bot/v2/hook/x"), WebhookFormat.feishu, "FS1"), EVENT,
                             loopback_settings)
    assert result.ok
    body = receiver.received[0].json
    timestamp = body["timestamp"]
    assert abs(int(timestamp) - time.time()) < 60
    expected = base64.b64encode(hmac.new(f"{timestamp}\nFS1".encode(), b"", hashlib.sha256).digest()).decode()
    assert body["sign"] == expected and body["msg_type"] == "post"


def test_robot_error_code_is_a_failure(receiver, loopback_settings):
    receiver.answer("/robot/send", 200, {"errcode": 310000, "errmsg": "sign not match"})
    result = deliver_webhook(_hook(receiver.url("/robot/send?access_token=T"), WebhookFormat.dingtalk), EVENT,
                             loopback_settings)
    assert not result.ok and not result.retry and "310000" in result.answer


def test_server_error_is_retried(receiver, loopback_settings):
    receiver.answer("/hook", 500, b"internal error")
    result = deliver_webhook(_hook(receiver.url()), EVENT, loopback_settings)
    assert (result.ok, result.status, result.retry) == (False, 500, True)
    assert result.answer == "HTTP 500: internal error"


def test_bad_request_is_not_retried(receiver, loopback_settings):
    receiver.answer("/hook", 400, b"unknown field")
    result = deliver_webhook(_hook(receiver.url()), EVENT, loopback_settings)
    assert (result.ok, result.status, result.retry) == (False, 400, False)


def test_too_many_requests_is_retried(receiver, loopback_settings):
    receiver.answer("/hook", 429, b"")
    assert deliver_webhook(_hook(receiver.url()), EVENT, loopback_settings).retry


def test_loopback_refused_unless_allowed(receiver, settings):
    result = deliver_webhook(_hook(receiver.url()), EVENT, settings)
    assert (result.ok, result.status, result.retry) == (False, None, False)
    assert result.answer.startswith("refused: 127.0.0.1 is a loopback address")
    assert "LIANXIN_WEBHOOK_ALLOW_HOSTS" in result.answer
    assert receiver.received == []  # nothing was sent


def test_localhost_name_refused_too(receiver, settings):
    result = deliver_webhook(_hook(receiver.url().replace("127.0.0.1", "localhost")), EVENT, settings)
    assert not result.ok and "loopback" in result.answer and receiver.received == []


def test_redirect_to_a_private_address_is_refused(receiver, loopback_settings):
    receiver.answer("/hook", 307, headers={"Location": "http://10.20.30.40/steal"})
    result = deliver_webhook(_hook(receiver.url()), EVENT, loopback_settings)
    assert (result.ok, result.retry) == (False, False)
    assert result.answer.startswith("refused: 10.20.30.40 is a private address")
    assert len(receiver.received) == 1


def test_redirect_to_metadata_is_refused(receiver, loopback_settings):
    receiver.answer("/hook", 302, headers={"Location": "http://169.254.169.254/latest/meta-data/"})
    result = deliver_webhook(_hook(receiver.url()), EVENT, loopback_settings)
    assert not result.ok and "metadata" in result.answer


def test_redirect_to_an_allowed_address_is_followed_with_the_same_body(receiver, loopback_settings):
    receiver.answer("/hook", 308, headers={"Location": "/moved"})
    result = deliver_webhook(_hook(receiver.url()), EVENT, loopback_settings)
    assert result.ok
    first, second = receiver.received
    assert second.path == "/moved" and second.body == first.body
    assert verify_signature("whsec-test", second.headers["x-lianxin-signature"], second.body, 60)


def test_redirect_loop_stops(receiver, loopback_settings):
    receiver.answer("/hook", 302, headers={"Location": "/hook"})
    result = deliver_webhook(_hook(receiver.url()), EVENT, loopback_settings)
    assert not result.ok and not result.retry and "redirects" in result.answer
    assert len(receiver.received) == 4  # the first attempt and three redirects


def test_connection_refused_is_retried(loopback_settings):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result = deliver_webhook(_hook(f"http://127.0.0.1:{port}/hook"), EVENT, loopback_settings)
    assert (result.ok, result.status, result.retry) == (False, None, True)
    assert "no answer" in result.answer


def test_connects_to_the_checked_address_without_a_second_lookup(receiver, loopback_settings, monkeypatch):
    """DNS rebinding: the name resolves to the allowed address at the check, and to a
    private one afterwards; the connection must go to the first, with no second lookup."""
    real = socket.getaddrinfo
    lookups: list[str] = []

    def rebinding(host, port, *args, **kwargs):
        if host == "hooks.rebind.test":
            lookups.append(host)
            address = "127.0.0.1" if len(lookups) == 1 else "10.0.0.1"
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    url = receiver.url().replace("127.0.0.1", "hooks.rebind.test")
    result = deliver_webhook(_hook(url), EVENT, loopback_settings)
    assert result.ok, result.answer
    assert lookups == ["hooks.rebind.test"]
    assert receiver.received[0].headers["host"].startswith("hooks.rebind.test")


def test_switched_off_hook_sends_nothing(receiver, loopback_settings):
    hook = _hook(receiver.url())
    hook.active = False
    result = deliver_webhook(hook, EVENT, loopback_settings)
    assert not result.ok and not result.retry and receiver.received == []


@pytest.mark.parametrize("status", [200, 201, 202, 204])
def test_any_2xx_is_delivered(receiver, loopback_settings, status):
    receiver.answer("/hook", status, b"")
    assert deliver_webhook(_hook(receiver.url()), EVENT, loopback_settings).ok


def test_chinese_host_and_path(receiver, loopback_settings, monkeypatch):
    """An internationalised host name goes out as IDNA (DNS, Host header), a Chinese path
    percent-encoded."""
    real = socket.getaddrinfo
    asked: list[str] = []

    def resolve(host, port, *args, **kwargs):
        if host.startswith("xn--"):
            asked.append(host)
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port))]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", resolve)
    url = receiver.url("/钩子?名=值").replace("127.0.0.1", "连心.测试")
    result = deliver_webhook(_hook(url), EVENT, loopback_settings)
    assert result.ok, result.answer
    assert asked == ["连心.测试".encode("idna").decode()]
    got = receiver.received[0]
    assert got.path == "/%E9%92%A9%E5%AD%90?%E5%90%8D=%E5%80%BC"
    assert got.headers["host"].startswith("xn--")


def test_events_the_hook_does_not_take_are_skipped(receiver, loopback_settings):
    hook = _hook(receiver.url())
    hook.event_types = ["new_task"]
    result = deliver_webhook(hook, EVENT, loopback_settings)
    assert result.ok and result.status is None and "skipped" in result.answer and receiver.received == []
    hook.event_types = ["completed"]
    assert deliver_webhook(hook, EVENT, loopback_settings).status == 200
