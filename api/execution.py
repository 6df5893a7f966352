"""GraphQL operations run on an event loop of their own, in a thread of their own.

graphql-core builds a result synchronously between two awaits: a page of 100 clusters with
their interviews, a grouped timeline or a long list of benchmarks holds the loop it runs on
for tens to hundreds of milliseconds. On the loop that serves HTTP, that time is taken from
every other client: `/healthz`, answers from the response cache, requests still being read.

So the HTTP loop (uvicorn's) only reads requests, answers what it can without executing
(the response cache, refusals, `/healthz`) and sends answers; each operation is executed
on `ExecutionThread`'s loop. Python's GIL still shares one core between the two threads,
but the thread that waits for it gets it back within the switch interval (5 ms), so the
HTTP loop keeps answering while an operation computes.

- The operation runs in a copy of the caller's context (`contextvars`), so the request's
  record (`api.records`) and its trace span are the operation's.
- Cancelling the caller (the execution deadline, a client gone) cancels the operation on
  its loop at its next await.
- Database handles are used from both loops: the embedded store queues every call on its
  own worker thread (`api.embedded`) and Motor is built so that each call uses the loop it
  is made on (`api.database`).
- The thread runs at a lower scheduling priority than the HTTP loop's
  (`schema.offload.lower_priority`), so that when the CPU is contended the kernel runs
  the HTTP loop first.
- Without `start()` (or after `stop()`), `run` awaits the operation on the caller's loop.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import threading
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

from schema.offload import lower_priority

__all__ = ["ExecutionThread"]

T = TypeVar("T")

# How long a cancelled caller waits for its operation to stop (it stops at its next await;
# one that computes longer than this between two awaits is left to finish on its own).
STOP_WAIT_SECONDS = 0.25


class ExecutionThread:
    """One daemon thread running an event loop for GraphQL operations."""

    def __init__(self, name: str = "graphql-execution") -> None:
        self.name = name
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None

    @property
    def running(self) -> bool:
        return self._loop is not None

    def start(self) -> None:
        if self._loop is not None:
            return
        loop = asyncio.new_event_loop()
        ready = threading.Event()

        def run() -> None:
            lower_priority()
            asyncio.set_event_loop(loop)
            loop.call_soon(ready.set)
            loop.run_forever()

        thread = threading.Thread(target=run, name=self.name, daemon=True)
        thread.start()
        ready.wait()
        self._loop, self._thread = loop, thread

    def stop(self) -> None:
        """Stop the loop (operations still on it are cancelled) and close it."""
        loop, thread = self._loop, self._thread
        if loop is None or thread is None:
            return
        self._loop = self._thread = None

        async def cancel_all() -> None:
            tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            await loop.shutdown_default_executor()  # the threads of `asyncio.to_thread`

        # An operation computing between two awaits stops at its next one; past the wait,
        # the daemon thread is left to the end of the process.
        with contextlib.suppress(concurrent.futures.TimeoutError):
            asyncio.run_coroutine_threadsafe(cancel_all(), loop).result(timeout=5)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=5)
        if not thread.is_alive():
            loop.close()

    async def run(self, operation: Callable[[], Coroutine[Any, Any, T]]) -> T:
        """The result of the coroutine `operation()`, made and run on the execution loop in
        a copy of the caller's context (`run_coroutine_threadsafe` copies it when it
        schedules the task).

        When the caller is cancelled, the operation is cancelled too, and the caller waits
        (up to `STOP_WAIT_SECONDS`) for it to stop before it goes on, so that an answer
        saying the work was abandoned is sent once it was. One whose caller was cancelled
        before it started is never made."""
        loop = self._loop
        if loop is None:
            return await operation()
        started, abandoned = threading.Event(), threading.Event()
        stopped: concurrent.futures.Future[None] = concurrent.futures.Future()

        async def tracked() -> T:
            started.set()
            try:
                if abandoned.is_set():
                    # The caller gave up while the task waited for the loop (the task's
                    # cancellation, queued after its first step, would come too late).
                    raise asyncio.CancelledError
                return await operation()
            finally:
                # The caller may have stopped waiting (and cancelled `stopped`) already.
                with contextlib.suppress(concurrent.futures.InvalidStateError):
                    stopped.set_result(None)

        running = asyncio.run_coroutine_threadsafe(tracked(), loop)
        try:
            return await asyncio.wrap_future(running)
        except asyncio.CancelledError:
            abandoned.set()
            # `running` is cancelled, which cancels the task at its next await (or before
            # its first step: then there is nothing to wait for).
            if started.is_set():
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(asyncio.wrap_future(stopped), STOP_WAIT_SECONDS)
            raise
