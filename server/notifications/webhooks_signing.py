"""Signatures of what webhooks send: Lianxin's own header for the generic format, and the
sign values of the DingTalk and Feishu group robots, as their documentation defines them.

Pure functions; receivers (and the tests' receiver) check the generic header with
:func:`verify_signature` — docs/WEBHOOKS.md shows how to do it in any language."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from urllib.parse import quote_plus

SIGNATURE_HEADER = "X-Lianxin-Signature"
EVENT_ID_HEADER = "X-Lianxin-Event-Id"
# How far a receiver should let a signature's time stray from its own clock (replays older
# than this are refused).
DEFAULT_TOLERANCE_SECONDS = 300


def generic_signature(secret: str, body: bytes, timestamp: int) -> str:
    """``t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>" keyed by the secret>``."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def verify_signature(secret: str, header: str | None, body: bytes, tolerance_seconds: int = DEFAULT_TOLERANCE_SECONDS,
                     *, now: float | None = None) -> bool:
    """True when ``header`` (the X-Lianxin-Signature value) signs ``body`` with ``secret`` and
    its time is within ``tolerance_seconds`` of ``now`` — so a captured request cannot be
    replayed later. Several ``v1=`` values are allowed (any one may match)."""
    if not header or not secret:
        return False
    timestamp: int | None = None
    candidates: list[str] = []
    for part in header.split(","):
        key, _, value = part.strip().partition("=")
        if key == "t" and value.isdigit():
            timestamp = int(value)
        elif key == "v1" and value:
            candidates.append(value)
    if timestamp is None or not candidates:
        return False
    if abs((time.time() if now is None else now) - timestamp) > tolerance_seconds:
        return False
    expected = generic_signature(secret, body, timestamp).partition(",v1=")[2]
    return any(hmac.compare_digest(expected, candidate) for candidate in candidates)


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """DingTalk 自定义机器人 加签: Base64 of HMAC-SHA256 over "<timestamp ms>\\n<secret>" keyed
    by the secret, URL-encoded; it goes into the URL as ``&timestamp=…&sign=…``."""
    digest = hmac.new(secret.encode(), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256).digest()
    return quote_plus(base64.b64encode(digest).decode())


def feishu_sign(secret: str, timestamp: int) -> str:
    """Feishu 自定义机器人 签名校验: Base64 of HMAC-SHA256 keyed by "<timestamp s>\\n<secret>"
    over an empty message; it goes into the body beside ``timestamp``."""
    digest = hmac.new(f"{timestamp}\n{secret}".encode(), b"", hashlib.sha256).digest()
    return base64.b64encode(digest).decode()
