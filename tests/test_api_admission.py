"""The budget of costly work in flight (`api.admission.CostInFlight`), and how the view
uses it: costly operations wait for their cost, in order, without holding a turn that a
light request could use."""

from __future__ import annotations

import asyncio
import collections
import contextlib
import gc
from collections.abc import AsyncIterator
from typing import Any, cast

import orjson
import pytest

from api.admission import LIGHT_COST, CostInFlight, SendPacer
from api.settings import Settings
from tests.support import hold_first_count, serve

pytestmark = pytest.mark.anyio


async def _started(task: asyncio.Future[Any]) -> None:
    """Let `task` run until it waits."""
    for _ in range(5):
        await asyncio.sleep(0)


async def test_units_are_granted_while_they_last_and_then_in_order() -> None:
    budget = CostInFlight(1000)
    assert await budget.acquire(600) == 600
    big = asyncio.ensure_future(budget.acquire(700))
    small = asyncio.ensure_future(budget.acquire(100))
    await _started(small)
    # 400 are free: enough for the small one, but the big one came first.
    assert not big.done()
    assert not small.done()
    budget.release(600)
    assert await big == 700
    assert await small == 100
    assert budget.available == 200


async def test_more_than_the_capacity_is_granted_the_whole_capacity() -> None:
    budget = CostInFlight(1000)
    assert await budget.acquire(5000) == 1000
    assert budget.available == 0
    budget.release(1000)
    assert budget.available == 1000


async def test_a_cancelled_waiter_lets_those_behind_it_through() -> None:
    budget = CostInFlight(1000)
    await budget.acquire(900)
    big = asyncio.ensure_future(budget.acquire(800))
    small = asyncio.ensure_future(budget.acquire(100))
    await _started(small)
    assert not small.done()
    big.cancel()
    assert await small == 100
    with pytest.raises(asyncio.CancelledError):
        await big
    assert budget.available == 0


async def test_units_granted_as_the_wait_is_cancelled_are_given_back() -> None:
    budget = CostInFlight(1000)
    await budget.acquire(1000)
    waiting = asyncio.ensure_future(budget.acquire(300))
    await _started(waiting)
    budget.release(1000)  # grants the waiter, which has not resumed yet
    waiting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiting
    assert budget.available == 1000


async def test_a_grant_and_the_deadlines_of_the_waiters_in_one_turn_leak_nothing() -> None:
    """The first waiter is granted as both waiters' deadlines cancel them: giving the
    first one's units back must pass over the second, cancelled but still in line, and
    leave the whole budget free (it once raised, kept the second's units for good, and
    every costly operation after it waited out its deadline)."""
    budget = CostInFlight(10)
    await budget.acquire(10)
    first = asyncio.ensure_future(budget.acquire(10))
    second = asyncio.ensure_future(budget.acquire(10))
    await _started(second)
    budget.release(10)  # grants the first, which has not resumed yet
    first.cancel()
    second.cancel()
    results = await asyncio.gather(first, second, return_exceptions=True)
    assert [type(r) for r in results] == [asyncio.CancelledError, asyncio.CancelledError]
    assert budget.available == 10
    assert await asyncio.wait_for(budget.acquire(10), 1) == 10


def test_a_budget_holds_at_least_one_unit() -> None:
    with pytest.raises(ValueError, match="at least one unit"):
        CostInFlight(0)


# --- in the view: `GraphQLView._admit_costly` ---

# Each costs 100 (the page) + 10 (totalCount) + 100 x 5 (labels) = 610, over LIGHT_COST.
_COSTLY = "{ %s: clusters(first: 100) { totalCount nodes { labels { level } } } }"


