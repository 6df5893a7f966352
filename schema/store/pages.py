"""Keyset pagination: opaque cursors, page arguments, and the one `find` per page.

A cursor is base64 of JSON `{"o": <order signature>, "k": [<sort key values>..., <_id>]}`.
The next page is "documents after these key values" in the sort order, so a page never
shifts when documents are inserted before it (unlike offsets). A cursor is only valid with
the order it was made for; anything that does not decode to exactly that shape is a
`BadUserInput`, never a server error.

An order may also be split into `segments`: disjoint conditions whose documents come one
segment after the other, each sorted by the keys (a search's names that start with the text,
then the others). The cursor then starts with the segment's index, and a page costs one
`find` per segment it spans (at most two for a search), never an offset.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

import orjson
from pymongo import ASCENDING, DESCENDING

from schema.errors import BadUserInput
from schema.rules.limits import DEFAULT_PAGE_SIZE, MAX_CURSOR_LENGTH, MAX_PAGE_SIZE
from schema.store.documents import Database

__all__ = [
    "Page",
    "PageArgs",
    "SortKey",
    "decode_cursor",
    "decode_segmented",
    "encode_cursor",
    "fetch_page",
]


@dataclass(frozen=True)
class SortKey:
    """A stored field to sort on; `is_date` fields travel in cursors as ISO strings,
    `is_int` ones as JSON integers, others as strings."""

    path: str
    descending: bool = False
    is_date: bool = False
    is_int: bool = False


@dataclass(frozen=True)
class PageArgs:
    """Validated `first`/`after`/`last`/`before`: exactly one of `first` and `last` is set."""

    first: int | None
    after: str | None
    last: int | None
    before: str | None

    @classmethod
    def from_arguments(
        cls, first: int | None, after: str | None, last: int | None, before: str | None
    ) -> PageArgs:
        if first is not None and last is not None:
            raise BadUserInput("first and last cannot be used together; page with one of them")
        for name, value in (("first", first), ("last", last)):
            if value is not None and not 0 <= value <= MAX_PAGE_SIZE:
                raise BadUserInput(f"{name} must be between 0 and {MAX_PAGE_SIZE}, not {value}")
        if first is None and last is None:
            first = DEFAULT_PAGE_SIZE
        return cls(first=first, after=after, last=last, before=before)


D = TypeVar("D")


@dataclass(frozen=True)
class Page(Generic[D]):
    docs: list[D]
    cursors: list[str]
    has_next: bool
    has_previous: bool


_ONE: tuple[dict[str, Any]] = ({},)


def _signature(keys: Sequence[SortKey], segments: Sequence[dict[str, Any]] = _ONE) -> str:
    """The order a cursor belongs to; for a segmented order, a digest of the segments'
    conditions too, so that a cursor of one search's RELEVANCE order fails with another."""
    order = ",".join(f"{k.path}:{'D' if k.descending else 'A'}" for k in keys)
    if len(segments) == 1:
        return order
    digest = hashlib.sha256(orjson.dumps(list(segments))).hexdigest()[:12]
    return f"{len(segments)}S{digest},{order}"


def encode_cursor(
    keys: Sequence[SortKey],
    doc: dict[str, Any],
    *,
    segment: int = 0,
    segments: Sequence[dict[str, Any]] = _ONE,
) -> str:
    values: list[Any] = [segment] if len(segments) > 1 else []
    for key in keys:
        value = _get(doc, key.path)
        values.append(value.isoformat() if isinstance(value, datetime) else value)
    values.append(doc["_id"])
    payload = orjson.dumps({"o": _signature(keys, segments), "k": values})
    return base64.urlsafe_b64encode(payload).decode("ascii")


def decode_segmented(
    keys: Sequence[SortKey], segments: Sequence[dict[str, Any]], cursor: str
) -> tuple[int, list[Any]]:
    """The segment and the sort key values (then `_id`) in a cursor of a segmented order."""
    error = BadUserInput(
        "invalid cursor: use a cursor from a previous page of the same query and orderBy"
    )
    if len(segments) == 1:
        return 0, decode_cursor(keys, cursor)
    values = _decode(keys, cursor, _signature(keys, segments), prefix=1)
    segment = values[0]
    if (
        not isinstance(segment, int)
        or isinstance(segment, bool)
        or not 0 <= segment < len(segments)
    ):
        raise error
    return segment, values[1:]


def decode_cursor(keys: Sequence[SortKey], cursor: str) -> list[Any]:
    """The sort key values (then `_id`) in `cursor`; BadUserInput if it is not ours."""
    return _decode(keys, cursor, _signature(keys))


