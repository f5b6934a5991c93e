"""The device cookie: proof that an account has signed in from this browser before.

Set at each successful sign-in on the page, it names the account (case-folded username) with an
HMAC under the installation's signing key, so it cannot be made up or moved to another account.
The sign-in throttle lets a browser holding it skip the wait an attacker's failures impose on
the account (server/accounts/throttle.py): guessing slows the guesser, not the owner."""

from __future__ import annotations

import base64
import hashlib
import hmac

from starlette.requests import Request
from starlette.responses import Response

from server.accounts.throttle import account_key
from server.http.csrf import signing_key

DEVICE_COOKIE = "lianxin_device"
MAX_AGE = 365 * 24 * 3600


def _name(settings) -> str:
    return "__Host-" + DEVICE_COOKIE if settings.cookie_secure else DEVICE_COOKIE


def _signature(key: bytes, account: str) -> str:
    return hmac.new(key, b"device:" + account.encode(), hashlib.sha256).hexdigest()


def is_trusted(request: Request, username: str) -> bool:
    settings = request.app.state.settings
    encoded, _, signature = request.cookies.get(_name(settings), "").partition(".")
    try:
        account = base64.urlsafe_b64decode(encoded.encode()).decode()
    except (ValueError, UnicodeDecodeError):
        return False
    expected = _signature(signing_key(settings), account)
    return bool(account) and hmac.compare_digest(signature, expected) and account == account_key(username)


def remember(request: Request, response: Response, username: str) -> None:
    settings = request.app.state.settings
    account = account_key(username)
    value = base64.urlsafe_b64encode(account.encode()).decode() + "." + _signature(signing_key(settings), account)
    response.set_cookie(_name(settings), value, max_age=MAX_AGE, path="/", httponly=True, samesite="lax",
                        secure=settings.cookie_secure)
