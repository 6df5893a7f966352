"""Reading input files: UTF-8 lines streamed with their numbers, and JSON arrays with each
item's line.

Every input file is refused before it is read when it is larger than `MAX_INPUT_BYTES`: the
loader validates everything before it writes, so it holds every row of a load in memory,
and a JSON file is parsed whole. Text is decoded as UTF-8 (a leading byte order mark
dropped); LF, CRLF and CR all end a line.

JSON objects may not repeat a key, at any depth: the standard parser would keep the last
value silently. Nesting too deep for the parser is refused as a whole-file error.

Every failure to read a whole file is an `InputError` naming the file (base name) and, where
known, the line.
"""

from __future__ import annotations

import json
import math
import re
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from seed.errors import InputError, RowError, file_name

__all__ = ["MAX_INPUT_BYTES", "check_size", "json_items", "read_lines", "read_text"]

# 50 MiB: about 600,000 CSV rows; larger loads are split into several files.
MAX_INPUT_BYTES = 50 * 1024 * 1024
_BLANK = " \t\n\r"


def check_size(path: Path) -> None:
    """Raise `InputError` when `path` cannot be read, is not a regular file (a directory, a
    pipe or a device, which could block or never end) or is over `MAX_INPUT_BYTES`."""
    try:
        status = path.stat()
    except OSError as exc:
        raise InputError(
            file_name(path), None, f"cannot read the file: {exc.strerror or exc}"
        ) from None
    if not stat.S_ISREG(status.st_mode):
        raise InputError(file_name(path), None, "not a regular file")
    if status.st_size > MAX_INPUT_BYTES:
        raise InputError(file_name(path), None, _too_large(status.st_size))


def _too_large(size: int | None) -> str:
    has = "has grown" if size is None else f"has {size} bytes,"
    return (
        f"the file {has} over the limit of {MAX_INPUT_BYTES} bytes per input file; "
        "split it into several files"
    )


def _decode(data: bytes, name: str, line: int, *, first: bool) -> str:
    try:
        return data.decode("utf-8-sig" if first else "utf-8")
    except UnicodeDecodeError as exc:
        line += data[: exc.start].count(b"\n")
        byte = data[exc.start]
        raise InputError(
            name, line, f"not valid UTF-8 (byte 0x{byte:02x}); save the file as UTF-8"
        ) from None


def read_text(path: Path) -> str:
    """The whole file decoded as UTF-8, a leading byte order mark dropped, CRLF and CR
    turned into LF."""
    check_size(path)
    name = file_name(path)
    try:
        with path.open("rb") as stream:
            # Read one byte past the limit: the file may have grown since it was checked.
            data = stream.read(MAX_INPUT_BYTES + 1)
    except OSError as exc:
        raise InputError(name, None, f"cannot read the file: {exc.strerror or exc}") from None
    if len(data) > MAX_INPUT_BYTES:
        raise InputError(name, None, _too_large(None))
    text = _decode(data, name, 1, first=True)
    return text.replace("\r\n", "\n").replace("\r", "\n")


def read_lines(path: Path, *, keep_ends: bool = False) -> Iterator[tuple[int, str]]:
    """`(line number, text)` for every line, read one at a time, trailing whitespace removed
    (blank lines kept). With `keep_ends`, each text keeps its whitespace and ends with LF,
    as the `csv` module wants it."""
    check_size(path)
    name = file_name(path)
    number = size = 0
    try:
        with path.open("rb") as stream:
            for raw in stream:
                size += len(raw)
                if size > MAX_INPUT_BYTES:  # the file grew since it was checked
                    raise InputError(name, None, _too_large(None))
                text = _decode(raw, name, number + 1, first=number == 0)
                text = text[:-1] if text.endswith("\n") else text
                text = text[:-1] if text.endswith("\r") else text
                # A lone CR ends a line too, as in the whole-text reading.
                for part in text.split("\r"):
                    number += 1
                    yield number, part + "\n" if keep_ends else part.rstrip()
    except OSError as exc:
        raise InputError(name, None, f"cannot read the file: {exc.strerror or exc}") from None


class _OutOfRange(ValueError):
    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text


def _finite_float(text: str) -> float:
    """A JSON number with a fraction or an exponent, refused (`_OutOfRange`) when beyond
    a float's range: Python reads `1e400` as infinity, which messages then showed as
    'inf' instead of what the file says."""
    number = float(text)
    if not math.isfinite(number):
        raise _OutOfRange(text if len(text) <= 40 else text[:37] + "...")
    return number


