"""Security events, one structured line each on the ``lianxin.security`` logger: sign-in
success, failure and throttling, sign-out, password changes, refused access (403). Each line
says who (the username as given, "-" when unknown), from where (the client address), what, and
carries the time and the request id like every line (server/logs.py), as JSON fields with
``LIANXIN_LOG_FORMAT=json``. Whatever a user typed is escaped by the formatters, so a username
holding a newline cannot write a line of its own."""

from __future__ import annotations

import logging

log = logging.getLogger("lianxin.security")

SIGN_IN = "sign_in"
SIGN_IN_FAILED = "sign_in_failed"
SIGN_IN_THROTTLED = "sign_in_throttled"
SIGN_OUT = "sign_out"
PASSWORD_CHANGED = "password_changed"
ACCESS_REFUSED = "access_refused"

_WARNINGS = frozenset({SIGN_IN_FAILED, SIGN_IN_THROTTLED, ACCESS_REFUSED})


def record(event: str, *, user: str | None, address: str, **details: object) -> None:
    level = logging.WARNING if event in _WARNINGS else logging.INFO
    user = user or "-"
    address = address or "-"
    text = " ".join(f"{key}={value}" for key, value in details.items())
    log.log(level, "%s user=%s address=%s%s", event, user, address, f" {text}" if text else "",
            extra={"event": event, "user": user, "address": address, **details})
