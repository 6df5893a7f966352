"""The driver constructor: the aggregate handle carries `ECEI_READ_PREFERENCE`, and the
aggregates read through it while the directory reads through the main handle."""

from __future__ import annotations

import dataclasses
from collections import Counter
from typing import Any, cast

import pytest
from pymongo import ReadPreference

from api.database import Connection, connect
from api.settings import Settings
from tests.support import CountingDatabase, serve


def test_the_aggregate_handle_reads_with_the_configured_preference() -> None:
    settings = Settings(
        mongodb_uri="mongodb://127.0.0.1:1/?replicaSet=rs0", read_preference="secondaryPreferred"
    )
    connection = connect(settings)  # lazy: nothing is sent
    try:
        assert connection.db.read_preference == ReadPreference.PRIMARY
        assert connection.aggregate_db is not None
        assert connection.aggregate_db.read_preference == ReadPreference.SECONDARY_PREFERRED
        assert connection.aggregate_db.name == connection.db.name
    finally:
        connection.close()


@pytest.mark.anyio
async def test_aggregates_read_through_the_aggregate_handle_and_pages_do_not() -> None:
    aggregate_calls: Counter[str] = Counter()

    def split(s: Settings) -> Connection:
        connection = connect(s)
        counted = cast(Any, CountingDatabase(connection.db, aggregate_calls))
        return dataclasses.replace(connection, aggregate_db=counted)

    async with serve(Settings(), connect=split) as api:
        aggregate_calls.clear()
        await api.http.post("/graphql", json={"query": "{ clusters { nodes { name } } }"})
        assert sum(aggregate_calls.values()) == 0
        await api.http.post(
            "/graphql", json={"query": "{ portfolioStats { portfolio { slug } clusterCount } }"}
        )
        assert sum(aggregate_calls.values()) >= 1


def test_a_motor_client_serves_calls_from_any_event_loop() -> None:
    """The API calls the database from the HTTP loop and from the execution thread's loop
    (`api.execution`); Motor's own client binds itself to the first loop that uses it and
    fails on the next ("Event loop is closed"). Here no server answers: each loop must get
    the driver's own outage error."""
    import asyncio
    import threading

    from pymongo.errors import ServerSelectionTimeoutError

    connection = connect(Settings(mongodb_uri="mongodb://127.0.0.1:1/", db_timeout_ms=100))

    async def find() -> str:
        try:
            await connection.db["clusters"].find_one({})
        except Exception as exc:  # the kind of error is what is checked
            return type(exc).__name__
        return "answered"

    try:
        outcomes = [asyncio.run(find()), asyncio.run(find())]
        thread = threading.Thread(target=lambda: outcomes.append(asyncio.run(find())))
        thread.start()
        thread.join()
    finally:
        connection.close()
    assert outcomes == [ServerSelectionTimeoutError.__name__] * 3