class _NonFinite(float):
    """`NaN`, `Infinity` or `-Infinity` as the file writes them: a float, which the checks
    refuse as not finite, shown as written in their messages (Python shows `nan`)."""

    __slots__ = ("text",)
    text: str

    def __new__(cls, text: str) -> _NonFinite:
        number = super().__new__(cls, text.lower().replace("infinity", "inf"))
        number.text = text
        return number

    def __str__(self) -> str:
        return self.text

    __repr__ = __str__


class _Keys:
    """An `object_pairs_hook` that builds dicts and remembers repeated keys."""

    def __init__(self) -> None:
        self.repeated: list[tuple[str, Any]] = []

    def __call__(self, pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for key, value in pairs:
            if key in result:
                self.repeated.append((key, value))
            result[key] = value
        return result


def json_items(
    path: Path, key: str
) -> tuple[dict[str, Any], list[tuple[int, Any]], list[RowError]]:
    """The top-level JSON object of `path` without its array `key`, the array's items with
    the line where each starts, and the errors of the items that repeat a key.

    The file is walked with the standard decoder one top-level value and one array item at
    a time (the `json` module keeps no positions). Raises `InputError` when the file is not
    a JSON object with the array `key`, repeats a key outside the array or nests too deep.
    """
    name = file_name(path)
    text = read_text(path)
    keys = _Keys()
    decoder = json.JSONDecoder(
        object_pairs_hook=keys, parse_float=_finite_float, parse_constant=_NonFinite
    )
    line, counted = 1, 0

    def line_at(i: int) -> int:
        nonlocal line, counted
        line += text.count("\n", counted, i)
        counted = i
        return line

    def skip(i: int) -> int:
        while i < len(text) and text[i] in _BLANK:
            i += 1
        return i

    def expect(i: int, char: str, what: str) -> int:
        if i >= len(text) or text[i] != char:
            raise InputError(name, text.count("\n", 0, i) + 1, f"not valid JSON: expected {what}")
        return skip(i + 1)

    def value(i: int) -> tuple[Any, int]:
        try:
            return decoder.raw_decode(text, i)
        except json.JSONDecodeError as exc:
            raise InputError(name, exc.lineno, f"not valid JSON: {exc.msg}") from None
        except RecursionError:
            raise InputError(
                name, line_at(i), "JSON nested too deeply: an input needs a few levels only"
            ) from None
        except _OutOfRange as exc:
            raise InputError(
                name,
                line_at(i),
                f"not a usable JSON number: {exc.text} is beyond the range of a "
                "floating-point number; a value has a few digits",
            ) from None
        except ValueError as exc:  # an integer of more digits than Python converts
            digits = re.search(r"value has (\d+) digits", str(exc))
            size = f"an integer of {digits[1]} digits" if digits else "an integer too long"
            raise InputError(
                name, line_at(i), f"not a usable JSON number: {size}; a value has a few digits"
            ) from None

    def repeated(where: str) -> None:
        if keys.repeated:
            first = keys.repeated[0][0]
            raise InputError(name, line, f'the key "{first}" is given twice in one object{where}')

    document: dict[str, Any] = {}
    items: list[tuple[int, Any]] = []
    errors: list[RowError] = []
    found = False
    i = skip(0)
    if i >= len(text) or text[i] != "{":
        raise InputError(name, 1, f'expected a JSON object with a "{key}" array')
    i = skip(i + 1)
    while i < len(text) and text[i] != "}":
        if document or found:
            i = expect(i, ",", "',' or '}'")
        if i >= len(text) or text[i] != '"':
            raise InputError(name, line_at(i), "not valid JSON: expected a key in double quotes")
        member, i = value(i)
        i = expect(skip(i), ":", "':'")
        if member in document or (member == key and found):
            raise InputError(
                name, line_at(i), f'the key "{member}" is given twice in the top-level object'
            )
        if member == key and i < len(text) and text[i] == "[":
            found = True
            i = skip(i + 1)
            while i < len(text) and text[i] != "]":
                if items or errors:
                    i = expect(i, ",", "',' or ']'")
                start = line_at(i)
                item, i = value(i)
                i = skip(i)
                if keys.repeated:
                    field, again = keys.repeated[0]
                    shown = again if isinstance(again, str) else json.dumps(again)
                    errors.append(
                        RowError(name, start, field, shown, "key given twice in one object")
                    )
                    keys.repeated.clear()
                    continue
                items.append((start, item))
            i = expect(i, "]", "']'")
        else:
            line_at(i)
            document[member], i = value(i)
            repeated(f' (in "{member}")')
            i = skip(i)
    i = expect(i, "}", "'}'")
    if i < len(text):
        raise InputError(name, line_at(i), "not valid JSON: extra data after the object")
    if not found:
        raise InputError(name, None, f'expected a "{key}" array at the top level')
    return document, items, errors
