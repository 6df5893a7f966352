"""Reading input files: UTF-8 text with line numbers, and JSON arrays with each item's line.

Every failure to read a whole file is an `InputError` naming the file (base name) and, where
known, the line.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from seed.errors import InputError, file_name

__all__ = ["json_items", "read_lines", "read_text"]


def read_text(path: Path) -> str:
    """The file decoded as UTF-8, a leading byte order mark dropped, CRLF turned into LF."""
    name = file_name(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(name, None, f"cannot read the file: {exc.strerror or exc}") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        byte = data[exc.start]
        raise InputError(
            name, line, f"not valid UTF-8 (byte 0x{byte:02x}); save the file as UTF-8"
        ) from None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def read_lines(path: Path) -> list[tuple[int, str]]:
    """`(line number, text)` for every line, trailing whitespace removed (blank lines kept)."""
    return [(number, line.rstrip()) for number, line in enumerate(read_text(path).split("\n"), 1)]


def json_items(path: Path, key: str) -> tuple[dict[str, Any], list[tuple[int, Any]]]:
    """The top-level JSON object of `path`, and the items of its array `key` with their lines.

    The line of an item is the line where its value starts, found by walking the text with
    the standard decoder (the `json` module does not keep positions).
    """
    name = file_name(path)
    text = read_text(path)
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(name, exc.lineno, f"not valid JSON: {exc.msg}") from None
    if not isinstance(document, dict):
        raise InputError(name, 1, f'expected a JSON object with a "{key}" array')
    items = document.get(key)
    if not isinstance(items, list):
        raise InputError(name, None, f'expected a "{key}" array at the top level')
    lines = _item_lines(text, key)
    return document, list(zip(lines, items, strict=True))


def _item_lines(text: str, key: str) -> list[int]:
    decoder = json.JSONDecoder()

    def skip(i: int) -> int:
        while i < len(text) and text[i] in " \t\n\r":
            i += 1
        return i

    def line_at(i: int) -> int:
        return text.count("\n", 0, i) + 1

    lines: list[int] = []
    i = skip(0) + 1  # past the opening brace: the text is known to be a valid object
    while True:
        i = skip(i)
        if text[i] == "}":
            return lines
        name, i = decoder.raw_decode(text, i)
        i = skip(skip(i) + 1)  # past the colon
        if name == key:
            i = skip(i + 1)  # past the opening bracket
            while text[i] != "]":
                lines.append(line_at(i))
                _, i = decoder.raw_decode(text, i)
                i = skip(i)
                if text[i] == ",":
                    i = skip(i + 1)
            i += 1
        else:
            _, i = decoder.raw_decode(text, i)
        i = skip(i)
        if text[i] == ",":
            i += 1
