"""The life of one server process as requests see it: how many are in flight, and whether
the process is draining (shutting down).

`DrainGate`, an ASGI middleware, counts the requests in flight and, once the process
drains, answers `/readyz` with 503 before the app is asked, so that a load balancer stops
sending new requests while the ones in flight finish (`api.server` sets the flag on
SIGTERM and waits for the count to reach zero). Every response sent while the process
drains carries `Connection: close`, so a client does not send its next request on a
connection the server is about to close (that request would be reset, not answered): it
opens a new one, which the proxy gives to another replica.
"""

from __future__ import annotations

from dataclasses import dataclass

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["PROCESS", "DrainGate", "Lifecycle"]


@dataclass
class Lifecycle:
    draining: bool = False
    in_flight: int = 0


# The one per process: the server's signal handler and the app's middleware share it.
PROCESS = Lifecycle()


class DrainGate:
    """Counts HTTP requests in flight; `/readyz` gets 503 while the process drains."""

    def __init__(self, app: ASGIApp, lifecycle: Lifecycle = PROCESS) -> None:
        self.app = app
        self.lifecycle = lifecycle

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if self.lifecycle.draining and scope["path"] == "/readyz":
            response = JSONResponse(
                {"status": "unavailable", "reason": "the server is shutting down"},
                status_code=503,
                headers={"Connection": "close"},
            )
            await response(scope, receive, send)
            return
        lifecycle = self.lifecycle

        async def send_closing_when_draining(message: Message) -> None:
            if message["type"] == "http.response.start" and lifecycle.draining:
                headers = [(k, v) for k, v in message.get("headers", []) if k != b"connection"]
                message = {**message, "headers": [*headers, (b"connection", b"close")]}
            await send(message)

        lifecycle.in_flight += 1
        try:
            await self.app(scope, receive, send_closing_when_draining)
        finally:
            lifecycle.in_flight -= 1
