"""Operations run on the execution thread's loop, not on the loop that serves HTTP
(`api.execution`): in the caller's context, cancelled with it, and inline when the thread
is not running."""

from __future__ import annotations

import asyncio
import contextvars
import dataclasses
import gc
import os
import sys
import threading
import warnings
from typing import Any, cast

import pytest

from api.database import Connection, connect
from api.execution import ExecutionThread
from api.settings import Settings
from tests.support import hold_first_count, serve

pytestmark = pytest.mark.anyio

_VAR: contextvars.ContextVar[str] = contextvars.ContextVar("test_var", default="unset")


class _ThreadNoting:
    """A database whose `clusters` collection notes the thread each `find` is called on."""

    def __init__(self, inner: Any, threads: list[str]) -> None:
        self._inner, self._threads = inner, threads

    def __getitem__(self, name: str) -> Any:
        collection = self._inner[name]
        if name != "clusters":
            return collection
        threads = self._threads

        class Noting:
            def __getattr__(self, attribute: str) -> Any:
                method = getattr(collection, attribute)
                if attribute != "find":
                    return method

                def noted(*args: Any, **kwargs: Any) -> Any:
                    threads.append(threading.current_thread().name)
                    return method(*args, **kwargs)

                return noted

        return Noting()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


async def test_an_operation_runs_on_the_execution_thread_not_the_http_loop() -> None:
    threads: list[str] = []

    def noting(settings: Settings) -> Connection:
        connection = connect(settings)
        return dataclasses.replace(connection, db=cast(Any, _ThreadNoting(connection.db, threads)))

    async with serve(Settings(response_cache_bytes=0), connect=noting) as api:
        view = next(r for r in api.app.routes if getattr(r, "path", "") == "/graphql")
        assert cast(Any, view).endpoint.execution.running
        threads.clear()
        data = await api.data("{ clusters(first: 2) { nodes { slug } } }")
        assert len(data["clusters"]["nodes"]) == 2
    http_thread = threading.current_thread().name
    assert threads, "the page read no clusters"
    assert set(threads) == {"graphql-execution"}
    assert http_thread != "graphql-execution"


async def test_the_operation_sees_the_callers_context() -> None:
    execution = ExecutionThread(name="test-execution")
    execution.start()
    try:

        async def read() -> tuple[str, str]:
            return _VAR.get(), threading.current_thread().name

        token = _VAR.set("request 1")
        try:
            assert await execution.run(read) == ("request 1", "test-execution")
        finally:
            _VAR.reset(token)
    finally:
        execution.stop()


async def test_cancelling_the_caller_cancels_the_operation_on_its_loop() -> None:
    execution = ExecutionThread(name="test-execution")
    execution.start()
    started, cancelled = threading.Event(), threading.Event()

    async def long() -> None:
        started.set()
        try:
            await asyncio.sleep(60)
        except asyncio.CancelledError:
            cancelled.set()
            raise

    try:
        task = asyncio.ensure_future(execution.run(long))
        assert await asyncio.to_thread(started.wait, 10)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert await asyncio.to_thread(cancelled.wait, 10)
    finally:
        execution.stop()


async def test_an_operation_cancelled_before_it_starts_is_never_made() -> None:
    execution = ExecutionThread(name="test-execution")
    execution.start()
    gate = threading.Event()
    made: list[str] = []

    async def holding() -> None:
        gate.wait(10)  # holds the execution loop: nothing else starts meanwhile

    async def operation() -> None:
        made.append("made")

    try:
        first = asyncio.ensure_future(execution.run(holding))
        await asyncio.sleep(0.05)
        second = asyncio.ensure_future(execution.run(operation))
        await asyncio.sleep(0.05)
        second.cancel()
        with pytest.raises(asyncio.CancelledError):
            await second
        gate.set()
        await first
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            del second
            gc.collect()
        assert made == []
        assert [str(w.message) for w in caught] == []  # no coroutine left un-awaited
    finally:
        gate.set()
        execution.stop()


async def test_without_the_thread_an_operation_runs_inline() -> None:
    execution = ExecutionThread()

    async def where() -> str:
        return threading.current_thread().name

    assert await execution.run(where) == threading.current_thread().name
    execution.start()
    execution.stop()
    assert not execution.running
    assert await execution.run(where) == threading.current_thread().name


# --- a turn for each request the response cache cannot answer (`GraphQLView._admit`) ---


async def test_requests_beyond_max_operations_wait_their_turn_and_cached_ones_do_not(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async with serve(Settings(max_operations=1)) as api:
        cached = "{ portfolios { slug } }"
        assert (await api.post(cached))["data"]["portfolios"]
        held = hold_first_count(monkeypatch)  # the first operation holds its turn
        first = asyncio.ensure_future(
            api.http.post("/graphql", json={"query": "{ clusters { totalCount } }"})
        )
        assert await asyncio.to_thread(held.started.wait, 10)
        second = asyncio.ensure_future(
            api.http.post("/graphql", json={"query": "{ a: clusters { totalCount } }"})
        )
        await asyncio.sleep(0.3)
        # The second, a text never seen, waits for a turn: not parsed, not run.
        assert held.calls == ["count"]
        assert not second.done()
        # A cached answer and /healthz do not wait.
        hit = await api.http.post("/graphql", json={"query": cached})
        assert hit.json()["extensions"]["cache"] == "HIT"
        assert (await api.http.get("/healthz")).status_code == 200
        held.release.set()
        answers = await asyncio.gather(first, second)
    assert [a.status_code for a in answers] == [200, 200]
    assert held.calls == ["count", "count"]
    assert answers[1].json()["data"]["a"]["totalCount"] == 88


async def test_a_request_that_waits_past_the_deadline_for_a_turn_gets_503(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from api import view

    async with serve(Settings(max_operations=1, response_cache_bytes=0)) as api:
        route = next(r for r in api.app.routes if getattr(r, "path", "") == "/graphql")
        endpoint: Any = cast(Any, route).endpoint
        monkeypatch.setattr(view, "EXECUTION_DEADLINE_SECONDS", 0.2)
        await endpoint._operations.acquire()  # every turn taken
        try:
            response = await api.http.post("/graphql", json={"query": "{ __typename }"})
        finally:
            endpoint._operations.release()
        assert response.status_code == 503
        assert response.headers["Retry-After"] == "5"
        assert response.json()["errors"][0]["extensions"]["code"] == "SERVICE_UNAVAILABLE"
        # The turn it never got is not given back: the next request still gets one.
        assert (await api.post("{ __typename }"))["data"] == {"__typename": "Query"}
        assert endpoint._operations._value == 1


@pytest.mark.skipif(sys.platform != "linux", reason="per-thread niceness is Linux's")
async def test_the_execution_thread_runs_at_a_lower_priority() -> None:
    from schema.offload import LOWER_PRIORITY_BY

    def niceness() -> int:
        return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())

    async def read() -> int:
        return niceness()

    execution = ExecutionThread(name="test-execution")
    execution.start()
    try:
        assert await execution.run(read) == min(19, niceness() + LOWER_PRIORITY_BY)
    finally:
        execution.stop()
