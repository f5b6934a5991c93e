"""One log line per HTTP request (``lianxin.http``): its id, method, path, status, duration and
who asked. The traceback of a failed request is logged under the same id by the error handlers
(server.api.problems, server.web.errors), or here when they could not answer.

The id is the caller's ``X-Request-ID`` when it is sane (a proxy's), else a new one. It goes back
as the ``X-Request-ID`` response header, is ``request.state.request_id`` for the handlers, and
tags every line logged while the request runs (:mod:`server.logs`). Who asked is whoever the
session middleware or the API's ``current_person`` left in ``request.state.person``.

Pure ASGI, wrapped around the whole application (server.app), outside Starlette's error
middleware: it sees the 500 response that middleware sends, and the exception it re-raises.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from time import perf_counter
from uuid import uuid4

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from server.logs import request_id_var

log = logging.getLogger("lianxin.http")

REQUEST_ID_HEADER = b"x-request-id"
# Printable, no spaces or quotes, not too long: it is copied into every log line.
_SANE_ID = re.compile(rb"[A-Za-z0-9._:@/+=-]{1,128}")


def _incoming_id(scope: Scope) -> str | None:
    for name, value in scope["headers"]:
        if name == REQUEST_ID_HEADER:
            return value.decode("ascii") if _SANE_ID.fullmatch(value) else None
    return None


class RequestLog:
    """``extra_headers(scope)``, if given, are raw header lines added to the answer unless it
    sets them itself (the security headers, server.web.security): in the same pass as the id."""

    def __init__(self, app: ASGIApp, extra_headers: Callable[[Scope], tuple] | None = None):
        self.app = app
        self.extra_headers = extra_headers

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = perf_counter()
        request_id = _incoming_id(scope) or uuid4().hex
        state = scope.setdefault("state", {})
        state["request_id"] = request_id
        header = (REQUEST_ID_HEADER, request_id.encode("ascii"))
        extra = self.extra_headers(scope) if self.extra_headers is not None else ()
        status = 500  # what the server answers if the application sends nothing
        answered = False

        async def send_with_id(message: Message) -> None:
            nonlocal status, answered
            if message["type"] == "http.response.start":
                status = message["status"]
                # A new list: the response object may still own the one in the message.
                headers = message.get("headers", ())
                if extra:
                    present = {name for name, _ in headers}
                    message["headers"] = [*headers, *(line for line in extra if line[0] not in present), header]
                else:
                    message["headers"] = [*headers, header]
            elif message["type"] == "http.response.body" and not message.get("more_body", False):
                answered = True
            await send(message)

        token = request_id_var.set(request_id)
        try:
            await self.app(scope, receive, send_with_id)
        except Exception:
            if not answered:
                log.exception("%s %s failed", scope["method"], scope["path"])
                raise
            # Starlette's error middleware has answered with our 500 page or problem, whose
            # handler logged the traceback (under this id, see server.logs), and re-raises only
            # for the server to log: it would log it again, without the id, and drop the
            # kept-alive connection.
        finally:
            request_id_var.reset(token)
            if log.isEnabledFor(logging.INFO):
                _log_request(scope, state, request_id, status, (perf_counter() - started) * 1000)


def _log_request(scope: Scope, state: dict, request_id: str, status: int, duration_ms: float) -> None:
    person = state.get("person")
    user = getattr(person, "username", None) or "-"
    # The raw path keeps its percent-escapes: a decoded one could break the line apart.
    raw = scope.get("raw_path")
    path = raw.decode("latin-1") if raw else scope["path"]
    method = scope["method"]
    duration_ms = round(duration_ms, 1)
    log.info(
        "%s %s %d %.1fms %s", method, path, status, duration_ms, user,
        extra={
            "request_id": request_id, "method": method, "path": path, "status": status,
            "duration_ms": duration_ms, "user": user,
        },
    )
