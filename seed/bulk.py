"""Batched reads and writes: no command the loader sends can exceed MongoDB's BSON limit.

A MongoDB command is one BSON document of at most 16 MiB (`MAX_BSON_BYTES`). A `find`
whose `$in` lists every key of a large input, or an `insert` carrying every document,
outgrows it: 100,000 new clusters make 41 MiB of candidate slugs. So every read by a list
of keys and every bulk write here is cut into batches bounded both by count
(`MAX_BATCH_COUNT`) and by encoded size (`MAX_BATCH_BYTES`, half the limit, which leaves
room for the command around the batch). A single document over the limit cannot be
written by anyone and fails as MongoDB would, with `DocumentTooLarge`.

Writes are unordered bulk writes: one failed operation does not stop the others, and each
failure is reported back by index so that the loader can tell a conflict (another load
got there first: a duplicate key, or a compare-and-set that matched nothing) from an
error. Exceptions: PyMongo's, unchanged, except duplicate-key write errors, which come
back in `Written.conflicts`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import bson
from pymongo import InsertOne, ReplaceOne, UpdateOne
from pymongo.errors import BulkWriteError, DocumentTooLarge

from schema.store.documents import Database

__all__ = [
    "MAX_BATCH_BYTES",
    "MAX_BATCH_COUNT",
    "MAX_BSON_BYTES",
    "Write",
    "Written",
    "batches",
    "encoded_size",
    "find_in",
    "write",
]

MAX_BSON_BYTES = 16 * 1024 * 1024
MAX_BATCH_BYTES = MAX_BSON_BYTES // 2
MAX_BATCH_COUNT = 5000
_DUPLICATE_KEY = 11000

T = TypeVar("T")
Write = InsertOne[Any] | ReplaceOne[Any] | UpdateOne


def encoded_size(value: Any) -> int:
    """Bytes `value` takes as an element of a BSON array, or at most that."""
    if isinstance(value, str):
        # type, key (an index of at most 7 digits) and its NUL, length, bytes, NUL
        return 1 + 8 + 4 + len(value.encode("utf-8")) + 1
    return len(bson.encode({"v": value})) - 5 + 7  # the wrapper's header; a longer key


def batches(
    items: Iterable[T],
    size: Any = encoded_size,
    *,
    max_count: int = MAX_BATCH_COUNT,
    max_bytes: int = MAX_BATCH_BYTES,
) -> Iterator[list[T]]:
    """`items` in order, in lists of at most `max_count` items and `max_bytes` by `size`."""
    batch: list[T] = []
    total = 0
    for item in items:
        n = size(item)
        if n > MAX_BSON_BYTES:
            raise DocumentTooLarge(f"a document of {n} bytes is over the 16 MiB BSON limit")
        if batch and (len(batch) >= max_count or total + n > max_bytes):
            yield batch
            batch, total = [], 0
        batch.append(item)
        total += n
    if batch:
        yield batch


async def find_in(
    db: Database,
    collection: str,
    path: str,
    values: Iterable[Any],
    *,
    also: dict[str, Any] | None = None,
    projection: dict[str, Any] | None = None,
) -> list[dict[str, Any]]:
    """Documents whose `path` is one of `values` (and matching `also`), one `find` per batch."""
    found: list[dict[str, Any]] = []
    for batch in batches(dict.fromkeys(values)):
        query: dict[str, Any] = {path: {"$in": batch}, **(also or {})}
        found.extend(await db[collection].find(query, projection).to_list(None))
    return found


def _operation_size(operation: Write) -> int:
    # The documents an operation carries: its filter and its document or update.
    parts = [getattr(operation, "_filter", None), getattr(operation, "_doc", None)]
    return sum(len(bson.encode(part)) for part in parts if isinstance(part, dict))


@dataclass
class Written:
    """What one `write` did. `conflicts` counts the operations another writer got to first:
    an insert that hit a unique index, or a compare-and-set (a `ReplaceOne` without upsert,
    filtered on the document as it was read) that matched nothing."""

    inserted: int = 0
    matched: int = 0
    upserted: int = 0
    conflicts: int = 0


async def write(
    db: Database,
    collection: str,
    operations: Sequence[Write],
    *,
    write_concern: Any = None,
    after_batch: Callable[[int], Awaitable[None]] | None = None,
) -> Written:
    """Run `operations` as unordered bulk writes, batch by batch.

    A conflict does not stop the other writes; it is counted in the result. `after_batch`,
    when given, is awaited with the number of operations of each batch once it is written
    (progress, or a test forcing two loads to interleave).
    """
    target = db[collection]
    if write_concern is not None:
        target = target.with_options(write_concern=write_concern)
    result = Written()
    for batch in batches(operations, _operation_size):
        details: Mapping[str, Any]
        try:
            details = (await target.bulk_write(batch, ordered=False)).bulk_api_result
        except BulkWriteError as error:
            details = error.details
            for failure in details.get("writeErrors", []):
                if failure.get("code") != _DUPLICATE_KEY:
                    raise
                result.conflicts += 1
        matched, upserted = int(details.get("nMatched", 0)), int(details.get("nUpserted", 0))
        result.inserted += int(details.get("nInserted", 0))
        result.matched += matched
        result.upserted += upserted
        # Every replace either matches or upserts, except a compare-and-set that missed.
        replaces = sum(1 for op in batch if not isinstance(op, InsertOne))
        result.conflicts += max(0, replaces - matched - upserted)
        if after_batch is not None:
            await after_batch(len(batch))
    return result
