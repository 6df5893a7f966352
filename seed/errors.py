"""Exceptions of the seed package.

```
SeedError                 anything the loader reports as a failure of its input
├── InputError            a whole file is unusable: unreadable, too large, not UTF-8, bad
│                         JSON or CSV, no table header, unknown or missing columns
├── RowError              one row (or record) is rejected: names file, line, field, value
└── ValidationFailed      some rows were rejected and skip-invalid is off: nothing written
```

Messages name the file by its base name only, the line, the field, the bad value and the
reason: `listing.csv:41: portfolio 'Energie': unknown portfolio; known: ...`. A value or
field longer than `SHOWN_CHARS` is cut and marked with its full length, and control
characters are shown escaped, so that one message is always one short line.
"""

from __future__ import annotations

from pathlib import Path

__all__ = [
    "SHOWN_CHARS",
    "InputError",
    "RowError",
    "SeedError",
    "ValidationFailed",
    "file_name",
    "shorten",
]

# The most characters of an input value a message repeats.
SHOWN_CHARS = 80
# The longest message about a whole file (it can quote a header or a key).
_MESSAGE_CHARS = 500


def file_name(path: str | Path) -> str:
    """The base name of `path`: reports never show directories."""
    return Path(path).name


def shorten(text: str, limit: int = SHOWN_CHARS) -> str:
    """`text` cut to `limit` characters, with its full length noted when it was cut."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… ({len(text)} characters)"


def _printable(text: str) -> str:
    # repr escapes control, format and separator characters; its quotes are dropped.
    return text if text.isprintable() else repr(text)[1:-1]


class SeedError(Exception):
    """Base of every error the seed package raises on purpose."""


class InputError(SeedError):
    """A whole input file cannot be used; nothing is written."""

    def __init__(self, file: str, line: int | None, message: str) -> None:
        self.file = file
        self.line = line
        self.message = _printable(shorten(message, _MESSAGE_CHARS))
        where = file if line is None else f"{file}:{line}"
        super().__init__(f"{where}: {self.message}")


class RowError(SeedError):
    """One row is rejected. `value` is the offending text as found in the input, shortened."""

    def __init__(self, file: str, line: int, field: str, value: str, reason: str) -> None:
        self.file = file
        self.line = line
        self.field = _printable(shorten(field))
        self.value = shorten(value)
        self.reason = reason
        super().__init__(f"{file}:{line}: {self.field} {self.value!r}: {reason}")


class ValidationFailed(SeedError):
    """Raised by the loader when rows were rejected and skip-invalid is off."""

    def __init__(self, errors: list[RowError]) -> None:
        self.errors = errors
        first = f": {errors[0]}" if errors else ""
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        super().__init__(f"{len(errors)} row(s) rejected, nothing written{first}{more}")
