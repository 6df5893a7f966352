"""Tracing: off (and not even imported) unless configured; when on, spans for the request,
the GraphQL operation and database commands, joined to the caller's trace."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any, cast

import pytest
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from prometheus_client import REGISTRY

from api import tracing
from api.commands import CommandTimer
from api.settings import Settings
from tests.support import serve

TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
TRACEPARENT = f"00-{TRACE_ID}-00f067aa0ba902b7-01"


@pytest.fixture
def exporter() -> Iterator[InMemorySpanExporter]:
    spans = InMemorySpanExporter()
    tracing.start({}, exporter=spans)
    yield spans
    tracing.stop()


def test_tracing_is_off_and_opentelemetry_not_imported_by_default() -> None:
    script = textwrap.dedent(
        """
        import asyncio, os, sys
        import httpx
        for name in list(os.environ):
            if name.startswith(("OTEL_", "ECEI_", "MONGODB")):
                del os.environ[name]
        from api.server import create_app_from_env
        from api import tracing

        async def main():
            app = create_app_from_env()
            inner = app.app
            async with inner.router.lifespan_context(inner):
                transport = httpx.ASGITransport(app=app)
                async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
                    r = await c.post("/graphql", json={"query": "{ portfolios { slug } }"})
                    assert r.status_code == 200, r.text

        asyncio.run(main())
        print(tracing.tracer() is None, any(m.startswith("opentelemetry") for m in sys.modules))
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=True
    )
    assert result.stdout.split() == ["True", "False"]


def _missing_parent(name: str) -> None:
    # What `find_spec("opentelemetry.sdk")` does when `opentelemetry` itself is missing.
    raise ModuleNotFoundError(f"No module named {name.split('.')[0]!r}")


@pytest.mark.parametrize(
    "find_spec",
    [lambda name: None, _missing_parent],
    ids=["sdk-missing", "package-missing"],
)
def test_tracing_needs_the_extra_when_configured(
    monkeypatch: pytest.MonkeyPatch, find_spec: Any
) -> None:
    monkeypatch.setattr(importlib.util, "find_spec", find_spec)
    with pytest.raises(tracing.TracingError, match="ecei-api\\[tracing\\]"):
        tracing.check({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4318"})
    tracing.check({})  # not configured: nothing to check


@pytest.mark.anyio
async def test_a_request_and_its_operation_are_spans_of_the_callers_trace(
    exporter: InMemorySpanExporter,
) -> None:
    async with serve(Settings()) as api:
        await api.http.post(
            "/graphql",
            json={"query": "query Traced { portfolios { slug } }"},
            headers={"traceparent": TRACEPARENT},
        )
    spans = {span.name: span for span in exporter.get_finished_spans()}
    request = spans["POST graphql"]
    operation = spans["graphql.operation"]
    assert format(request.context.trace_id, "032x") == TRACE_ID
    assert operation.parent is not None
    assert operation.parent.span_id == request.context.span_id
    assert operation.attributes is not None
    assert operation.attributes["graphql.operation.name"] == "Traced"
    assert request.attributes is not None
    assert request.attributes["http.response.status_code"] == 200


def test_database_commands_are_spans_and_timed(exporter: InMemorySpanExporter) -> None:
    timer = CommandTimer()
    labels = {"command": "find", "outcome": "ok"}
    before = REGISTRY.get_sample_value("ecei_db_operation_duration_seconds_count", labels) or 0
    common: dict[str, Any] = {
        "command_name": "find",
        "connection_id": ("db", 27017),
        "request_id": 7,
        "database_name": "ecei",
    }
    timer.started(cast(Any, SimpleNamespace(**common)))
    timer.succeeded(cast(Any, SimpleNamespace(**common, duration_micros=1500)))
    (span,) = exporter.get_finished_spans()
    assert span.name == "mongodb.find"
    assert span.attributes is not None
    assert span.attributes["db.system"] == "mongodb"
    after = REGISTRY.get_sample_value("ecei_db_operation_duration_seconds_count", labels)
    assert after == before + 1
