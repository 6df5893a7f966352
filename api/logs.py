"""Log lines: one JSON object a line for machines, or a short readable line on a terminal.

`log_config` is the `logging.config.dictConfig` that `ecei serve` hands to uvicorn (which
applies it in every worker): the app's loggers and uvicorn's own error log share one
format, and uvicorn's access log is off, since `api.observe` writes one line per request
(logger `api.access`) with what uvicorn cannot know (operation, cost, error codes).

A record's `extra={"fields": {...}}` is merged into the JSON object, or appended as
`key=value` pairs to the readable line.
"""

from __future__ import annotations

import logging
import sys
from datetime import UTC, datetime
from typing import Any

import orjson

__all__ = ["JsonFormatter", "TextFormatter", "choose_format", "log_config"]


def _fields(record: logging.LogRecord) -> dict[str, Any]:
    fields = getattr(record, "fields", None)
    return fields if isinstance(fields, dict) else {}


class JsonFormatter(logging.Formatter):
    """`{"time", "level", "logger", "message", ...fields}`, one line; a traceback goes in
    `exception` as one string."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update(_fields(record))
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return orjson.dumps(entry, default=str).decode()


class TextFormatter(logging.Formatter):
    """`HH:MM:SS level logger: message key=value ...`, for a person at a terminal."""

    def format(self, record: logging.LogRecord) -> str:
        stamp = datetime.fromtimestamp(record.created).strftime("%H:%M:%S")
        pairs = " ".join(f"{k}={v}" for k, v in _fields(record).items() if v not in (None, []))
        line = f"{stamp} {record.levelname.lower():<7} {record.name}: {record.getMessage()}"
        if pairs:
            line = f"{line} {pairs}"
        if record.exc_info:
            line = f"{line}\n{self.formatException(record.exc_info)}"
        return line


def choose_format(configured: str | None) -> str:
    """`configured` (`json` or `text`), or text when stderr is a terminal, else JSON."""
    if configured is not None:
        return configured
    return "text" if sys.stderr.isatty() else "json"


def log_config(log_format: str, level: str = "INFO") -> dict[str, Any]:
    """The logging configuration of a server process for `log_format` (`json`/`text`)."""
    formatter = JsonFormatter if log_format == "json" else TextFormatter
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"default": {"()": f"{formatter.__module__}.{formatter.__qualname__}"}},
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "formatter": "default",
                "stream": "ext://sys.stderr",
            }
        },
        "root": {"handlers": ["stderr"], "level": level},
        "loggers": {
            # uvicorn's loggers carry their own handlers by default: route them to ours.
            "uvicorn": {"handlers": [], "level": level, "propagate": True},
            "uvicorn.error": {"handlers": [], "level": level, "propagate": True},
            # One line per request is written by api.observe instead.
            "uvicorn.access": {"handlers": [], "level": "WARNING", "propagate": False},
        },
    }
