"""Webhooks: what each format sends and how its answer reads — the contract the notification
worker calls.

- :class:`WebhookEvent` is one notification as the worker hands it over: its id (the
  receiver's key for dropping duplicates), type, time, the request's public fields and a
  one-line text in the installation's language.
- :func:`deliver_webhook` sends it to one :class:`~server.models.Webhook` in that hook's
  format and returns a :class:`DeliveryResult` for the worker to record (it never raises for
  a receiver's failure).
- :func:`hooks_for` gives the active hooks a department's event goes to.

Formats (docs/WEBHOOKS.md):
- ``generic``: JSON ``{"id", "type", "time", "text", "request": {...}}`` signed in
  ``X-Lianxin-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`` with the
  event id in ``X-Lianxin-Event-Id``;
- ``wecom`` (企业微信群机器人): ``{"msgtype": "markdown", "markdown": {"content"}}``;
- ``dingtalk`` (钉钉自定义机器人): ``{"msgtype": "markdown", "markdown": {"title", "text"}}``,
  with ``timestamp`` (ms) and ``sign`` in the URL when the robot has a secret;
- ``feishu`` (飞书自定义机器人): ``{"timestamp", "sign", "msg_type": "post", "content"}``.

Only public fields of a request leave the installation: never the requester's name, phone or
e-mail (:data:`PUBLIC_REQUEST_FIELDS` is the whole list)."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

from server import resources
from server.config import Settings
from server.enums import WebhookFormat
from server.i18n_text import N_
from server.models import Webhook
from server.notifications import outbound
from server.notifications.webhooks_repository import hooks_for, wants
from server.notifications.webhooks_signing import (
    EVENT_ID_HEADER,
    SIGNATURE_HEADER,
    dingtalk_sign,
    feishu_sign,
    generic_signature,
    verify_signature,
)

__all__ = [
    "DeliveryResult", "Outgoing", "PUBLIC_REQUEST_FIELDS", "WebhookEvent", "build", "deliver_webhook", "hooks_for",
    "read_answer", "verify_signature", "wants",
]

log = logging.getLogger("lianxin.webhooks")

# What a receiver may learn of a request; anything else in WebhookEvent.request is dropped.
PUBLIC_REQUEST_FIELDS = ("number", "service", "status", "department", "due", "url")
USER_AGENT = "Lianxin-Webhook/1"
# The robots' own limits (WeCom markdown: 4,096 bytes) with room for the labels.
MAX_TEXT_CHARS = 1000
WECOM_MAX_BYTES = 4096

# Answers of the robots that mean "too fast" or "busy, try later" (code → retry); any other
# non-zero code is a configuration mistake (wrong key, bad signature, missing keyword)
# that another attempt cannot mend.
_RETRY_CODES = {
    WebhookFormat.wecom: frozenset({-1, 45009}),
    WebhookFormat.dingtalk: frozenset({-1, 130101, 410100}),
    WebhookFormat.feishu: frozenset({-1, 9499, 11232}),
}

_LABELS = {
    "number": N_("Request"),
    "service": N_("Service"),
    "status": N_("Status"),
    "department": N_("Department"),
    "due": N_("Due"),
}
_OPEN = N_("Open the request")


@dataclass(frozen=True)
class WebhookEvent:
    id: str
    type: str
    at: datetime
    # number, service, status, department, due (str or datetime), url: display-ready values.
    request: dict
    text: str


@dataclass(frozen=True)
class DeliveryResult:
    ok: bool
    status: int | None  # the receiver's HTTP status; None when there was no answer
    answer: str  # what to record: the status and the start of the answer, or why none came
    retry: bool  # whether another attempt later may succeed


@dataclass(frozen=True)
class Outgoing:
    url: str
    headers: dict[str, str]
    body: bytes


# --- building what is sent (pure) --------------------------------------------------------------
def public_fields(request: dict, zone: ZoneInfo) -> dict[str, Any]:
    """The request's public fields, times as ISO 8601 in the installation's zone."""
    result = {}
    for name in PUBLIC_REQUEST_FIELDS:
        value = request.get(name)
        if value is None or value == "":
            continue
        result[name] = value.astimezone(zone).isoformat(timespec="seconds") if isinstance(value, datetime) else str(value)
    return result


def generic_body(event: WebhookEvent, zone: ZoneInfo) -> bytes:
    document = {
        "id": event.id,
        "type": event.type,
        "time": event.at.astimezone(zone).isoformat(timespec="seconds"),
        "text": event.text,
        "request": public_fields(event.request, zone),
    }
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()


def _lines(event: WebhookEvent, zone: ZoneInfo, gettext: Callable[[str], str]) -> list[str]:
    """'Label: value' lines of the public fields, for the robots' messages."""
    fields = event.request
    lines = []
    for name, label in _LABELS.items():
        value = fields.get(name)
        if value is None or value == "":
            continue
        if isinstance(value, datetime):
            value = value.astimezone(zone).strftime("%Y-%m-%d %H:%M")
        lines.append(f"{gettext(label)}：{_plain(str(value))}")
    return lines


def _plain(text: str, limit: int = MAX_TEXT_CHARS) -> str:
    """One line, no control characters, bounded (the robots refuse long messages)."""
    flat = "".join(ch if ch.isprintable() else " " for ch in text.replace("\n", " "))
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _wecom(event, zone, gettext) -> dict:
    url = event.request.get("url")
    parts = [f"**{_plain(event.text)}**", *(f"> {line}" for line in _lines(event, zone, gettext))]
    if url:
        parts.append(f"[{gettext(_OPEN)}]({url})")
    content = "\n".join(parts)
    while len(content.encode()) > WECOM_MAX_BYTES:
        content = content[: len(content) - 100] + "…"
    return {"msgtype": "markdown", "markdown": {"content": content}}


