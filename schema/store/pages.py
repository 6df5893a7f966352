"""Keyset pagination: opaque cursors, page arguments, and the one `find` per page.

A cursor is base64 of JSON `{"o": <order signature>, "k": [<sort key values>..., <_id>]}`.
The next page is "documents after these key values" in the sort order, so a page never
shifts when documents are inserted before it (unlike offsets). A cursor is only valid with
the order it was made for; anything that does not decode to exactly that shape is a
`BadUserInput`, never a server error.
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
from schema.rules.limits import DEFAULT_PAGE_SIZE, MAX_CURSOR_LENGTH, MAX_PAGE_SIZE
from schema.store.documents import Database

__all__ = ["Page", "PageArgs", "SortKey", "decode_cursor", "encode_cursor", "fetch_page"]


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
    if len(cursor) > MAX_CURSOR_LENGTH:
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
) -> Page[dict[str, Any]]:
    """One `find` (filter, sort, limit + 1, projection) for the page itself.

    The flag for the side the client came from (`hasPreviousPage` when paging forward
    after a cursor) takes one more `find` with limit 1, and only when `need_opposite`.
    """
    after = decode_cursor(keys, args.after) if args.after is not None else None
    before = decode_cursor(keys, args.before) if args.before is not None else None
    forward = args.last is None
    limit = args.first if forward else args.last
    assert limit is not None
    window = _and(
        match,
        _beyond(keys, after, forward=True) if after is not None else {},
        _beyond(keys, before, forward=False) if before is not None else {},
    )
    sort = [(k.path, DESCENDING if k.descending != (not forward) else ASCENDING) for k in keys]
    sort.append(("_id", ASCENDING if forward else DESCENDING))
    docs: list[dict[str, Any]] = []
    if limit > 0:
        cursor = db[collection].find(window, projection).sort(sort).limit(limit + 1)
        docs = await cursor.to_list(length=limit + 1)
        more = len(docs) > limit
        docs = docs[:limit]
        if not forward:
            docs.reverse()
    else:
        # An empty page still says whether anything lies ahead in its direction.
        probe = db[collection].find(window, {"_id": 1}).limit(1)
        more = bool(await probe.to_list(length=1))
    opposite = False
    edge = after if forward else before
    if need_opposite and edge is not None:
        # Anything at or behind the cursor, the cursor's own document included.
        behind = _and(match, {"$nor": [_beyond(keys, edge, forward=forward)]})
        found = await db[collection].find(behind, {"_id": 1}).limit(1).to_list(length=1)
        opposite = bool(found)
    return Page(
        docs=docs,
        cursors=[encode_cursor(keys, d) for d in docs],
        has_next=more if forward else opposite,
        has_previous=opposite if forward else more,
    )


def _get(doc: dict[str, Any], path: str) -> Any:
    value: Any = doc
    for part in path.split("."):
        value = value[part]
    return value
