"""Refuse an oversized request body before reading it.

Browsers send a Content-Length with every form post; when it is over the limit we answer 413
at once — through the app's own error handler, so the API gets application/problem+json and a
page gets the error page in the reader's language. (A body without Content-Length, streamed
in chunks, is cut off by the routers' ``max_body_size`` as it arrives.)"""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send


class ContentLengthLimit:
    def __init__(self, app: ASGIApp, max_bytes: int):
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and self._too_large(scope):
            request = Request(scope, receive)
            handler = scope["app"].exception_handlers[HTTPException]
            response = await handler(request, HTTPException(413))
            # The client may still be sending; tell it not to reuse this connection.
            response.headers["Connection"] = "close"
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)

    def _too_large(self, scope: Scope) -> bool:
        for name, value in scope.get("headers", ()):
            if name == b"content-length":
                try:
                    return int(value) > self.max_bytes
                except ValueError:
                    return False
        return False