async def test_a_costly_operation_waits_for_its_cost_without_holding_a_turn(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    held = hold_first_count(monkeypatch)  # the first costly operation holds its cost
    settings = Settings(max_operations=2, max_cost_in_flight=1000, response_cache_bytes=0)
    async with serve(settings) as api:
        first = asyncio.ensure_future(api.http.post("/graphql", json={"query": _COSTLY % "a"}))
        assert await asyncio.to_thread(held.started.wait, 10)
        second = asyncio.ensure_future(api.http.post("/graphql", json={"query": _COSTLY % "b"}))
        await asyncio.sleep(0.3)
        assert not second.done()  # 610 + 610 > 1000: it waits for the first
        # A light request takes the turn the second one gave back, and is answered.
        light = await api.http.post("/graphql", json={"query": "{ c: clusters { totalCount } }"})
        assert light.json()["data"]["c"]["totalCount"] == 88
        assert light.json()["extensions"]["cost"]["requestedNodes"] <= LIGHT_COST
        assert not second.done()
        held.release.set()
        answers = await asyncio.gather(first, second)
        assert [a.json()["extensions"]["cost"]["requestedNodes"] for a in answers] == [610, 610]
        assert [len(a.json()["data"][k]["nodes"]) for a, k in zip(answers, "ab", strict=True)] == [
            88,
            88,
        ]
        endpoint = _endpoint(api)
        assert endpoint._costly.available == 1000
        assert endpoint._operations._value == 2


async def test_a_costly_operation_that_waits_past_the_deadline_gets_503(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from api import view

    settings = Settings(max_cost_in_flight=1000, response_cache_bytes=0)
    async with serve(settings) as api:
        endpoint = _endpoint(api)
        monkeypatch.setattr(view, "EXECUTION_DEADLINE_SECONDS", 0.2)
        await endpoint._costly.acquire(1000)  # the whole budget taken
        try:
            response = await api.http.post("/graphql", json={"query": _COSTLY % "a"})
            # A light request does not wait for the budget.
            light = await api.post("{ clusters { totalCount } }")
        finally:
            endpoint._costly.release(1000)
        assert response.status_code == 503
        assert response.headers["Retry-After"] == "5"
        assert response.json()["errors"][0]["extensions"]["code"] == "SERVICE_UNAVAILABLE"
        assert light["data"]["clusters"]["totalCount"] == 88
        # Nothing it waited for is lost: the budget and the turns are whole again.
        assert endpoint._costly.available == 1000
        assert endpoint._operations._value == settings.max_operations
        assert (await api.post(_COSTLY % "a"))["data"]["a"]["totalCount"] == 88


def _endpoint(api: Any) -> Any:
    route = next(r for r in api.app.routes if getattr(r, "path", "") == "/graphql")
    return cast(Any, route).endpoint


async def test_an_export_waits_for_a_turn_and_gets_503_past_the_deadline(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The CSV export reads the store like an operation: each page takes a turn among
    `max_operations`, so a burst of exports queues with the operations instead of running
    all at once on the loop."""
    from api import view

    settings = Settings(max_operations=2, response_cache_bytes=0)
    async with serve(settings) as api:
        endpoint = _endpoint(api)
        monkeypatch.setattr(view, "EXECUTION_DEADLINE_SECONDS", 0.2)
        for _ in range(2):
            await endpoint._operations.acquire()  # every turn taken
        try:
            refused = await api.http.get("/export/clusters.csv")
        finally:
            for _ in range(2):
                endpoint._operations.release()
        served = await api.http.get("/export/clusters.csv")
        assert endpoint._operations._value == 2  # every turn given back
    assert refused.status_code == 503
    assert refused.headers["Retry-After"] == "5"
    assert refused.json()["errors"][0]["extensions"]["code"] == "SERVICE_UNAVAILABLE"
    assert served.status_code == 200
    assert served.text.count("\r\n") == 89  # the header and every cluster


async def test_every_page_of_an_export_takes_a_turn_and_gives_it_back() -> None:
    from api import export

    settings = Settings(max_operations=1, response_cache_bytes=0)
    async with serve(settings) as api:
        route = next(r for r in api.app.routes if getattr(r, "path", "") == export.EXPORT_PATH)
        exporter = cast(Any, route).endpoint.__self__
        exporter.page_size = 30
        turns: list[int] = []
        turn = exporter.turn

        @contextlib.asynccontextmanager
        async def counting() -> AsyncIterator[None]:
            async with turn():
                turns.append(_endpoint(api)._operations._value)
                yield

        exporter.turn = counting
        response = await api.http.get("/export/clusters.csv")
        assert _endpoint(api)._operations._value == 1
    assert response.text.count("\r\n") == 89
    assert turns == [0, 0, 0]  # three pages of 30, each read while holding the one turn


async def test_large_answers_are_written_a_budget_per_turn_of_the_loop() -> None:
    pacer = SendPacer(budget=100)
    turn = 0
    written: list[tuple[int, int]] = []

    def count_turns() -> None:
        nonlocal turn
        turn += 1
        if len(written) < 7:
            asyncio.get_running_loop().call_soon(count_turns)

    async def answer(n: int, size: int) -> None:
        await pacer.wait(size)
        written.append((n, turn))

    asyncio.get_running_loop().call_soon(count_turns)
    await asyncio.gather(answer(0, 250), *(answer(n, 60) for n in range(1, 7)))
    assert [n for n, _ in written] == list(range(7))  # in order of arrival
    per_turn = collections.Counter(t for _, t in written)
    # The one over the budget alone, then two of 60 a turn (the second takes it past 100).
    assert sorted(per_turn.values()) == [1, 2, 2, 2]
    assert len(per_turn) == 4


async def test_an_abandoned_wait_gives_its_place_to_the_next() -> None:
    pacer = SendPacer(budget=100)
    pacer.spent = 100  # this turn is spent
    first = asyncio.ensure_future(pacer.wait(10))
    second = asyncio.ensure_future(pacer.wait(10))
    await asyncio.sleep(0)  # both wait now, for the next turn
    first.cancel()
    await asyncio.wait_for(second, 1)
    assert first.cancelled()


@pytest.mark.parametrize("known", [False, True], ids=["new-text", "known-text"])
async def test_a_large_request_waits_for_its_turn_without_its_decoded_body(known: bool) -> None:
    """Waiting, it holds its bytes, not the thousands of objects of its JSON, which the
    garbage collector would walk in every full collection meanwhile. A new text waits
    before it is parsed, a known one before it runs."""
    marker = "waiting-marker-7f3a"
    body = orjson.dumps(
        {
            "query": "query($n: Int) { clusters(first: $n) { totalCount } }",
            "variables": {"n": 3},
            "extensions": {marker: list(range(2000))},  # 9 kB: decoded off the loop
        }
    )
    headers = {"content-type": "application/json"}
    async with serve(Settings(max_operations=1)) as api:
        if known:  # validated, and its answer for another `n` stored
            await api.post("query($n: Int) { clusters(first: $n) { totalCount } }", n=2)
        operations = _endpoint(api)._operations
        await operations.acquire()  # the only turn
        try:
            waiting = asyncio.ensure_future(
                api.http.post("/graphql", content=body, headers=headers)
            )
            await asyncio.sleep(0.3)
            assert not waiting.done()
            held = [o for o in gc.get_objects() if isinstance(o, dict) and marker in o]
            assert held == []
        finally:
            operations.release()
        response = await waiting
    assert response.json()["data"]["clusters"]["totalCount"] == 88
