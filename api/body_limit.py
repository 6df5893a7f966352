"""`BodySizeLimit`, the ASGI middleware that refuses a request body, or a query string, over
a byte limit, or a body that does not arrive in time."""

from __future__ import annotations

import asyncio

from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.http_errors import json_error

__all__ = ["BodySizeLimit"]


class _BodyTooLarge(Exception):
    pass


class _BodyTooSlow(Exception):
    pass


class BodySizeLimit:
    """ASGI middleware: 413 for a request body over `max_bytes`, 414 for a query string over
    it (a GET carries its operation there, so the same bound applies).

    Checks `Content-Length` up front, and counts the bytes actually received, so a chunked
    body (no length) or one longer than it claims is cut off too.

    With `timeout` (seconds), the whole body must have arrived that long after the request
    did: a client that trickles its body is answered 408 and its connection closed, so it
    cannot hold a connection slot for as long as it likes.
    """

    def __init__(self, app: ASGIApp, max_bytes: int, timeout: float | None = None) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.timeout = timeout

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
        names = {name for name, _ in scope.get("headers", [])}
        if b"content-length" in names and b"transfer-encoding" in names:
            # Read one way by this server and another by a proxy, such a request can hide a
            # second one in its body (request smuggling): refused, and the connection closed
            # (RFC 9112, 6.1).
            message = "Content-Length and Transfer-Encoding must not be sent together"
            await json_error(400, message, {"Connection": "close"})(scope, receive, send)
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
        body_done = False
        deadline = (
            None if self.timeout is None else asyncio.get_running_loop().time() + self.timeout
        )

        async def counting_receive() -> Message:
            nonlocal received, body_done
            if deadline is None or body_done:  # after the body: waiting for a disconnect
                message = await receive()
            else:
                try:
                    async with asyncio.timeout_at(deadline):
                        message = await receive()
                except TimeoutError:
                    raise _BodyTooSlow from None
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise _BodyTooLarge
                body_done = not message.get("more_body", False)
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
        except _BodyTooSlow:
            if started:
                raise
            message = f"request body not received within {self.timeout:g} seconds"
            await json_error(408, message, headers={"Connection": "close"})(scope, receive, send)

    def _too_large(self) -> Response:
        return json_error(413, f"request body larger than {self.max_bytes} bytes")
