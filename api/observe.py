"""What each request leaves behind: a request id, one log line, metrics, and a trace span.

`RequestObserver`, a pure ASGI middleware (the outermost), gives every HTTP request an id
(the client's `X-Request-ID` when it is a sane value, else a fresh one, returned in the
response's `X-Request-ID`), times it, and when the response is done writes one line to the
logger `api.access` and the metrics of `api.metrics`. What only GraphQL knows is filled
into the request's `RequestRecord` on the way: the operation's name and type by the schema
extension `OperationRecorder`, its cost and error codes by the view (`note_result`).

The log line holds no query text and no variables: they may carry personal data, and the
operation name says what was asked. A client key id is logged when the authentication
layer put one in `request.state.key_id`.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Iterator
from typing import Any

from graphql import GraphQLError
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from strawberry.extensions import SchemaExtension
from strawberry.types import ExecutionResult

from api import metrics, tracing
from api.records import CURRENT_RECORD, RequestRecord, current

__all__ = ["OperationRecorder", "RequestObserver", "RequestRecord", "current", "note_result"]

logger = logging.getLogger("api.access")

# Letters, digits and - _ . : only, at most 128 characters: safe to log and to echo.
_SANE_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")


def note_result(result: ExecutionResult) -> None:
    """Record a GraphQL result's cost and error codes (the view calls this once the errors
    carry their public codes)."""
    record = CURRENT_RECORD.get()
    if record is None:
        return
    record.graphql = True
    cost = (result.extensions or {}).get("cost")
    if isinstance(cost, dict) and isinstance(cost.get("requestedNodes"), int):
        record.cost = cost["requestedNodes"]
    errors: list[GraphQLError] = list(result.errors or [])
    record.error_codes = sorted({str((e.extensions or {}).get("code", "UNKNOWN")) for e in errors})


class OperationRecorder(SchemaExtension):
    """Notes the operation's name and type in the request's record, and wraps the operation
    in a span when tracing is on."""

    def on_operation(self) -> Iterator[None]:
        tracer = tracing.tracer()
        if tracer is None:
            yield
        else:
            with tracer.start_as_current_span("graphql.operation") as span:
                yield
                self._note()
                name = self.execution_context.operation_name
                span.set_attribute("graphql.operation.name", name or "")
                if self.execution_context.graphql_document is not None:
                    span.set_attribute(
                        "graphql.operation.type", self.execution_context.operation_type.value
                    )
            return
        self._note()

    def _note(self) -> None:
        record = CURRENT_RECORD.get()
        if record is None:
            return
        record.graphql = True
        context = self.execution_context
        record.operation = context.operation_name
        if context.graphql_document is not None:
            try:
                record.operation_type = context.operation_type.value
            except RuntimeError:  # no operation of that name in the document
                record.operation_type = None


def _request_id(scope: Scope) -> str:
    for name, value in scope.get("headers", []):
        if name == b"x-request-id":
            candidate: str = value.decode("latin-1")
            if _SANE_ID.fullmatch(candidate):
                return candidate
            break
    return uuid.uuid4().hex


# The status logged for a request that got no response: the client went away before the
# answer (the app returns without one, `api.http_errors` letting the disconnect pass), as
# nginx logs it. A request whose app raised is logged 500.
CLIENT_CLOSED = 499


class RequestObserver:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        record = RequestRecord(_request_id(scope))
        state: dict[str, Any] = scope.setdefault("state", {})
        state["request_id"] = record.request_id
        header = (b"x-request-id", record.request_id.encode("latin-1"))
        status = 500
        responded = False

        async def send_with_id(message: Message) -> None:
            nonlocal status, responded
            if message["type"] == "http.response.start":
                status, responded = message["status"], True
                message = {**message, "headers": [*message.get("headers", []), header]}
            await send(message)

        token = CURRENT_RECORD.set(record)
        tracer = tracing.tracer()
        answered = False
        try:
            if tracer is None:
                await self.app(scope, receive, send_with_id)
            else:
                await self._traced(tracer, scope, receive, send_with_id, lambda: status)
            answered = True
        finally:
            CURRENT_RECORD.reset(token)
            if answered and not responded:
                status = CLIENT_CLOSED
            self._finish(scope, record, status, time.perf_counter() - started)

    async def _traced(
        self, tracer: Any, scope: Scope, receive: Receive, send: Send, status: Any
    ) -> None:
        name = f"{scope['method']} {metrics.route_label(scope['path'])}"
        context = tracing.extract_context(scope.get("headers", []))
        with tracer.start_as_current_span(
            name, context=context, kind=tracing.server_kind()
        ) as span:
            span.set_attribute("http.request.method", scope["method"])
            span.set_attribute("url.path", scope["path"])
            try:
                await self.app(scope, receive, send)
            finally:
                span.set_attribute("http.response.status_code", status())

    def _finish(self, scope: Scope, record: RequestRecord, status: int, seconds: float) -> None:
        route = metrics.route_label(scope["path"])
        metrics.HTTP_DURATION.labels(route, str(status)).observe(seconds)
        key_id = scope.get("state", {}).get("key_id")
        if record.graphql or route == "graphql":
            operation = metrics.operation_label(record.operation)
            outcome = "error" if record.error_codes or status >= 400 else "ok"
            metrics.GRAPHQL_REQUESTS.labels(operation, outcome).inc()
            metrics.GRAPHQL_DURATION.labels(operation).observe(seconds)
            if record.cost is not None:
                metrics.GRAPHQL_COST.observe(record.cost)
            for code in record.error_codes:
                metrics.GRAPHQL_ERRORS.labels(code).inc()
        if route in ("healthz", "readyz", "metrics") and status < 400:
            return  # probes and scrapes every few seconds would drown the log
        fields = {
            "request_id": record.request_id,
            "method": scope["method"],
            "path": scope["path"],
            "status": status,
            "duration_ms": round(seconds * 1000, 2),
            "operation": record.operation,
            "operation_type": record.operation_type,
            "cost": record.cost,
            "error_codes": record.error_codes,
            "key_id": key_id,
        }
        logger.info("%s %s %d", scope["method"], scope["path"], status, extra={"fields": fields})
