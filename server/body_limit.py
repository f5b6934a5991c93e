"""Refuse an oversized request body before reading it, and a JSON body past its own limit.

Browsers send a Content-Length with every form post; when it is over the limit we answer 413
at once — through the app's own error handler, so the API gets application/problem+json and a
page gets the error page in the reader's language. (A body without Content-Length, streamed
in chunks, is cut off by the routers' ``max_body_size`` as it arrives.)

JSON bodies are parsed whole, in memory and on the event loop, so they get a much smaller limit
(``LIANXIN_MAX_JSON_BYTES``): by Content-Length up front, and for a chunked body by counting
the bytes as they arrive (413 as soon as the count passes the limit)."""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class ContentLengthLimit:
    def __init__(self, app: ASGIApp, max_bytes: int, max_json_bytes: int | None = None):
        self.app = app
        self.max_bytes = max_bytes
        self.max_json_bytes = max_json_bytes if max_json_bytes is not None else max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length, is_json = _length_and_json(scope)
        limit = self.max_json_bytes if is_json else self.max_bytes
        if length is not None and length > limit:
            await self._refuse(scope, receive, send)
            return
        if is_json and length is None:
            receive = _counting(receive, limit)
        await self.app(scope, receive, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        handler = scope["app"].exception_handlers[HTTPException]
        response = await handler(request, HTTPException(413))
        # The client may still be sending; tell it not to reuse this connection.
        response.headers["Connection"] = "close"
        await response(scope, receive, send)


def _length_and_json(scope: Scope) -> tuple[int | None, bool]:
    length, is_json = None, False
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                length = int(value)
            except ValueError:
                length = None
        elif name == b"content-type":
            # application/json, application/problem+json, application/merge-patch+json ...
            is_json = b"json" in value.split(b";", 1)[0].lower()
    return length, is_json


def _counting(receive: Receive, limit: int) -> Receive:
    seen = 0

    async def counted() -> Message:
        nonlocal seen
        message = await receive()
        if message["type"] == "http.request":
            seen += len(message.get("body", b""))
            if seen > limit:
                raise HTTPException(413)
        return message

    return counted
