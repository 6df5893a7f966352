"""Error masking: internal errors hidden from clients and logged with their detail.

Validation errors (unknown field, wrong argument type) are not masked: they are the
client's to read. With `hide_suggestions` their "Did you mean ...?" hints are removed, so
the schema cannot be guessed through them. Codes: `schema.errors`.

An error of one of the `outages` classes (given by the runtime: the driver's "server
cannot be reached" errors) is an outage, not a bug: it becomes SERVICE_UNAVAILABLE, which
the HTTP layer answers with 503 and `Retry-After`, and it is logged as one line per kind of
error at most every `OUTAGE_LOG_INTERVAL` seconds, with the number of lines left out, so
that an outage under load does not flood the log with tracebacks.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable

from graphql import GraphQLError
from strawberry.extensions import MaskErrors

from schema.errors import (
    INTERNAL_SERVER_ERROR,
    INTERNAL_SERVER_ERROR_MESSAGE,
    SERVICE_UNAVAILABLE,
    SERVICE_UNAVAILABLE_MESSAGE,
)

__all__ = ["OUTAGE_LOG_INTERVAL", "MaskInternalErrors", "RateLimitedLog", "is_internal"]

OUTAGE_LOG_INTERVAL = 10.0

logger = logging.getLogger("schema.errors")

_SUGGESTION = re.compile(r"\s*Did you mean [^?]*\?")


def is_internal(error: GraphQLError) -> bool:
    """True for an error raised while executing that is not a GraphQL or public error."""
    original = error.original_error
    return (
        error.path is not None and original is not None and not isinstance(original, GraphQLError)
    )


class RateLimitedLog:
    """At most one line per key every `interval` seconds; the next line says how many were
    left out meanwhile."""

    def __init__(
        self,
        log: logging.Logger,
        interval: float = OUTAGE_LOG_INTERVAL,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.log, self.interval, self.clock = log, interval, clock
        self._last: dict[str, float] = {}
        self._suppressed: dict[str, int] = {}
        self._lock = threading.Lock()

    def warning(self, key: str, message: str) -> bool:
        """Log `message` unless `key` was logged less than `interval` ago; True if logged."""
        now = self.clock()
        with self._lock:
            last = self._last.get(key)
            if last is not None and now - last < self.interval:
                self._suppressed[key] = self._suppressed.get(key, 0) + 1
                return False
            self._last[key] = now
            suppressed = self._suppressed.pop(key, 0)
        more = f" ({suppressed} more since the last report)" if suppressed else ""
        self.log.warning("%s%s", message, more)
        return True


# One for the process: every request's masking extension reports outages through it.
outage_log = RateLimitedLog(logger)


class MaskInternalErrors(MaskErrors):
    def __init__(
        self,
        *,
        hide_suggestions: bool = False,
        outages: tuple[type[BaseException], ...] = (),
    ) -> None:
        super().__init__(should_mask_error=is_internal, error_message=INTERNAL_SERVER_ERROR_MESSAGE)
        self.hide_suggestions = hide_suggestions
        self.outages = outages

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        original = error.original_error
        if isinstance(original, self.outages):
            kind = type(original).__name__
            outage_log.warning(kind, f"database unavailable: {kind}: {str(original)[:200]}")
            return GraphQLError(
                message=SERVICE_UNAVAILABLE_MESSAGE,
                nodes=error.nodes,
                source=error.source,
                positions=error.positions,
                path=error.path,
                original_error=None,
                extensions={"code": SERVICE_UNAVAILABLE},
            )
        logger.error(
            "internal error at %s: %r",
            ".".join(str(p) for p in error.path or ()),
            original,
            exc_info=(type(original), original, original.__traceback__) if original else None,
        )
        return GraphQLError(
            message=self.error_message,
            nodes=error.nodes,
            source=error.source,
            positions=error.positions,
            path=error.path,
            original_error=None,
            extensions={"code": INTERNAL_SERVER_ERROR},
        )

    def _process_errors(self, errors: list[GraphQLError]) -> list[GraphQLError]:
        processed = super()._process_errors(errors)
        if self.hide_suggestions:
            for error in processed:
                error.message = _SUGGESTION.sub("", error.message)
        return processed
