"""The embedded store off the event loop: the same answers as mongomock-motor, and the
loop keeps running while a long call works."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from mongomock_motor import AsyncMongoMockClient

from api.embedded import ThreadedDatabase

pytestmark = pytest.mark.anyio


@pytest.fixture
async def db() -> Any:
    database = ThreadedDatabase(AsyncMongoMockClient()["test"])
    await database["c"].insert_many([{"_id": i, "k": i % 3} for i in range(30)])
    yield database
    database.close()


async def test_reads_answer_as_the_inner_store(db: Any) -> None:
    collection = db["c"]
    assert await collection.count_documents({"k": 1}) == 10
    assert (await collection.find_one({"_id": 4}))["k"] == 1
    page = await collection.find({"k": 2}, {"_id": 1}).sort("_id", -1).limit(2).to_list(None)
    assert page == [{"_id": 29}, {"_id": 26}]
    groups = await collection.aggregate(
        [{"$group": {"_id": "$k", "n": {"$sum": 1}}}, {"$sort": {"_id": 1}}]
    ).to_list(None)
    assert groups == [{"_id": 0, "n": 10}, {"_id": 1, "n": 10}, {"_id": 2, "n": 10}]
    assert [d["_id"] async for d in collection.find({"_id": {"$lt": 3}})] == [0, 1, 2]
    assert (await db.command("ping"))["ok"]


async def test_the_loop_runs_while_a_long_call_works(db: Any) -> None:
    await db["big"].insert_many([{"country": f"C{i}"} for i in range(300)])
    ticks = 0
    done = False

    async def tick() -> None:
        nonlocal ticks
        while not done:
            ticks += 1
            await asyncio.sleep(0)

    ticker = asyncio.create_task(tick())
    await asyncio.sleep(0)
    before = ticks
    slow = {"$or": [{"country": f"X{i}"} for i in range(100)]}
    assert await db["big"].count_documents(slow) == 0
    during = ticks - before
    done = True
    await ticker
    assert during > 1  # on the loop itself, the call would have let the ticker run at most once
