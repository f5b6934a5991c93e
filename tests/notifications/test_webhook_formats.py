"""What each webhook format sends and how an answer reads, checked the way each receiver
checks it (the generic signature; DingTalk's and Feishu's sign as their documentation defines
it). Pure: no network, no database."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import UTC, datetime
from urllib.parse import parse_qs, unquote_plus, urlsplit

import pytest

from server.enums import WebhookFormat
from server.models import Webhook
from server.notifications.webhooks import WebhookEvent, build, read_answer
from server.notifications.webhooks_signing import generic_signature, verify_signature

NOW = 1_796_000_000.0  # late November 2026
EVENT = WebhookEvent(
    id="7f1c2d3e-0000-4000-8000-000000000001",
    type="new_task",
    at=datetime(2026, 12, 2, 10, 30, tzinfo=UTC),
    request={
        "number": "LX-20261202-0042", "service": "法律援助", "status": "待接单", "department": "司法所",
        "due": datetime(2026, 12, 4, 10, 0, tzinfo=UTC), "url": "https://lianxin.example/requests/LX-20261202-0042",
        # Never to leave the installation:
        "requester_name": "张三", "phone": "13800000000", "email": "zhang@example.com",
    },
    text="新工单 LX-20261202-0042：法律援助",
)


def _hook(format: WebhookFormat, secret: str = "s3cret", url: str = "https://hooks.example/in") -> Webhook:
    return Webhook(url=url, format=format, secret=secret, active=True)


def _build(hook: Webhook, now: float = NOW):
    return build(hook, EVENT, timezone="Asia/Shanghai", gettext=lambda s: s, now=now)


def test_generic_body_has_the_public_fields_only():
    sent = _build(_hook(WebhookFormat.generic))
    body = json.loads(sent.body)
    assert body["id"] == EVENT.id and body["type"] == "new_task"
    assert body["time"] == "2026-12-02T18:30:00+08:00"  # ISO 8601, the installation's zone
    assert body["request"] == {
        "number": "LX-20261202-0042", "service": "法律援助", "status": "待接单", "department": "司法所",
        "due": "2026-12-04T18:00:00+08:00", "url": "https://lianxin.example/requests/LX-20261202-0042",
    }
    for secret in ("张三", "13800000000", "zhang@example.com"):
        assert secret not in sent.body.decode()
    assert sent.headers["X-Lianxin-Event-Id"] == EVENT.id
    assert sent.headers["Content-Type"].startswith("application/json")


def test_generic_signature_is_hmac_of_time_dot_body():
    sent = _build(_hook(WebhookFormat.generic))
    header = sent.headers["X-Lianxin-Signature"]
    expected = hmac.new(b"s3cret", b"1796000000." + sent.body, hashlib.sha256).hexdigest()
    assert header == f"t=1796000000,v1={expected}"
    assert verify_signature("s3cret", header, sent.body, 300, now=NOW + 10)


@pytest.mark.parametrize(
    ("secret", "header_change", "body", "now"),
    [
        ("wrong", None, None, NOW),  # another secret
        ("s3cret", None, b'{"tampered":1}', NOW),  # another body
        ("s3cret", None, None, NOW + 301),  # a replay after the tolerance
        ("s3cret", None, None, NOW - 301),  # from the future
        ("s3cret", "v1=abc", None, NOW),  # no time
        ("s3cret", "t=1796000000", None, NOW),  # no signature
        ("s3cret", "", None, NOW),
        ("", None, None, NOW),
    ],
)
def test_verify_signature_refuses(secret, header_change, body, now):
    sent = _build(_hook(WebhookFormat.generic))
    header = sent.headers["X-Lianxin-Signature"] if header_change is None else header_change
    assert not verify_signature(secret, header, body or sent.body, 300, now=now)


def test_verify_signature_accepts_any_of_several_v1_values():
    body = b"{}"
    good = generic_signature("s3cret", body, 100)
    assert verify_signature("s3cret", f"{good},v1=00ff", body, 300, now=100)
    assert verify_signature("s3cret", good.replace(",v1=", ",v1=00ff,v1="), body, 300, now=100)


def test_generic_without_secret_is_not_signed():
    assert "X-Lianxin-Signature" not in _build(_hook(WebhookFormat.generic, secret="")).headers


def test_wecom_markdown():
    sent = _build(_hook(WebhookFormat.wecom, secret="", url="https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=K"))
    assert sent.url == "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=K"
    body = json.loads(sent.body)
    assert body["msgtype"] == "markdown"
    content = body["markdown"]["content"]
    assert content.startswith("**新工单 LX-20261202-0042：法律援助**")
    assert "> Service：法律援助" in content and "> Due：2026-12-04 18:00" in content
    assert "[Open the request](https://lianxin.example/requests/LX-20261202-0042)" in content
    assert "张三" not in content and "13800000000" not in content


def test_wecom_content_stays_within_4096_bytes():
    long = WebhookEvent(EVENT.id, EVENT.type, EVENT.at, {"service": "法" * 3000}, "长" * 3000)
    sent = build(_hook(WebhookFormat.wecom, secret=""), long, timezone="Asia/Shanghai", gettext=str)
    assert len(json.loads(sent.body)["markdown"]["content"].encode()) <= 4096


def test_dingtalk_markdown_signed_in_the_url():
    sent = _build(_hook(WebhookFormat.dingtalk, secret="SECabc",
                        url="https://oapi.dingtalk.com/robot/send?access_token=T"))
    query = parse_qs(urlsplit(sent.url).query)
    assert query["access_token"] == ["T"]
    timestamp = query["timestamp"][0]
    assert timestamp == "1796000000000"  # milliseconds
    # DingTalk's check: Base64(HmacSHA256(key=secret, "timestamp\nsecret")), URL-encoded.
    digest = hmac.new(b"SECabc", f"{timestamp}\nSECabc".encode(), hashlib.sha256).digest()
    assert query["sign"] == [base64.b64encode(digest).decode()]  # parse_qs undid the URL-encoding
    raw_sign = urlsplit(sent.url).query.split("sign=")[1]
    assert unquote_plus(raw_sign) == base64.b64encode(digest).decode() and "+" not in raw_sign
    body = json.loads(sent.body)
    assert body["msgtype"] == "markdown"
    assert body["markdown"]["title"] == EVENT.text
    assert "- Department：司法所" in body["markdown"]["text"]


def test_dingtalk_without_secret_leaves_the_url():
    sent = _build(_hook(WebhookFormat.dingtalk, secret="", url="https://oapi.dingtalk.com/robot/send?access_token=T"))
    assert sent.url == "https://oapi.dingtalk.com/robot/send?access_token=T"


def test_feishu_post_with_signature_field():
    sent = _build(_hook(WebhookFormat.feishu, secret="fs-secret",
                        url="https://open.feishu.cn/open-apis/bot/v2/hook/abc"))
    body = json.loads(sent.body)
    assert body["timestamp"] == "1796000000"  # seconds, as a string
    # Feishu's check: Base64(HmacSHA256(key="timestamp\nsecret", empty message)).
    digest = hmac.new(b"1796000000\nfs-secret", b"", hashlib.sha256).digest()
    assert body["sign"] == base64.b64encode(digest).decode()
    assert body["msg_type"] == "post"
    post = body["content"]["post"]["zh_cn"]
    assert post["title"] == EVENT.text
    texts = [item["text"] for row in post["content"] for item in row]
    assert "Request：LX-20261202-0042" in texts
    assert post["content"][-1] == [{"tag": "a", "text": "Open the request", "href": EVENT.request["url"]}]


def test_feishu_without_secret_has_no_sign():
    body = json.loads(_build(_hook(WebhookFormat.feishu, secret="")).body)
    assert "sign" not in body and "timestamp" not in body


def test_robot_labels_are_translated():
    sent = build(_hook(WebhookFormat.wecom, secret=""), EVENT, timezone="Asia/Shanghai",
                 gettext={"Service": "服务", "Open the request": "查看工单"}.get)
    content = json.loads(sent.body)["markdown"]["content"]
    assert "> 服务：法律援助" in content and "[查看工单](" in content


@pytest.mark.parametrize(
    ("format", "status", "body", "ok", "retry"),
    [
        ("generic", 200, b"", True, False),
        ("generic", 204, b"", True, False),
        ("generic", 500, b"oops", False, True),
        ("generic", 503, b"", False, True),
        ("generic", 400, b"bad", False, False),
        ("generic", 401, b"", False, False),
        ("generic", 404, b"", False, False),
        ("generic", 408, b"", False, True),
        ("generic", 429, b"", False, True),
        ("generic", 302, b"", False, True),  # a redirect without Location: nothing delivered
        ("wecom", 200, b'{"errcode":0,"errmsg":"ok"}', True, False),
        ("wecom", 200, b'{"errcode":93000,"errmsg":"invalid webhook url"}', False, False),
        ("wecom", 200, b'{"errcode":45009,"errmsg":"api freq out of limit"}', False, True),
        ("dingtalk", 200, b'{"errcode":0,"errmsg":"ok"}', True, False),
        ("dingtalk", 200, b'{"errcode":310000,"errmsg":"sign not match"}', False, False),
        ("dingtalk", 200, b'{"errcode":130101,"errmsg":"send too fast"}', False, True),
        ("feishu", 200, b'{"code":0,"msg":"success","data":{}}', True, False),
        ("feishu", 200, b'{"StatusCode":0,"StatusMessage":"success"}', True, False),
        ("feishu", 200, b'{"code":19021,"msg":"sign match fail"}', False, False),
        ("feishu", 200, b"<html>gateway</html>", False, True),
    ],
)
def test_read_answer(format, status, body, ok, retry):
    result = read_answer(format, status, body)
    assert (result.ok, result.retry, result.status) == (ok, retry, status)
    assert result.answer.startswith(f"HTTP {status}")
    if body:
        assert body[:20].decode(errors="replace") in result.answer


def test_robots_speak_the_installations_language():
    from server.notifications import webhooks
    from server.web.i18n import compile_catalogues

    compile_catalogues()
    webhooks.installation_gettext.cache_clear()
    gettext = webhooks.installation_gettext()
    assert gettext("Open the request") == "查看工单"
    sent = build(_hook(WebhookFormat.wecom, secret=""), EVENT, timezone="Asia/Shanghai", gettext=gettext)
    assert "[查看工单](" in json.loads(sent.body)["markdown"]["content"]


def test_the_documented_example_signature():
    """docs/WEBHOOKS.md gives receivers a worked example to test their check against."""
    from server import resources

    doc = (resources.SOURCE_ROOT / "docs" / "WEBHOOKS.md").read_text(encoding="utf-8")
    header = generic_signature("whsec_example", b'{"id":"1"}', 1796000000)
    assert f"X-Lianxin-Signature: {header}" in doc


# What the outbox stores for a request (server/notifications/service.py: its payload).
OUTBOX_EVENT = WebhookEvent(
    id="0c5e6d0a-1111-4000-8000-000000000002", type="new_task", at=datetime(2026, 12, 2, 2, 0, tzinfo=UTC),
    request={
        "number": "LX-20261202-0003", "status": "dispatched", "service": "legal_aid",
        "service_name": {"zh-Hans": "法律援助", "en": "Legal aid"}, "department": "justice",
        "department_name": {"zh-Hans": "司法所", "en": "Justice office"},
        "submitted_at": "2026-12-02T01:00:00+00:00", "complete_due_at": "2026-12-09T10:00:00+00:00", "flag": None,
    },
    text="新任务 LX-20261202-0003：法律援助",
)


def test_generic_from_the_outbox_payload():
    sent = build(_hook(WebhookFormat.generic), OUTBOX_EVENT, timezone="Asia/Shanghai", gettext=str,
                 base_url="https://lianxin.example.cn/", now=NOW)
    assert json.loads(sent.body)["request"] == {
        "number": "LX-20261202-0003", "status": "dispatched",
        "service": "法律援助", "service_code": "legal_aid", "department": "司法所", "department_code": "justice",
        "due": "2026-12-09T18:00:00+08:00", "url": "https://lianxin.example.cn/requests/LX-20261202-0003",
    }


def test_no_link_without_the_public_url():
    sent = build(_hook(WebhookFormat.generic), OUTBOX_EVENT, timezone="Asia/Shanghai", gettext=str, now=NOW)
    assert "url" not in json.loads(sent.body)["request"]


def test_robots_from_the_outbox_payload_show_names():
    sent = build(_hook(WebhookFormat.dingtalk, secret=""), OUTBOX_EVENT, timezone="Asia/Shanghai", gettext=str,
                 base_url="https://lianxin.example.cn", now=NOW)
    text = json.loads(sent.body)["markdown"]["text"]
    assert "- Service：法律援助" in text and "- Department：司法所" in text and "- Due：2026-12-09 18:00" in text
    assert "legal_aid" not in text and "justice" not in text
    assert "[Open the request](https://lianxin.example.cn/requests/LX-20261202-0003)" in text
