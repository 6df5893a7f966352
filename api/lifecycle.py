"""The life of one server process as requests see it: how many are in flight, and whether
the process is draining (shutting down).

`DrainGate`, an ASGI middleware, counts the requests in flight and, once the process
drains, answers `/readyz` with 503 before the app is asked, so that a load balancer stops
sending new requests while the ones in flight finish (`api.server` sets the flag on
SIGTERM and waits for the count to reach zero).
"""

from __future__ import annotations

from dataclasses import dataclass

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

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
        self.lifecycle.in_flight += 1
        try:
            await self.app(scope, receive, send)
        finally:
            self.lifecycle.in_flight -= 1
