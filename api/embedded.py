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

## Off the event loop: `ThreadedDatabase`

mongomock-motor's "async" methods do all their work synchronously on the calling thread:
a filter of thousands of clauses or a pipeline over every cluster would hold the event
loop, so that `/healthz`, other requests and the execution deadline all wait. Here every
call that does work (an async method, `aggregate`, iterating a cursor) runs on one worker
thread of its own; one thread, because mongomock is not thread-safe, and the calls of
concurrent requests queue there instead of on the loop. Python's GIL still shares the CPU,
but the loop gets it back every switch interval (5 ms), so it keeps answering.

mongomock-motor's async methods never suspend, so a worker thread runs one by driving the
coroutine to its end (`_drive`).

`api.database.connect` serves `ThreadedDatabase(guarded(db))`: the guard measures each
command before mongomock runs it.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Callable, Coroutine, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any

import bson
from mongomock_motor import AsyncMongoMockClient
from pymongo import InsertOne, ReplaceOne, UpdateMany, UpdateOne
from pymongo.errors import BulkWriteError, DocumentTooLarge, DuplicateKeyError
from pymongo.results import BulkWriteResult

from api import mongomock_speedups

__all__ = ["MAX_COMMAND_BYTES", "GuardedDatabase", "ThreadedDatabase", "embedded_client", "guarded"]

MAX_COMMAND_BYTES = 16 * 1024 * 1024


def embedded_client() -> Any:
    """A new in-process client (naive UTC datetimes, like the server client), with
    mongomock's faster paths installed (`api.mongomock_speedups`)."""
    mongomock_speedups.install()
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


# Cursor methods that do the reading (the others, e.g. sort and limit, only set options).
_CURSOR_READS = frozenset({"to_list", "distinct"})


def _drive(coroutine: Coroutine[Any, Any, Any]) -> Any:
    """The result of a coroutine that never suspends, run on the current thread."""
    try:
        coroutine.send(None)
    except StopIteration as done:
        return done.value
    coroutine.close()
    raise RuntimeError("an embedded-store call suspended; it cannot run on a worker thread")


class _Worker:
    def __init__(self) -> None:
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="embedded-store")

    async def call(self, function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.executor, partial(function, *args, **kwargs))

    async def run(self, method: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        return await self.call(lambda: _drive(method(*args, **kwargs)))


class ThreadedDatabase:
    """A mongomock-motor database whose work runs on one worker thread."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner
        self._worker = _Worker()

    def __getitem__(self, name: str) -> _ThreadedCollection:
        return _ThreadedCollection(self._inner[name], self._worker)

    def get_collection(self, name: str) -> _ThreadedCollection:
        return self[name]

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._inner, name)
        if inspect.iscoroutinefunction(attribute):
            return partial(self._worker.run, attribute)
        return attribute

    def close(self) -> None:
        self._worker.executor.shutdown(wait=False, cancel_futures=True)


class _ThreadedCollection:
    def __init__(self, inner: Any, worker: _Worker) -> None:
        self._inner, self._worker = inner, worker

    @property
    def name(self) -> str:
        return str(self._inner.name)

    def find(self, *args: Any, **kwargs: Any) -> _ThreadedCursor:
        return _ThreadedCursor(self._inner.find(*args, **kwargs), self._worker)  # lazy

    def aggregate(self, *args: Any, **kwargs: Any) -> _ThreadedCursor:
        # mongomock runs the whole pipeline when `aggregate` is called: defer it to the
        # worker, where the cursor is read.
        return _ThreadedCursor(partial(self._inner.aggregate, *args, **kwargs), self._worker)

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._inner, name)
        if inspect.iscoroutinefunction(attribute):
            return partial(self._worker.run, attribute)
        return attribute


class _ThreadedCursor:
    """A cursor read on the worker thread; `source` is the mongomock-motor cursor, or a
    function that makes it there."""

    def __init__(self, source: Any, worker: _Worker) -> None:
        self._source, self._worker = source, worker
        self._buffer: list[Any] | None = None

    def _cursor(self) -> Any:
        if callable(self._source) and not hasattr(self._source, "to_list"):
            self._source = self._source()
        return self._source

    def __getattr__(self, name: str) -> Any:
        if name in _CURSOR_READS:
            return partial(self._read, name)

        def chained(*args: Any, **kwargs: Any) -> Any:
            result = getattr(self._cursor(), name)(*args, **kwargs)
            return self if result is self._source else result

        return chained

    async def _read(self, name: str, *args: Any, **kwargs: Any) -> Any:
        def read() -> Any:
            return _drive(getattr(self._cursor(), name)(*args, **kwargs))

        return await self._worker.call(read)

    def __aiter__(self) -> _ThreadedCursor:
        return self

    async def __anext__(self) -> Any:
        if self._buffer is None:
            self._buffer = list(await self._read("to_list", None))
        if not self._buffer:
            raise StopAsyncIteration
        return self._buffer.pop(0)
