"""The embedded store run off the event loop.

mongomock-motor's "async" methods do all their work synchronously on the calling thread:
a filter of thousands of clauses or a pipeline over every cluster would hold the event
loop, so that `/healthz`, other requests and the execution deadline all wait. Here every
call that does work (an async method, `aggregate`, iterating a cursor) runs on one worker
thread of its own; one thread, because mongomock is not thread-safe, and the calls of
concurrent requests queue there instead of on the loop. Python's GIL still shares the CPU,
but the loop gets it back every switch interval (5 ms), so it keeps answering.

mongomock-motor's async methods never suspend, so a worker thread runs one by driving the
coroutine to its end (`_drive`).
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any

__all__ = ["ThreadedDatabase"]

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