def _dingtalk(event, zone, gettext) -> dict:
    url = event.request.get("url")
    parts = [f"#### {_plain(event.text)}", *(f"- {line}" for line in _lines(event, zone, gettext))]
    if url:
        parts.append(f"[{gettext(_OPEN)}]({url})")
    # DingTalk's markdown needs blank lines between paragraphs; the title is the preview.
    return {"msgtype": "markdown", "markdown": {"title": _plain(event.text, 100), "text": "\n\n".join(parts)}}


def _feishu(event, zone, gettext, secret: str, now: float) -> dict:
    url = event.request.get("url")
    rows: list[list[dict]] = [[{"tag": "text", "text": line}] for line in _lines(event, zone, gettext)]
    if url:
        rows.append([{"tag": "a", "text": gettext(_OPEN), "href": url}])
    document: dict[str, Any] = {}
    if secret:
        timestamp = int(now)
        document = {"timestamp": str(timestamp), "sign": feishu_sign(secret, timestamp)}
    document.update({"msg_type": "post",
                     "content": {"post": {"zh_cn": {"title": _plain(event.text, 200), "content": rows}}}})
    return document


def build(hook: Webhook, event: WebhookEvent, *, timezone: str, gettext: Callable[[str], str],
          now: float | None = None) -> Outgoing:
    """The URL, headers and body of one delivery (signed as of ``now``, seconds)."""
    zone = ZoneInfo(timezone)
    now = time.time() if now is None else now
    headers = {"Content-Type": "application/json; charset=utf-8", "User-Agent": USER_AGENT,
               EVENT_ID_HEADER: event.id}
    url = hook.url
    if hook.format == WebhookFormat.generic:
        body = generic_body(event, zone)
        if hook.secret:
            headers[SIGNATURE_HEADER] = generic_signature(hook.secret, body, int(now))
        return Outgoing(url, headers, body)
    if hook.format == WebhookFormat.wecom:
        document = _wecom(event, zone, gettext)
    elif hook.format == WebhookFormat.dingtalk:
        document = _dingtalk(event, zone, gettext)
        if hook.secret:
            timestamp_ms = int(now * 1000)
            url += ("&" if "?" in url else "?") + f"timestamp={timestamp_ms}&sign={dingtalk_sign(hook.secret, timestamp_ms)}"
    elif hook.format == WebhookFormat.feishu:
        document = _feishu(event, zone, gettext, hook.secret, now)
    else:
        raise ValueError(f"unknown webhook format {hook.format!r}")
    return Outgoing(url, headers, json.dumps(document, ensure_ascii=False).encode())


# --- reading the answer (pure) -----------------------------------------------------------------
def read_answer(format: WebhookFormat | str, status: int, body: bytes) -> DeliveryResult:
    """A 2xx is a success — for the robots only when their JSON code is 0 too (they answer
    HTTP 200 with an error code). A 4xx other than 408 and 429 will not mend by itself."""
    snippet = body[:300].decode("utf-8", "replace").strip()
    answer = f"HTTP {status}" + (f": {snippet}" if snippet else "")
    if not 200 <= status < 300:
        retry = not 400 <= status < 500 or status in (408, 429)
        return DeliveryResult(False, status, answer, retry)
    if format == WebhookFormat.generic:
        return DeliveryResult(True, status, answer, False)
    try:
        document = json.loads(body)
    except ValueError:
        document = None
    if not isinstance(document, dict):
        return DeliveryResult(False, status, answer + " (not the robot's JSON answer)", True)
    # WeCom and DingTalk: errcode; Feishu: code (older hooks: StatusCode).
    code = next((document[key] for key in ("errcode", "code", "StatusCode") if key in document), None)
    if code == 0:
        return DeliveryResult(True, status, answer, False)
    return DeliveryResult(False, status, answer, code in _RETRY_CODES.get(WebhookFormat(format), ()))


# --- sending -----------------------------------------------------------------------------------
@cache
def installation_gettext() -> Callable[[str], str]:
    """The robots' labels in the installation's language (Simplified Chinese). The worker
    runs outside any page, so it reads the compiled catalogue itself; without one, English."""
    from babel.support import Translations

    return Translations.load(str(resources.TRANSLATIONS_DIR), ["zh_Hans"]).gettext


def deliver_webhook(hook: Webhook, event: WebhookEvent, settings: Settings, *,
                    gettext: Callable[[str], str] | None = None) -> DeliveryResult:
    """Send ``event`` to ``hook`` now, through the outbound address check; one attempt, its
    result to record. A refused address, a timeout or a receiver's error all come back as a
    result, never as an exception."""
    if not hook.active:
        return DeliveryResult(False, None, "not sent: the webhook is switched off", False)
    try:
        outgoing = build(hook, event, timezone=settings.timezone, gettext=gettext or installation_gettext())
        answer = outbound.post(outgoing.url, outgoing.body, outgoing.headers,
                               allow=outbound.AllowList.parse(settings.webhook_allowed),
                               timeout=settings.webhook_timeout_seconds)
    except outbound.OutboundError as exc:
        return DeliveryResult(False, None, exc.reason, exc.retry)
    except Exception as exc:
        # A fault of ours must not stop the worker's batch: it is logged, recorded, retried.
        log.exception("webhook %s: delivery of %s failed", hook.id, event.id)
        return DeliveryResult(False, None, f"not sent: {exc.__class__.__name__}: {exc}"[:500], True)
    return read_answer(hook.format, answer.status, answer.body)
