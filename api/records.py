"""The record of the request being served: what the request log line and the metrics
need to know that only the inner layers learn (the operation's name and type, its cost,
its error codes). `api.observe` creates one per request and reads it when the response is
done; the view, the schema extension and the JSON errors fill it in. No imports from the
rest of `api`, so that any of them can use it.
"""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass, field

__all__ = ["CURRENT_RECORD", "RequestRecord", "current", "note_cache_hit", "note_error_code"]


@dataclass
class RequestRecord:
    request_id: str
    operation: str | None = None
    operation_type: str | None = None
    cost: int | None = None
    error_codes: list[str] = field(default_factory=list)
    graphql: bool = False


CURRENT_RECORD: ContextVar[RequestRecord | None] = ContextVar("ecei_request_record", default=None)


def current() -> RequestRecord | None:
    """The record of the request being served, if any."""
    return CURRENT_RECORD.get()


def note_cache_hit(operation_name: str | None, cost: int | None = None) -> None:
    """Record a query answered from the response cache: it counts as a request like any
    other, under its operation's name, with the cost of the answer stored (which had no
    errors)."""
    record = CURRENT_RECORD.get()
    if record is None:
        return
    record.graphql = True
    record.operation = operation_name
    record.operation_type = "query"
    record.cost = cost


def note_error_code(code: str) -> None:
    """Record the code of an error answered by HTTP status alone (401, 400, 413, …), which
    no GraphQL result carries."""
    record = CURRENT_RECORD.get()
    if record is not None and code not in record.error_codes:
        record.error_codes = sorted({*record.error_codes, code})
