"""OpenTelemetry spans for a request, its GraphQL operation and its database commands.

Off unless `OTEL_EXPORTER_OTLP_ENDPOINT` (or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`) is set:
then the optional extra `tracing` must be installed (`pip install 'ecei-api[tracing]'`),
spans are exported over OTLP/HTTP in batches, and the service is named by
`OTEL_SERVICE_NAME` (default `ecei-api`). Otherwise nothing from OpenTelemetry is imported
and each request pays one `is None` test. The imports below are inside `start` for that
reason: the packages are optional.

A `traceparent` header of the request is honoured, so the spans join the caller's trace.
Database spans come from a command listener (`api.database`), which only a real server
emits; the embedded store has none.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Mapping
from typing import Any

__all__ = [
    "TracingError",
    "check",
    "client_kind",
    "configured",
    "extract_context",
    "server_kind",
    "start",
    "stop",
    "tracer",
]

_tracer: Any = None
_MISSING = (
    "OTEL_EXPORTER_OTLP_ENDPOINT is set but OpenTelemetry is not installed: "
    "install the extra, pip install 'ecei-api[tracing]'"
)


class TracingError(RuntimeError):
    """Tracing is configured but the `tracing` extra is not installed."""


def configured(environ: Mapping[str, str]) -> bool:
    return bool(
        environ.get("OTEL_EXPORTER_OTLP_ENDPOINT", "").strip()
        or environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "").strip()
    )


def check(environ: Mapping[str, str]) -> None:
    """Raise `TracingError` when `environ` configures tracing but the extra is missing;
    imports nothing."""
    if configured(environ) and not _installed("opentelemetry.sdk"):
        raise TracingError(_MISSING)


def _installed(module: str) -> bool:
    # `find_spec` of a submodule imports its parent package, and raises when that is missing.
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:
        return False


def tracer() -> Any:
    """The process's tracer, or None when tracing is off."""
    return _tracer


def start(environ: Mapping[str, str], exporter: Any = None) -> Any:
    """Start tracing when `environ` configures it (or an `exporter` is given, as tests do);
    returns the tracer, or None when tracing stays off."""
    global _tracer
    if exporter is None and (_tracer is not None or not configured(environ)):
        return _tracer
    try:
        from opentelemetry.sdk.resources import Resource
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor
    except ImportError as exc:
        raise TracingError(_MISSING) from exc
    name = environ.get("OTEL_SERVICE_NAME", "").strip() or "ecei-api"
    provider = TracerProvider(resource=Resource.create({"service.name": name}))
    if exporter is None:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    else:
        provider.add_span_processor(SimpleSpanProcessor(exporter))
    _tracer = provider.get_tracer("ecei-api")
    return _tracer


def stop() -> None:
    """Forget the process's tracer (tests)."""
    global _tracer
    _tracer = None


def client_kind() -> Any:
    """The span kind of a database command's span."""
    from opentelemetry.trace import SpanKind

    return SpanKind.CLIENT


def server_kind() -> Any:
    """The span kind of a request's span."""
    from opentelemetry.trace import SpanKind

    return SpanKind.SERVER


def extract_context(headers: list[tuple[bytes, bytes]]) -> Any:
    """The trace context of a request's `traceparent`/`tracestate` headers."""
    from opentelemetry.propagate import extract

    carrier = {
        name.decode("latin-1"): value.decode("latin-1")
        for name, value in headers
        if name in (b"traceparent", b"tracestate")
    }
    return extract(carrier)
