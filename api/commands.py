"""`CommandTimer`, the PyMongo command listener that times every database command.

Each command's duration goes to the histogram `ecei_db_operation_duration_seconds`, and,
when tracing is on, becomes a span under the request's (Motor runs PyMongo in threads but
copies the request's context into them, so the span finds its parent).

Only a real server emits command events: mongomock, the embedded store, runs no commands,
so it has no database metrics or spans (its reads are in-process calls, timed as part of
the request).
"""

from __future__ import annotations

import threading
from typing import Any

from pymongo import monitoring

from api import metrics, tracing

__all__ = ["CommandTimer"]

# The commands this API sends; anything else (driver housekeeping) counts as `other`.
_COMMANDS = frozenset(
    {"find", "aggregate", "count", "countDocuments", "distinct", "getMore", "insert",
     "update", "delete", "findAndModify", "createIndexes", "listIndexes", "ping",
     "killCursors", "endSessions"}
)  # fmt: skip


def _command_label(name: str) -> str:
    return name if name in _COMMANDS else "other"


class CommandTimer(monitoring.CommandListener):
    def __init__(self) -> None:
        self._spans: dict[tuple[Any, int], Any] = {}
        self._lock = threading.Lock()

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        tracer = tracing.tracer()
        if tracer is None:
            return
        span = tracer.start_span(f"mongodb.{event.command_name}", kind=tracing.client_kind())
        span.set_attribute("db.system", "mongodb")
        span.set_attribute("db.operation.name", event.command_name)
        span.set_attribute("db.namespace", event.database_name)
        with self._lock:
            self._spans[(event.connection_id, event.request_id)] = span

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        self._finish(event, "ok")

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        self._finish(event, "error")

    def _finish(
        self, event: monitoring.CommandSucceededEvent | monitoring.CommandFailedEvent, outcome: str
    ) -> None:
        seconds = event.duration_micros / 1_000_000
        metrics.DB_DURATION.labels(_command_label(event.command_name), outcome).observe(seconds)
        if not self._spans:
            return
        with self._lock:
            span = self._spans.pop((event.connection_id, event.request_id), None)
        if span is not None:
            if outcome == "error":
                span.set_attribute("error.type", "command_failed")
            span.end()
