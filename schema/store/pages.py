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

Shaped for the index (see `schema.store.indexes`): the `_id` tie-breaker takes the
direction of the last sort key, so `{k: -1, _id: -1}` is the index `{k: 1, _id: 1}` read
backwards, never an in-memory sort. The keyset predicate leads with a plain bound on the
first sort key (`k >= v`) so that the planner gets index bounds, the exact position being
an `$or` checked within them; the `hasPreviousPage` probe is the same predicate the other
way round (at or behind the cursor), read in the opposite direction, limit 1.

Stored values of another type than the order expects (a missing or null name, a number
where a string is expected, written outside the loader) are left out of the pages of that
order: the window requires each sort key to be of its type, so cursors always hold values
that decode and paging never fails.
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
    "PageQuery",
    "SortKey",
    "decode_cursor",
    "decode_segmented",
    "encode_cursor",
    "fetch_page",
    "page_queries",
    "page_query",
    "sort_spec",
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


def _paths(keys: Sequence[SortKey]) -> list[tuple[str, bool]]:
    """Stored paths and directions of the order, `_id` last in the last key's direction."""
    last = keys[-1].descending if keys else False
    return [(k.path, k.descending) for k in keys] + [("_id", last)]


def sort_spec(keys: Sequence[SortKey], *, forward: bool = True) -> list[tuple[str, int]]:
    """The `sort` of a page in the order of `keys`, read forwards or backwards."""
    return [
        (path, DESCENDING if descending == forward else ASCENDING)
        for path, descending in _paths(keys)
    ]


def _beyond(
    keys: Sequence[SortKey], values: list[Any], *, forward: bool, inclusive: bool = False
) -> dict[str, Any]:
    """Documents strictly after (`forward`) or before the position `values` in the order;
    with `inclusive`, the document at the position too."""
    paths = _paths(keys)
    alternatives = []
    for i, (path, descending) in enumerate(paths):
        up = forward != descending
        last = i == len(paths) - 1
        op = ("$gte" if up else "$lte") if inclusive and last else ("$gt" if up else "$lt")
        clause = {p: values[j] for j, (p, _) in enumerate(paths[:i])}
        clause[path] = {op: values[i]}
        alternatives.append(clause)
    # A plain bound on the first key, implied by the $or, gives the planner index bounds.
    first, descending = paths[0]
    bound = {first: {"$gte" if forward != descending else "$lte": values[0]}}
    return {"$and": [bound, {"$or": alternatives}]}


def _typed(keys: Sequence[SortKey]) -> dict[str, Any]:
    """Only documents whose sort keys have the type the order and its cursors expect."""
    typed = [
        {k.path: {"$type": "date" if k.is_date else "int" if k.is_int else "string"}} for k in keys
    ]
    return _and(*typed, {"_id": {"$type": "string"}})


def _and(*clauses: dict[str, Any]) -> dict[str, Any]:
    present = [c for c in clauses if c]
    if not present:
        return {}
    return present[0] if len(present) == 1 else {"$and": present}


@dataclass(frozen=True)
class PageQuery:
    """The reads of one page in one segment: its `find` (`filter`, `sort`) and, for the
    flag of the side the client came from, the probe (`behind`, `behind_sort`; None when
    nothing in this segment can be behind the cursor, or without a cursor)."""

    filter: dict[str, Any]
    sort: list[tuple[str, int]]
    behind: dict[str, Any] | None
    behind_sort: list[tuple[str, int]]


def page_queries(
    match: dict[str, Any],
    keys: Sequence[SortKey],
    args: PageArgs,
    segments: Sequence[dict[str, Any]] = _ONE,
) -> list[PageQuery]:
    """What `fetch_page` may send for `args`, one `PageQuery` per segment in segment order
    (the page reads them in the paging direction, from the cursor's segment on);
    `BadUserInput` for a cursor that is not ours."""
    after = decode_segmented(keys, segments, args.after) if args.after is not None else None
    before = decode_segmented(keys, segments, args.before) if args.before is not None else None
    forward = args.last is None
    edge = after if forward else before
    queries = []
    for index, segment in enumerate(segments):
        scope = _and(match, segment, _typed(keys))
        window = _and(
            scope,
            _beyond(keys, after[1], forward=True)
            if after is not None and index == after[0]
            else {},
            _beyond(keys, before[1], forward=False)
            if before is not None and index == before[0]
            else {},
        )
        behind: dict[str, Any] | None = None
        if edge is not None:
            # Anything at or behind the cursor, its own document included, read from the
            # cursor backwards on the same index; whole segments behind the cursor's.
            if index == edge[0]:
                behind = _and(scope, _beyond(keys, edge[1], forward=not forward, inclusive=True))
            elif (index < edge[0]) == forward:
                behind = scope
        queries.append(
            PageQuery(
                filter=window,
                sort=sort_spec(keys, forward=forward),
                behind=behind,
                behind_sort=sort_spec(keys, forward=not forward),
            )
        )
    return queries


def page_query(match: dict[str, Any], keys: Sequence[SortKey], args: PageArgs) -> PageQuery:
    """`page_queries` of an order without segments: its one `PageQuery`."""
    return page_queries(match, keys, args)[0]


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
    queries = page_queries(match, keys, args, segments)
    count = len(segments)
    after = decode_segmented(keys, segments, args.after) if args.after is not None else None
    before = decode_segmented(keys, segments, args.before) if args.before is not None else None
    forward = args.last is None
    limit = args.first if forward else args.last
    assert limit is not None
    low = after[0] if after is not None else 0
    high = before[0] if before is not None else count - 1
    order = range(low, high + 1) if forward else range(high, low - 1, -1)
    found: list[tuple[int, dict[str, Any]]] = []
    wanted = limit + 1 if limit > 0 else 1  # an empty page still says what lies ahead
    fields = projection if limit > 0 else {"_id": 1}
    for segment in order:
        if len(found) >= wanted:
            break
        query = queries[segment]
        cursor = db[collection].find(query.filter, fields).sort(query.sort)
        found += [
            (segment, doc)
            for doc in await cursor.limit(wanted - len(found)).to_list(length=wanted - len(found))
        ]
    more = len(found) > limit
    found = found[:limit]
    if not forward:
        found.reverse()
    opposite = False
    edge = after if forward else before
    if need_opposite and edge is not None:
        behind_order = range(edge[0], -1, -1) if forward else range(edge[0], count)
        for segment in behind_order:
            query = queries[segment]
            if query.behind is None:
                continue
            probe = db[collection].find(query.behind, {"_id": 1}).sort(query.behind_sort)
            if await probe.limit(1).to_list(length=1):
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