def _decode(keys: Sequence[SortKey], cursor: str, signature: str, prefix: int = 0) -> list[Any]:
    error = BadUserInput(
        "invalid cursor: use a cursor from a previous page of the same query and orderBy"
    )
    if len(cursor) > MAX_CURSOR_LENGTH:
        raise error
    try:
        data = orjson.loads(base64.urlsafe_b64decode(cursor.encode("ascii")))
    except (binascii.Error, UnicodeError, ValueError):
        raise error from None
    if not isinstance(data, dict) or data.get("o") != signature:
        raise error
    raw = data.get("k")
    if not isinstance(raw, list) or len(raw) != prefix + len(keys) + 1:
        raise error
    values: list[Any] = list(raw[:prefix])
    for key, value in zip(keys, raw[prefix:], strict=False):
        if key.is_int:
            if not isinstance(value, int) or isinstance(value, bool):
                raise error
            values.append(value)
        elif not isinstance(value, str):
            raise error
        elif key.is_date:
            try:
                values.append(datetime.fromisoformat(value))
            except ValueError:
                raise error from None
        else:
            values.append(value)
    if not isinstance(raw[-1], str):
        raise error
    values.append(raw[-1])
    return values


def _beyond(keys: Sequence[SortKey], values: list[Any], *, forward: bool) -> dict[str, Any]:
    """Documents strictly after (`forward`) or before the position `values` in the order."""
    paths = [(k.path, k.descending) for k in keys] + [("_id", False)]
    alternatives = []
    for i, (path, descending) in enumerate(paths):
        op = "$gt" if forward != descending else "$lt"
        clause = {p: values[j] for j, (p, _) in enumerate(paths[:i])}
        clause[path] = {op: values[i]}
        alternatives.append(clause)
    return {"$or": alternatives}


def _and(*clauses: dict[str, Any]) -> dict[str, Any]:
    present = [c for c in clauses if c]
    if not present:
        return {}
    return present[0] if len(present) == 1 else {"$and": present}


async def fetch_page(
    db: Database,
    collection: str,
    match: dict[str, Any],
    keys: Sequence[SortKey],
    args: PageArgs,
    *,
    projection: dict[str, int] | None = None,
    need_opposite: bool = False,
    segments: Sequence[dict[str, Any]] = _ONE,
) -> Page[dict[str, Any]]:
    """One `find` (filter, sort, limit + 1, projection) per segment the page spans: one
    without segments.

    The flag for the side the client came from (`hasPreviousPage` when paging forward
    after a cursor) takes one more `find` with limit 1 per segment behind the cursor, and
    only when `need_opposite`.
    """
    count = len(segments)
    after = decode_segmented(keys, segments, args.after) if args.after is not None else None
    before = decode_segmented(keys, segments, args.before) if args.before is not None else None
    forward = args.last is None
    limit = args.first if forward else args.last
    assert limit is not None
    low = after[0] if after is not None else 0
    high = before[0] if before is not None else count - 1

    def window(segment: int) -> dict[str, Any]:
        return _and(
            match,
            segments[segment],
            _beyond(keys, after[1], forward=True)
            if after is not None and segment == after[0]
            else {},
            _beyond(keys, before[1], forward=False)
            if before is not None and segment == before[0]
            else {},
        )

    sort = [(k.path, DESCENDING if k.descending != (not forward) else ASCENDING) for k in keys]
    sort.append(("_id", ASCENDING if forward else DESCENDING))
    order = range(low, high + 1) if forward else range(high, low - 1, -1)
    found: list[tuple[int, dict[str, Any]]] = []
    wanted = limit + 1 if limit > 0 else 1  # an empty page still says what lies ahead
    for segment in order:
        if len(found) >= wanted:
            break
        fields = projection if limit > 0 else {"_id": 1}
        cursor = db[collection].find(window(segment), fields).sort(sort).limit(wanted - len(found))
        found += [(segment, doc) for doc in await cursor.to_list(length=wanted - len(found))]
    more = len(found) > limit
    found = found[:limit]
    if not forward:
        found.reverse()
    opposite = False
    edge = after if forward else before
    if need_opposite and edge is not None:
        # Anything at or behind the cursor, the cursor's own document included: in the
        # cursor's segment, then in the segments before it (in the paging direction).
        edge_segment, values = edge
        behind = range(edge_segment, -1, -1) if forward else range(edge_segment, count)
        for segment in behind:
            clause = (
                {"$nor": [_beyond(keys, values, forward=forward)]}
                if segment == edge_segment
                else {}
            )
            query = _and(match, segments[segment], clause)
            if await db[collection].find(query, {"_id": 1}).limit(1).to_list(length=1):
                opposite = True
                break
    docs = [doc for _, doc in found]
    return Page(
        docs=docs,
        cursors=[
            encode_cursor(keys, doc, segment=segment, segments=segments) for segment, doc in found
        ],
        has_next=more if forward else opposite,
        has_previous=opposite if forward else more,
    )


def _get(doc: dict[str, Any], path: str) -> Any:
    value: Any = doc
    for part in path.split("."):
        value = value[part]
    return value
