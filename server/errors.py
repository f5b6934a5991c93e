"""The one error type. Services raise it; the API turns it into application/problem+json
(RFC 9457) and the pages into an error page, both with the same status and message."""

from __future__ import annotations

from typing import Any


class LianxinError(Exception):
    """``message`` is an English msgid with ``{name}`` placeholders filled from ``params``;
    the pages translate it through the catalogues, the API sends it as ``detail``."""

    status_code = 400
    title = "Bad request"
    type_slug = "bad-request"

    def __init__(self, message: str, params: dict[str, Any] | None = None, **extra: Any):
        self.message = message
        self.params = params or {}
        self.detail = message.format(**self.params) if self.params else message
        super().__init__(self.detail)
        # Extension members of the problem document, e.g. field errors or the current state.
        self.extra = extra

    def localized(self, gettext) -> str:
        text = gettext(self.message)
        return text.format(**self.params) if self.params else text


class InvalidInput(LianxinError):
    """Input that breaks a rule; ``errors`` maps each field to its message."""

    status_code = 422
    title = "Invalid input"
    type_slug = "invalid-input"

    def __init__(self, message: str, errors: dict[str, str] | None = None, **extra: Any):
        super().__init__(message, errors=errors or {}, **extra)
        self.errors = errors or {}


class NotAuthenticated(LianxinError):
    status_code = 401
    title = "Not signed in"
    type_slug = "not-authenticated"


class TooManyAttempts(NotAuthenticated):
    """Sign-in refused for a while after repeated failures (HTTP 429)."""

    status_code = 429
    title = "Too many attempts"
    type_slug = "too-many-attempts"


class Forbidden(LianxinError):
    status_code = 403
    title = "Not allowed"
    type_slug = "forbidden"


class NotFound(LianxinError):
    status_code = 404
    title = "Not found"
    type_slug = "not-found"


class Conflict(LianxinError):
    """Wrong state or a stale version: someone else changed the request first."""

    status_code = 409
    title = "Conflict"
    type_slug = "conflict"


class StorageUnavailable(LianxinError):
    """The attachment store (an object store over the network) did not answer: try again."""

    status_code = 503
    title = "Service unavailable"
    type_slug = "storage-unavailable"


class Msg(str):
    """An English message that remembers its msgid and parameters, so the pages can show it
    translated while the API sends the English text."""

    msgid: str
    params: dict[str, Any]

    def __new__(cls, msgid: str, **params: Any) -> Msg:
        obj = super().__new__(cls, msgid.format(**params) if params else msgid)
        obj.msgid = msgid
        obj.params = params
        return obj

    def localized(self, gettext) -> str:
        text = gettext(self.msgid)
        if not self.params:
            return text
        # A message inside a message ("{field}: {problem}") is translated too.
        return text.format(**{k: v.localized(gettext) if isinstance(v, Msg) else v for k, v in self.params.items()})


def localize(message: str, gettext) -> str:
    """Translate a plain msgid or a :class:`Msg`."""
    return message.localized(gettext) if isinstance(message, Msg) else gettext(message)
