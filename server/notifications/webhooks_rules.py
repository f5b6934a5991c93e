"""What a webhook must be, as a pure function collecting a message per field: the admin page
and ``lianxin webhook add`` both go through it (by way of webhooks_service)."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from server.enums import WebhookFormat
from server.errors import Msg
from server.notifications.recipients import REQUEST_EVENT_TYPES

MAX_URL = 2000
MAX_SECRET = 200
EVENT_TYPE = re.compile(r"^[a-z][a-z0-9_.]{0,59}$")


def check_webhook(errors: dict[str, str], *, url: str, format: str, secret: str, event_types: list[str]) -> dict:
    url = url.strip()
    if not url:
        errors["url"] = "Enter the address that receives the messages."
    elif len(url) > MAX_URL:
        errors["url"] = "At most 2,000 characters."
    elif any(ch.isspace() for ch in url):
        errors["url"] = "An address has no spaces."
    else:
        parts = urlsplit(url)
        if parts.scheme.lower() not in ("http", "https"):
            errors["url"] = "Only http:// and https:// addresses can receive webhooks."
        elif not parts.hostname:
            errors["url"] = "The address has no host name."
        elif parts.username is not None or parts.password is not None:
            errors["url"] = "Put no user name or password in the address: use the secret."
        else:
            try:
                parts.port  # noqa: B018 - it validates the port
            except ValueError:
                errors["url"] = "The address has an invalid port."
    if format not in WebhookFormat.__members__:
        errors["format"] = "Choose a format: generic, wecom, dingtalk or feishu."
    secret = secret.strip()
    if len(secret) > MAX_SECRET:
        errors["secret"] = "At most 200 characters."
    elif secret and format == WebhookFormat.wecom:
        errors["secret"] = "WeCom group robots do not sign messages: leave the secret empty."
    types = sorted({t.strip() for t in event_types if t.strip()})
    # Only the events that carry a request go to webhooks (server/notifications/recipients.py).
    if any(not EVENT_TYPE.match(t) for t in types):
        errors["event_types"] = "Event types look like new_task or completed, separated by commas."
    elif unknown := [t for t in types if t not in REQUEST_EVENT_TYPES]:
        errors["event_types"] = Msg("Unknown event types: {types}. Known: {known}.", types=", ".join(unknown),
                                    known=", ".join(REQUEST_EVENT_TYPES))
    return {"url": url, "format": WebhookFormat(format) if "format" not in errors else None, "secret": secret,
            "event_types": types or None}


def mask(secret: str) -> str:
    """How a secret shows in lists once it has been shown: its last four characters."""
    if not secret:
        return ""
    return "••••" + secret[-4:] if len(secret) > 8 else "••••"


def shown_url(url: str) -> str:
    """The address without its query, for lists: the robots' keys and tokens travel there."""
    base, _, query = url.partition("?")
    return base + ("?…" if query else "")
