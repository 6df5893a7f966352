"""Prometheus metrics, and the `/metrics` endpoint that serves them.

Served only when `ECEI_METRICS` is on; with `ECEI_METRICS_TOKEN` set (required in
production) a scraper must send `Authorization: Bearer <token>`, and the proxy of
docker-compose.yml refuses `/metrics` from outside, so Prometheus scrapes each replica on
the internal network.

With several workers (`ecei serve --workers N`) the metrics are kept in prometheus_client's
multiprocess mode: `api.server` points `PROMETHEUS_MULTIPROC_DIR` at a fresh directory
before the workers start, every worker writes its figures there, and whichever worker
answers a scrape reports the sum over all of them. The process figures (CPU, memory, open
files) are then not reported: prometheus_client has no multiprocess form of them.

Label values are bounded: an operation name is the client's choice, so at most
`MAX_OPERATION_NAMES` distinct names are kept per process and the rest count as `other`.
"""

from __future__ import annotations

import hmac
import os
import re
import threading
from collections.abc import Awaitable, Callable
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from starlette.requests import Request
from starlette.responses import Response

from api.http_errors import json_error

__all__ = [
    "DB_DURATION",
    "GRAPHQL_COST",
    "GRAPHQL_DURATION",
    "GRAPHQL_ERRORS",
    "GRAPHQL_REQUESTS",
    "HTTP_DURATION",
    "MAX_OPERATION_NAMES",
    "PERSISTED_QUERIES",
    "metrics_endpoint",
    "operation_label",
    "route_label",
]

MAX_OPERATION_NAMES = 200
_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

HTTP_DURATION = Histogram(
    "ecei_http_request_duration_seconds",
    "Time from a request's arrival to the end of its response, by route and status.",
    ["route", "status"],
    buckets=_LATENCY_BUCKETS,
)
GRAPHQL_REQUESTS = Counter(
    "ecei_graphql_requests",
    "GraphQL operations by name and outcome (ok, error: the response carries errors).",
    ["operation", "outcome"],
)
GRAPHQL_DURATION = Histogram(
    "ecei_graphql_request_duration_seconds",
    "Duration of GraphQL requests by operation name.",
    ["operation"],
    buckets=_LATENCY_BUCKETS,
)
GRAPHQL_COST = Histogram(
    "ecei_graphql_cost",
    "Requested-nodes cost of the operations that were costed.",
    buckets=(1, 5, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000),
)
GRAPHQL_ERRORS = Counter(
    "ecei_graphql_errors",
    "Errors returned to clients, by their extensions.code.",
    ["code"],
)
PERSISTED_QUERIES = Counter(
    "ecei_persisted_queries",
    "Persisted-query lookups: hit (hash known), miss (hash unknown), registered.",
    ["outcome"],
)
DB_DURATION = Histogram(
    "ecei_db_operation_duration_seconds",
    "Duration of MongoDB commands (real servers only), by command and outcome.",
    ["command", "outcome"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0),
)

_ROUTES = {"/graphql": "graphql", "/healthz": "healthz", "/readyz": "readyz", "/metrics": "metrics"}
_NAME = re.compile(r"[_A-Za-z][_0-9A-Za-z]{0,99}")
_known_names: set[str] = set()
_names_lock = threading.Lock()


def route_label(path: str) -> str:
    """A bounded label for a request path."""
    return _ROUTES.get(path, "other")


def operation_label(name: str | None) -> str:
    """`name` as a label value: `anonymous`, the name, or `other` once
    `MAX_OPERATION_NAMES` names have been seen."""
    if not name:
        return "anonymous"
    if not _NAME.fullmatch(name):
        return "other"
    if name in _known_names:
        return name
    with _names_lock:
        if len(_known_names) >= MAX_OPERATION_NAMES:
            return "other"
        _known_names.add(name)
    return name


def _registry() -> Any:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return registry
    return REGISTRY


def metrics_endpoint(token: str | None) -> Callable[[Request], Awaitable[Response]]:
    """The `/metrics` route: the text exposition format, behind a bearer token if one is set."""
    expected = f"Bearer {token}".encode()

    async def endpoint(request: Request) -> Response:
        if token is not None:
            sent = request.headers.get("authorization", "").encode("latin-1")
            if not hmac.compare_digest(sent, expected):
                return json_error(
                    401, "metrics need a bearer token", headers={"WWW-Authenticate": "Bearer"}
                )
        return Response(generate_latest(_registry()), media_type=CONTENT_TYPE_LATEST)

    return endpoint
