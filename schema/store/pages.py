"""Keyset pagination: opaque cursors, page arguments, and the one `find` per page.

A cursor is base64 of JSON `{"o": <order signature>, "k": [<sort key values>..., <_id>]}`.
The next page is "documents after these key values" in the sort order, so a page never
shifts when documents are inserted before it (unlike offsets). A cursor is only valid with
the order it was made for; anything that does not decode to exactly that shape is a
`BadUserInput`, never a server error.

Shaped for the index (see `schema.store.indexes`): the `_id` tie-breaker takes the
direction of the last sort key, so `{k: -1, _id: -1}` is the index `{k: 1, _id: 1}` read
backwards, never an in-memory sort. The keyset predicate leads with a plain bound on the
first sort key (`k >= v`) so that the planner gets index bounds, the exact position being
an `$or` checked within them; the `hasPreviousPage` probe is the same predicate the other
way round (at or behind the cursor), read in the opposite direction, limit 1.

Stored values of another type than the order expects (a missing or null name, a number,
written outside the loader) are left out of the pages of that order: the window requires
each sort key to be of its type, so cursors always hold strings and paging never fails.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

import orjson
from pymongo import ASCENDING, DESCENDING

from schema.errors import BadUserInput
from schema.rules.limits import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE
from schema.store.documents import Database

__all__ = [
    "Page",
    "PageArgs",
    "PageQuery",
    "SortKey",
    "decode_cursor",
    "encode_cursor",
    "fetch_page",
    "page_query",
    "sort_spec",
]

_MAX_CURSOR_LENGTH = 1024


@dataclass(frozen=True)
class SortKey:
    """A stored field to sort on; `is_date` fields travel in cursors as ISO strings."""

    path: str
    descending: bool = False
    is_date: bool = False


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


def _signature(keys: Sequence[SortKey]) -> str:
    return ",".join(f"{k.path}:{'D' if k.descending else 'A'}" for k in keys)


def encode_cursor(keys: Sequence[SortKey], doc: dict[str, Any]) -> str:
    values: list[Any] = []
    for key in keys:
        value = _get(doc, key.path)
        values.append(value.isoformat() if isinstance(value, datetime) else value)
    values.append(doc["_id"])
    payload = orjson.dumps({"o": _signature(keys), "k": values})
    return base64.urlsafe_b64encode(payload).decode("ascii")


def decode_cursor(keys: Sequence[SortKey], cursor: str) -> list[Any]:
    """The sort key values (then `_id`) in `cursor`; BadUserInput if it is not ours."""
    error = BadUserInput(
        "invalid cursor: use a cursor from a previous page of the same query and orderBy"
    )
    if len(cursor) > _MAX_CURSOR_LENGTH:
        raise error
    try:
        data = orjson.loads(base64.urlsafe_b64decode(cursor.encode("ascii")))
    except (binascii.Error, UnicodeError, ValueError):
        raise error from None
    if not isinstance(data, dict) or data.get("o") != _signature(keys):
        raise error
    raw = data.get("k")
    if not isinstance(raw, list) or len(raw) != len(keys) + 1:
        raise error
    if not all(isinstance(v, str) for v in raw):
        raise error
    values: list[Any] = []
    for key, value in zip(keys, raw, strict=False):
        if key.is_date:
            try:
                values.append(datetime.fromisoformat(value))
            except ValueError:
                raise error from None
        else:
            values.append(value)
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
    typed = [{k.path: {"$type": "date" if k.is_date else "string"}} for k in keys]
    return _and(*typed, {"_id": {"$type": "string"}})


def _and(*clauses: dict[str, Any]) -> dict[str, Any]:
    present = [c for c in clauses if c]
    if not present:
        return {}
    return present[0] if len(present) == 1 else {"$and": present}


@dataclass(frozen=True)
class PageQuery:
    """The reads of one page: its `find` (`filter`, `sort`) and, for the flag of the side
    the client came from, the probe (`behind`, `behind_sort`; None without a cursor)."""

    filter: dict[str, Any]
    sort: list[tuple[str, int]]
    behind: dict[str, Any] | None
    behind_sort: list[tuple[str, int]]


def page_query(match: dict[str, Any], keys: Sequence[SortKey], args: PageArgs) -> PageQuery:
    """What `fetch_page` sends for `args`; `BadUserInput` for a cursor that is not ours."""
    after = decode_cursor(keys, args.after) if args.after is not None else None
    before = decode_cursor(keys, args.before) if args.before is not None else None
    forward = args.last is None
    scope = _and(match, _typed(keys))
    window = _and(
        scope,
        _beyond(keys, after, forward=True) if after is not None else {},
        _beyond(keys, before, forward=False) if before is not None else {},
    )
    edge = after if forward else before
    # Anything at or behind the cursor, its own document included, read from the cursor
    # backwards on the same index.
    behind = (
        _and(scope, _beyond(keys, edge, forward=not forward, inclusive=True))
        if edge is not None
        else None
    )
    return PageQuery(
        filter=window,
        sort=sort_spec(keys, forward=forward),
        behind=behind,
        behind_sort=sort_spec(keys, forward=not forward),
    )


async def fetch_page(
    db: Database,
    collection: str,
    match: dict[str, Any],
    keys: Sequence[SortKey],
    args: PageArgs,
    *,
    projection: dict[str, int] | None = None,
    need_opposite: bool = False,
) -> Page[dict[str, Any]]:
    """One `find` (filter, sort, limit + 1, projection) for the page itself.

    The flag for the side the client came from (`hasPreviousPage` when paging forward
    after a cursor) takes one more `find` with limit 1, and only when `need_opposite`.
    """
    query = page_query(match, keys, args)
    forward = args.last is None
    limit = args.first if forward else args.last
    assert limit is not None
    docs: list[dict[str, Any]] = []
    if limit > 0:
        cursor = db[collection].find(query.filter, projection).sort(query.sort).limit(limit + 1)
        docs = await cursor.to_list(length=limit + 1)
        more = len(docs) > limit
        docs = docs[:limit]
        if not forward:
            docs.reverse()
    else:
        # An empty page still says whether anything lies ahead in its direction.
        probe = db[collection].find(query.filter, {"_id": 1}).sort(query.sort).limit(1)
        more = bool(await probe.to_list(length=1))
    opposite = False
    if need_opposite and query.behind is not None:
        behind = db[collection].find(query.behind, {"_id": 1}).sort(query.behind_sort)
        opposite = bool(await behind.limit(1).to_list(length=1))
    return Page(
        docs=docs,
        cursors=[encode_cursor(keys, d) for d in docs],
        has_next=more if forward else opposite,
        has_previous=opposite if forward else more,
    )


def _get(doc: dict[str, Any], path: str) -> Any:
    value: Any = doc
    for part in path.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value
