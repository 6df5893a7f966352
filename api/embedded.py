"""The embedded store: mongomock-motor, made to refuse what a MongoDB server refuses.

mongomock accepts a command of any size, so code that works on it can still fail on a
server with "BSON document too large" once the data grows: a `find` with an `$in` of
100,000 keys, an `insert` of a million documents in one call. `guarded(db)` wraps a
mongomock-motor database so that every collection method the application uses measures
what it would send (with `bson.encode`, as the driver does) and raises
`pymongo.errors.DocumentTooLarge` when one command is over `MAX_COMMAND_BYTES` (16 MiB),
before running it. The measure is the command's own documents (filter, projection,
pipeline, update, or the documents of a write taken together): stricter than the driver,
which would split a large `insert_many` by itself, so that a caller that batches its
writes is held to it.

It also gives mongomock a `bulk_write` that accepts PyMongo 4.9+ operations (mongomock's
own rejects their `sort` argument), run one operation at a time with the result and the
`BulkWriteError` a server would give (unordered: every operation is tried).

The embedded default (`api.database.connect`) and the tests' `db` fixture both use it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import bson
from mongomock_motor import AsyncMongoMockClient
from pymongo import InsertOne, ReplaceOne, UpdateMany, UpdateOne
from pymongo.errors import BulkWriteError, DocumentTooLarge, DuplicateKeyError
from pymongo.results import BulkWriteResult

__all__ = ["MAX_COMMAND_BYTES", "GuardedDatabase", "embedded_client", "guarded"]

MAX_COMMAND_BYTES = 16 * 1024 * 1024


def embedded_client() -> Any:
    """A new in-process client (naive UTC datetimes, like the server client)."""
    return AsyncMongoMockClient(tz_aware=False)


def guarded(db: Any) -> Any:
    """`db` (a mongomock-motor database) behind the 16 MiB command guard."""
    return GuardedDatabase(db)


def _size(parts: Iterable[Any]) -> int:
    total = 0
    for part in parts:
        if isinstance(part, Mapping):
            total += len(bson.encode(part))
        elif isinstance(part, Sequence) and not isinstance(part, str | bytes):
            total += len(bson.encode({"v": list(part)}))
    return total


def _check(collection: str, command: str, *parts: Any) -> None:
    size = _size(parts)
    if size > MAX_COMMAND_BYTES:
        raise DocumentTooLarge(
            f"{command} on {collection} is {size:,} bytes, over the {MAX_COMMAND_BYTES:,}-byte "
            "BSON limit of one MongoDB command"
        )


class GuardedDatabase:
    """A mongomock-motor database whose collections refuse commands over 16 MiB.

    `in_process` tells the store that this engine has no indexes and copies every whole
    document into an `aggregate`, so that it may choose a `find` with a projection where
    a server would run a pipeline (same answers, see `schema.store.interviews`)."""

    in_process = True

    def __init__(self, inner: Any) -> None:
        self._inner = inner

    def __getitem__(self, name: str) -> GuardedCollection:
        return GuardedCollection(self._inner[name], name)

    def get_collection(self, name: str, *args: Any, **kwargs: Any) -> GuardedCollection:
        return GuardedCollection(self._inner.get_collection(name, *args, **kwargs), name)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


def _filter(args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    return args[0] if args else kwargs.get("filter")


class GuardedCollection:
    """The collection methods the application uses, each measured before it runs."""

    def __init__(self, inner: Any, name: str) -> None:
        self._inner, self._name = inner, name

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    def find(self, *args: Any, **kwargs: Any) -> Any:
        projection = args[1] if len(args) > 1 else kwargs.get("projection")
        _check(self._name, "find", _filter(args, kwargs), projection)
        return self._inner.find(*args, **kwargs)

    async def find_one(self, *args: Any, **kwargs: Any) -> Any:
        _check(self._name, "find", _filter(args, kwargs))
        return await self._inner.find_one(*args, **kwargs)

    def aggregate(self, pipeline: Sequence[Any], *args: Any, **kwargs: Any) -> Any:
        _check(self._name, "aggregate", pipeline)
        return self._inner.aggregate(pipeline, *args, **kwargs)

    async def count_documents(self, *args: Any, **kwargs: Any) -> Any:
        _check(self._name, "aggregate", _filter(args, kwargs))
        return await self._inner.count_documents(*args, **kwargs)

    async def distinct(self, key: str, *args: Any, **kwargs: Any) -> Any:
        _check(self._name, "distinct", _filter(args, kwargs))
        return await self._inner.distinct(key, *args, **kwargs)

    async def insert_one(self, document: Any, *args: Any, **kwargs: Any) -> Any:
        _check(self._name, "insert", document)
        return await self._inner.insert_one(document, *args, **kwargs)

    async def insert_many(self, documents: Sequence[Any], *args: Any, **kwargs: Any) -> Any:
        _check(self._name, "insert", *documents)
        return await self._inner.insert_many(documents, *args, **kwargs)

    async def replace_one(self, filter: Any, document: Any, *args: Any, **kwargs: Any) -> Any:
        _check(self._name, "update", filter, document)
        return await self._inner.replace_one(filter, document, *args, **kwargs)

    async def update_one(self, filter: Any, update: Any, *args: Any, **kwargs: Any) -> Any:
        _check(self._name, "update", filter, update)
        return await self._inner.update_one(filter, update, *args, **kwargs)

    async def update_many(self, filter: Any, update: Any, *args: Any, **kwargs: Any) -> Any:
        _check(self._name, "update", filter, update)
        return await self._inner.update_many(filter, update, *args, **kwargs)

    async def delete_many(self, filter: Any, *args: Any, **kwargs: Any) -> Any:
        _check(self._name, "delete", filter)
        return await self._inner.delete_many(filter, *args, **kwargs)

    async def bulk_write(
        self, requests: Sequence[Any], ordered: bool = True, **kwargs: Any
    ) -> BulkWriteResult:
        parts = [
            part for op in requests for part in (getattr(op, "_filter", None), op._doc) if part
        ]
        _check(self._name, "bulk write", *parts)
        result: dict[str, Any] = {
            "writeErrors": [],
            "writeConcernErrors": [],
            "nInserted": 0,
            "nUpserted": 0,
            "nMatched": 0,
            "nModified": 0,
            "nRemoved": 0,
            "upserted": [],
        }
        for index, op in enumerate(requests):
            try:
                await self._one(op, index, result)
            except DuplicateKeyError as error:
                result["writeErrors"].append(
                    {"index": index, "code": 11000, "errmsg": str(error), "op": op._doc}
                )
                if ordered:
                    break
        if result["writeErrors"]:
            raise BulkWriteError(result)
        return BulkWriteResult(result, acknowledged=True)

    async def _one(self, op: Any, index: int, result: dict[str, Any]) -> None:
        if isinstance(op, InsertOne):
            await self._inner.insert_one(op._doc)
            result["nInserted"] += 1
            return
        if isinstance(op, ReplaceOne):
            done = await self._inner.replace_one(op._filter, op._doc, upsert=op._upsert)
        elif isinstance(op, UpdateOne):
            done = await self._inner.update_one(op._filter, op._doc, upsert=op._upsert)
        elif isinstance(op, UpdateMany):
            done = await self._inner.update_many(op._filter, op._doc, upsert=op._upsert)
        else:
            raise NotImplementedError(f"bulk_write of {type(op).__name__} on the embedded store")
        result["nMatched"] += done.matched_count
        result["nModified"] += done.modified_count
        if done.upserted_id is not None:
            result["nUpserted"] += 1
            result["upserted"].append({"index": index, "_id": done.upserted_id})
