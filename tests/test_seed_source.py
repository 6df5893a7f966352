"""Reading input files: the size cap, streamed lines, and the strict JSON walker."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import seed.source
from seed.errors import InputError
from seed.source import json_items, read_lines, read_text


def write(tmp_path: Path, data: str | bytes, name: str = "input.json") -> Path:
    path = tmp_path / name
    if isinstance(data, str):
        path.write_text(data, encoding="utf-8", newline="")
    else:
        path.write_bytes(data)
    return path


READERS: list[Any] = [
    pytest.param(read_text, id="text"),
    pytest.param(lambda path: list(read_lines(path)), id="lines"),
    pytest.param(lambda path: json_items(path, "clusters"), id="json"),
]


@pytest.mark.parametrize("reader", READERS)
def test_a_file_at_the_size_limit_is_read_and_one_byte_more_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, reader: Callable[[Path], object]
) -> None:
    monkeypatch.setattr(seed.source, "MAX_INPUT_BYTES", 100)
    document = '{"clusters": []}'
    at_limit = write(tmp_path, document + " " * (100 - len(document)))
    reader(at_limit)
    over = write(tmp_path, document + " " * (101 - len(document)), "over.json")
    with pytest.raises(InputError, match=r"^over\.json: the file has 101 bytes, over the limit"):
        reader(over)


@pytest.mark.parametrize("reader", READERS)
def test_a_pipe_or_a_directory_is_refused_without_blocking(
    tmp_path: Path, reader: Callable[[Path], object]
) -> None:
    os.mkfifo(tmp_path / "pipe.csv")  # opening it for reading would wait for a writer
    (tmp_path / "dir.csv").mkdir()
    for name in ("pipe.csv", "dir.csv"):
        with pytest.raises(InputError, match=rf"^{name}: not a regular file$"):
            reader(tmp_path / name)


def test_lines_are_numbered_across_lf_crlf_and_cr(tmp_path: Path) -> None:
    path = write(tmp_path, b"\xef\xbb\xbfone \r\ntwo\rthree\n\nfive")
    assert list(read_lines(path)) == [(1, "one"), (2, "two"), (3, "three"), (4, ""), (5, "five")]


def test_bad_utf8_on_a_later_line_names_that_line(tmp_path: Path) -> None:
    path = write(tmp_path, b"one\r\ntwo\nth\xffree\n", "l.txt")
    with pytest.raises(InputError, match=r"^l\.txt:3: not valid UTF-8 \(byte 0xff\)"):
        list(read_lines(path))


def test_json_items_keep_their_lines_and_the_rest_of_the_document(tmp_path: Path) -> None:
    text = '{"version": "v1",\n "clusters": [\n  {"a": 1},\n\n  2\n ],\n "after": [3]}'
    document, items, errors = json_items(write(tmp_path, text), "clusters")
    assert document == {"version": "v1", "after": [3]}
    assert items == [(3, {"a": 1}), (5, 2)]
    assert errors == []


@pytest.mark.parametrize(
    ("number", "shown"),
    [
        ("1e400", "1e400"),
        ("-2.5E+309", "-2.5E+309"),
        ("1" * 400 + ".5", "1" * 37 + "..."),
    ],
)
def test_a_number_beyond_a_float_is_an_input_error_that_shows_it(
    tmp_path: Path, number: str, shown: str
) -> None:
    """Python reads 1e400 as infinity: messages showed 'inf', not what the file says."""
    fine = '{"clusters": [\n{"n": 1.7e308}]}'
    assert json_items(write(tmp_path, fine), "clusters")[1] == [(2, {"n": 1.7e308})]
    text = '{"clusters": [\n{"name": "A"},\n{"n": ' + number + "}]}"
    with pytest.raises(InputError) as raised:
        json_items(write(tmp_path, text, "d.json"), "clusters")
    assert str(raised.value) == (
        f"d.json:3: not a usable JSON number: {shown} is beyond the range of a "
        "floating-point number; a value has a few digits"
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param(
            '{"clusters": [],\n "clusters": []}',
            r'^d\.json:2: the key "clusters" is given twice in the top-level object$',
            id="array",
        ),
        pytest.param(
            '{"version": 1,\n\n "version": 2, "clusters": []}',
            r'^d\.json:3: the key "version" is given twice in the top-level object$',
            id="header",
        ),
        pytest.param(
            '{"clusters": [],\n "meta": {"a": 1, "a": 2}}',
            r'^d\.json:2: the key "a" is given twice in one object \(in "meta"\)$',
            id="nested-in-header",
        ),
    ],
)
def test_a_repeated_key_outside_the_items_refuses_the_file(
    tmp_path: Path, text: str, message: str
) -> None:
    with pytest.raises(InputError, match=message):
        json_items(write(tmp_path, text, "d.json"), "clusters")


def test_a_repeated_key_at_any_depth_of_an_item_rejects_that_item(tmp_path: Path) -> None:
    text = (
        '{"clusters": [\n  {"name": "A", "name": "B"},\n  {"ok": true},\n'
        '  {"x": [{"k": 1, "k": "two"}]}\n]}'
    )
    _, items, errors = json_items(write(tmp_path, text, "d.json"), "clusters")
    assert items == [(3, {"ok": True})]
    assert [str(error) for error in errors] == [
        "d.json:2: name 'B': key given twice in one object",
        "d.json:4: k 'two': key given twice in one object",
    ]


def test_json_nested_deeper_than_the_parser_goes_is_an_input_error(tmp_path: Path) -> None:
    fine = '{"clusters": [' + "[" * 100 + "]" * 100 + "]}"
    assert len(json_items(write(tmp_path, fine), "clusters")[1]) == 1
    deep = '{"clusters": [\n' + "[" * 100_000 + "]" * 100_000 + "]}"
    with pytest.raises(InputError, match=r"^d\.json:2: JSON nested too deeply"):
        json_items(write(tmp_path, deep, "d.json"), "clusters")


def test_an_integer_too_long_to_convert_is_an_input_error(tmp_path: Path) -> None:
    text = '{"clusters": [\n' + "9" * 5000 + "]}"
    with pytest.raises(InputError) as raised:
        json_items(write(tmp_path, text, "d.json"), "clusters")
    assert str(raised.value) == (
        "d.json:2: not a usable JSON number: an integer of 5000 digits; a value has a few digits"
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param(
            '["clusters"]', r'^d\.json:1: expected a JSON object with a "clusters"', id="array"
        ),
        pytest.param('{"clusters": 3}', r'^d\.json: expected a "clusters" array', id="no-array"),
        pytest.param('{"clusters": []} []', r"^d\.json:1: not valid JSON: extra data", id="extra"),
        pytest.param(
            '{"clusters": [1 2]}', r"^d\.json:1: not valid JSON: expected ','", id="comma"
        ),
        pytest.param(
            '{"clusters": [1]', r"^d\.json:1: not valid JSON: expected '}'", id="unclosed"
        ),
    ],
)
def test_malformed_json_documents_are_input_errors(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        json_items(write(tmp_path, text, "d.json"), "clusters")
