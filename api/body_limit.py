"""`BodySizeLimit`, the ASGI middleware that refuses a request body, or a query string, over
a byte limit."""

from __future__ import annotations

from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.http_errors import json_error

__all__ = ["BodySizeLimit"]


class _BodyTooLarge(Exception):
    pass


class BodySizeLimit:
    """ASGI middleware: 413 for a request body over `max_bytes`, 414 for a query string over
    it (a GET carries its operation there, so the same bound applies).

    Checks `Content-Length` up front, and counts the bytes actually received, so a chunked
    body (no length) or one longer than it claims is cut off too.
    """

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if len(scope.get("query_string", b"")) > self.max_bytes:
            message = (
                f"query string longer than {self.max_bytes} bytes; send the operation with POST"
            )
            await json_error(414, message)(scope, receive, send)
            return
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                try:
                    length = int(value)
                except ValueError:
                    await json_error(400, "invalid Content-Length header")(scope, receive, send)
                    return
                if length > self.max_bytes:
                    await self._too_large()(scope, receive, send)
                    return
        received = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise _BodyTooLarge
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except _BodyTooLarge:
            if started:
                raise
            await self._too_large()(scope, receive, send)

    def _too_large(self) -> Response:
        return json_error(413, f"request body larger than {self.max_bytes} bytes")
