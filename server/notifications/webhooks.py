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
from datetime import UTC, datetime
from functools import cache
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

from server import resources
from server.config import Settings
from server.enums import WebhookFormat
from server.i18n_text import N_, localized
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

# What a receiver may learn of a request (public_fields makes exactly these); anything else
# in WebhookEvent.request is dropped.
PUBLIC_REQUEST_FIELDS = ("number", "status", "service", "service_code", "department", "department_code", "due", "url")
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
def public_fields(request: dict, zone: ZoneInfo, base_url: str = "") -> dict[str, Any]:
    """The request's public fields, from the outbox's payload (codes with ``service_name`` /
    ``department_name`` maps, ``complete_due_at``) or from display-ready values: names in the
    installation's language beside their codes, times as ISO 8601 in the installation's zone,
    and the request page's address when the installation's public URL is known."""
    result: dict[str, Any] = {}
    number = request.get("number")
    if number:
        result["number"] = str(number)
    if request.get("status"):
        result["status"] = str(request["status"])
    for key in ("service", "department"):
        code, names = request.get(key), request.get(f"{key}_name")
        name = localized(names) if isinstance(names, dict) else names
        if name:
            result[key] = str(name)
            if code:
                result[f"{key}_code"] = str(code)
        elif code:
            result[key] = str(code)
    due = request.get("due") or request.get("complete_due_at")
    if due:
        result["due"] = _iso(due, zone)
    url = request.get("url") or (f"{base_url.rstrip('/')}/requests/{quote(str(number))}" if base_url and number else "")
    if url:
        result["url"] = str(url)
    return result


def _iso(value: datetime | str, zone: ZoneInfo) -> str:
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return value
    if value.tzinfo is None:  # stored times are UTC
        value = value.replace(tzinfo=UTC)
    return value.astimezone(zone).isoformat(timespec="seconds")


def generic_body(event: WebhookEvent, zone: ZoneInfo, base_url: str = "") -> bytes:
    document = {
        "id": event.id,
        "type": event.type,
        "time": event.at.astimezone(zone).isoformat(timespec="seconds"),
        "text": event.text,
        "request": public_fields(event.request, zone, base_url),
    }
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()


def _lines(fields: dict[str, Any], gettext: Callable[[str], str]) -> list[str]:
    """'Label：value' lines of the public fields, for the robots' messages. The state is left
    to the event's text, which says what happened in words."""
    lines = []
    for name, label in _LABELS.items():
        value = fields.get(name)
        if not value:
            continue
        if name == "due":
            value = value[:16].replace("T", " ")  # 2026-12-04T18:00:00+08:00 → 2026-12-04 18:00
        lines.append(f"{gettext(label)}：{_plain(str(value))}")
    return lines


def _plain(text: str, limit: int = MAX_TEXT_CHARS) -> str:
    """One line, no control characters, bounded (the robots refuse long messages)."""
    flat = "".join(ch if ch.isprintable() else " " for ch in text.replace("\n", " "))
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _wecom(text: str, fields: dict[str, Any], gettext) -> dict:
    parts = [f"**{_plain(text)}**", *(f"> {line}" for line in _lines(fields, gettext))]
    if fields.get("url"):
        parts.append(f"[{gettext(_OPEN)}]({fields['url']})")
    content = "\n".join(parts)
    while len(content.encode()) > WECOM_MAX_BYTES:
        content = content[: len(content) - 100] + "…"
    return {"msgtype": "markdown", "markdown": {"content": content}}


def _dingtalk(text: str, fields: dict[str, Any], gettext) -> dict:
    parts = [f"#### {_plain(text)}", *(f"- {line}" for line in _lines(fields, gettext))]
    if fields.get("url"):
        parts.append(f"[{gettext(_OPEN)}]({fields['url']})")
    # DingTalk's markdown needs blank lines between paragraphs; the title is the preview.
    return {"msgtype": "markdown", "markdown": {"title": _plain(text, 100), "text": "\n\n".join(parts)}}


def _feishu(text: str, fields: dict[str, Any], gettext, secret: str, now: float) -> dict:
    rows: list[list[dict]] = [[{"tag": "text", "text": line}] for line in _lines(fields, gettext)]
    if fields.get("url"):
        rows.append([{"tag": "a", "text": gettext(_OPEN), "href": fields["url"]}])
    document: dict[str, Any] = {}
    if secret:
        timestamp = int(now)
        document = {"timestamp": str(timestamp), "sign": feishu_sign(secret, timestamp)}
    document.update({"msg_type": "post",
                     "content": {"post": {"zh_cn": {"title": _plain(text, 200), "content": rows}}}})
    return document


def build(hook: Webhook, event: WebhookEvent, *, timezone: str, gettext: Callable[[str], str],
          base_url: str = "", now: float | None = None) -> Outgoing:
    """The URL, headers and body of one delivery (signed as of ``now``, seconds);
    ``base_url`` is the installation's public address, for links to the request."""
    zone = ZoneInfo(timezone)
    now = time.time() if now is None else now
    headers = {"Content-Type": "application/json; charset=utf-8", "User-Agent": USER_AGENT,
               EVENT_ID_HEADER: event.id}
    url = hook.url
    if hook.format == WebhookFormat.generic:
        body = generic_body(event, zone, base_url)
        if hook.secret:
            headers[SIGNATURE_HEADER] = generic_signature(hook.secret, body, int(now))
        return Outgoing(url, headers, body)
    fields = public_fields(event.request, zone, base_url)
    if hook.format == WebhookFormat.wecom:
        document = _wecom(event.text, fields, gettext)
    elif hook.format == WebhookFormat.dingtalk:
        document = _dingtalk(event.text, fields, gettext)
        if hook.secret:
            timestamp_ms = int(now * 1000)
            url += ("&" if "?" in url else "?") + f"timestamp={timestamp_ms}&sign={dingtalk_sign(hook.secret, timestamp_ms)}"
    elif hook.format == WebhookFormat.feishu:
        document = _feishu(event.text, fields, gettext, hook.secret, now)
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
    if not wants(hook, event.type):
        # Queued before its list of events changed, or by a caller that did not filter.
        return DeliveryResult(True, None, f"skipped: the webhook does not take {event.type} events", False)
    try:
        outgoing = build(hook, event, timezone=settings.timezone, gettext=gettext or installation_gettext(),
                         base_url=getattr(settings, "public_url", ""))
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
