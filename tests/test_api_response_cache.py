"""The response cache (`api.response_cache`): hits and misses, never stale, never an error.

Each test serves an app of its own with the cache on (the shared `api` fixture runs
without it). Time is a fake clock, so the staleness bound between processes is tested
without waiting.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import math
from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path
from typing import Any, cast

import pytest
from mongomock_motor import AsyncMongoMockClient

from api.database import Connection
from api.embedded import ThreadedDatabase, guarded
from api.response_cache import Generation, ResponseCache
from api.settings import Settings
from schema.store.documents import Database
from schema.store.generation import GENERATION_ID, META, bump_generation, read_generation
from schema.types.ids import to_global_id
from seed.command import load_listing
from tests.editing import serve_editors
from tests.support import Api, serve

pytestmark = pytest.mark.anyio

PAGE = "{ clusters(first: 3) { nodes { slug label { status } } } }"
CHECK_SECONDS = 1.0


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _shared_store() -> tuple[Database, Any]:
    """One embedded database for several apps, as processes share a server; and a
    `connect` that hands it to each."""
    client: Any = AsyncMongoMockClient(tz_aware=False)
    # As `api.database.connect` builds the embedded store: guarded, on a worker thread.
    db: Database = ThreadedDatabase(guarded(client["ecei"]))  # type: ignore[assignment]

    def connect(settings: Settings) -> Connection:
        return Connection(client=client, db=db, embedded=True)

    return db, connect


@pytest.fixture
async def cached() -> AsyncIterator[Api]:
    async with serve(Settings(cache_check_seconds=CHECK_SECONDS), clock=FakeClock()) as served:
        yield served


def _cache(api: Api) -> ResponseCache:
    cache: ResponseCache = api.app.state.response_cache
    return cache


async def test_a_repeated_query_is_a_hit_without_database_reads(cached: Api) -> None:
    first = await cached.post(PAGE)
    cached.calls.clear()
    second = await cached.post(PAGE)
    assert first["extensions"]["cache"] == "MISS"
    assert second["extensions"]["cache"] == "HIT"
    assert second["data"] == first["data"]
    assert second["extensions"]["cost"] == first["extensions"]["cost"]
    assert sum(cached.calls.values()) == 0
    assert (_cache(cached).hits, _cache(cached).misses) == (1, 1)


async def test_spacing_and_comments_do_not_make_another_entry(cached: Api) -> None:
    await cached.post(PAGE)
    body = await cached.post("# the same\n{clusters(first:3){nodes{slug,label{status}}}}")
    assert body["extensions"]["cache"] == "HIT"
    assert len(_cache(cached)) == 1


@pytest.mark.parametrize(
    ("query", "variables"),
    [
        pytest.param("query($n: Int) { clusters(first: $n) { nodes { slug } } }", {}, id="vars"),
        pytest.param(
            '{ clusters(asOf: "2014-01-01") { nodes { label { status } } } }', {}, id="asof"
        ),
    ],
)
async def test_keys_differ_by_variables_and_as_of(
    cached: Api, query: str, variables: dict[str, Any]
) -> None:
    if "$n" in query:
        one, two = await cached.post(query, n=1), await cached.post(query, n=2)
        assert len(one["data"]["clusters"]["nodes"]) == 1
        assert len(two["data"]["clusters"]["nodes"]) == 2
    else:
        one = await cached.post(query)
        two = await cached.post(query.replace("2014-01-01", "2016-01-01"))
        assert one["data"] != two["data"]
    assert one["extensions"]["cache"] == two["extensions"]["cache"] == "MISS"
    assert len(_cache(cached)) == 2


async def test_keys_differ_by_today_scope_and_operation(db: Database) -> None:
    today = [date(2014, 1, 1)]
    cache = ResponseCache(1 << 20, Generation(1.0), today=lambda: today[0])
    query = "query A { __typename } query B { __typename }"
    a = await cache.key(db, query, None, "A")
    b = await cache.key(db, query, None, "B")
    other_scope = await cache.key(db, query, None, "A", scope="partner")
    today[0] = date(2014, 1, 2)
    tomorrow = await cache.key(db, query, None, "A")
    keys = [a, b, other_scope, tomorrow]
    assert None not in keys
    assert len({k.digest for k in keys if k is not None}) == 4
    assert tomorrow is not None
    assert tomorrow.today == date(2014, 1, 2)


async def test_requests_with_credentials_are_not_cached(cached: Api) -> None:
    for _ in range(2):
        response = await cached.http.post(
            "/graphql", json={"query": PAGE}, headers={"Authorization": "Bearer x"}
        )
        assert response.status_code == 401  # an unknown key: refused, never a stored answer
        assert "cache" not in response.json().get("extensions", {})
    assert len(_cache(cached)) == 0


async def test_a_valid_key_is_never_answered_from_the_cache(tmp_path: Path) -> None:
    async with serve_editors(tmp_path) as editors:
        anonymous = await editors.post(PAGE)
        assert anonymous["extensions"]["cache"] == "MISS"  # stored for the public scope
        for _ in range(2):
            keyed = await editors.post(PAGE, "reader")
            assert keyed["extensions"]["cache"] == "BYPASS"  # neither read nor stored
            assert keyed["data"] == anonymous["data"]
        assert len(_cache(editors.api)) == 1


async def test_an_answer_reading_the_budget_is_never_stored(tmp_path: Path) -> None:
    async with serve_editors(tmp_path) as editors:
        first = await editors.post("{ rateLimit { remaining } }")
        second = await editors.post("{ rateLimit { remaining } }")
        assert second["extensions"]["cache"] == "BYPASS"
        assert second["data"]["rateLimit"]["remaining"] < first["data"]["rateLimit"]["remaining"]
        assert len(_cache(editors.api)) == 0


async def test_a_mutation_moves_the_generation(tmp_path: Path) -> None:
    async with serve_editors(tmp_path) as editors:
        query = '{ cluster(slug: "pole-emc2") { name } }'
        assert (await editors.post(query))["data"]["cluster"]["name"] == "Pôle EMC²"
        assert (await editors.post(query))["extensions"]["cache"] == "HIT"
        before = await read_generation(editors.db)
        update = (
            "mutation($input: UpdateClusterInput!) { updateCluster(input: $input) "
            "{ userErrors { code } } }"
        )
        cluster_id = to_global_id("Cluster", "pole-emc2")
        data = await editors.data(
            update, "editor", input={"id": cluster_id, "expectedVersion": 0, "name": "Pôle EMC3"}
        )
        assert data["updateCluster"]["userErrors"] == []
        assert await read_generation(editors.db) > before
        after = await editors.post(query)
        assert after["data"]["cluster"]["name"] == "Pôle EMC3"  # never the stale answer
        assert after["extensions"]["cache"] == "MISS"


@pytest.mark.parametrize(
    "query",
    [
        pytest.param("{ clusters(first: 1000) { nodes { slug } } }", id="bad-input"),
        pytest.param(
            "{ clusters(first: 100) { nodes { portfolio { clusters(first: 100) "
            "{ nodes { slug } } } } } }",
            id="over-budget",
        ),
        pytest.param("{ clusters { nodes { nope } } }", id="invalid"),
        pytest.param("{ clusters { nodes ", id="unparsable"),
    ],
)
async def test_errors_are_never_cached(cached: Api, query: str) -> None:
    for _ in range(2):
        body = await cached.post(query)
        assert body["errors"]
        assert body["extensions"]["cache"] == "BYPASS"
    assert len(_cache(cached)) == 0


async def test_introspection_and_mutations_are_never_cached(db: Database) -> None:
    cache = ResponseCache(1 << 20, Generation(1.0))
    assert await cache.key(db, "{ __schema { queryType { name } } }", None, None) is None
    assert await cache.key(db, "mutation { x }", None, None) is None
    assert await cache.key(db, "{ __typename }", None, None) is not None


async def test_a_write_is_seen_at_once_by_the_process_that_made_it(
    cached: Api, tmp_path: Path
) -> None:
    query = '{ clusters(search: "zeta") { totalCount } }'
    assert (await cached.data(query))["clusters"]["totalCount"] == 0
    assert (await cached.post(query))["extensions"]["cache"] == "HIT"
    listing = tmp_path / "more.csv"
    listing.write_text(
        "name,portfolio,website,label_level,valid_until,country\n"
        "Zeta Test Cluster,Production and engineering,,BRONZE,2017-02-01,FR\n",
        encoding="utf-8",
    )
    await load_listing(cached.app.state.connection.db, listing)  # the clock stands still
    body = await cached.post(query)
    assert body["extensions"]["cache"] == "MISS"
    assert body["data"]["clusters"]["totalCount"] == 1


async def test_another_process_write_is_seen_within_the_check_interval() -> None:
    db, connect = _shared_store()
    clock = FakeClock()
    # A connection string: the store is shared, as a server is (`connect` hands over the
    # one in-process store standing for it).
    settings = Settings(mongodb_uri="mongodb://shared.invalid", cache_check_seconds=CHECK_SECONDS)
    query = '{ cluster(slug: "nov-log") { name } }'
    async with (
        serve(settings, connect=connect, clock=clock) as one,
        serve(settings, connect=connect, clock=clock) as other,
    ):
        name = (await other.data(query))["cluster"]["name"]
        assert (await other.post(query))["extensions"]["cache"] == "HIT"
        # Another process writes: the data, then the generation (`bump_generation` there,
        # which this process's counter of its own writes does not see).
        await db["clusters"].update_one({"_id": "nov-log"}, {"$set": {"name": "Renamed"}})
        await db[META].update_one({"_id": GENERATION_ID}, {"$inc": {"value": 1}}, upsert=True)
        clock.now += CHECK_SECONDS / 2
        stale = await other.post(query)
        assert (stale["extensions"]["cache"], stale["data"]["cluster"]["name"]) == ("HIT", name)
        clock.now += CHECK_SECONDS / 2
        fresh = await other.post(query)
        assert fresh["extensions"]["cache"] == "MISS"
        assert fresh["data"]["cluster"]["name"] == "Renamed"
        # The first instance, which has not read this query yet, answers the same.
        assert (await one.data(query))["cluster"]["name"] == "Renamed"


class _HeldReads:
    """A database whose generation reads wait until `release` is set."""

    def __init__(self, inner: Database) -> None:
        self.inner, self.release, self.waiting = inner, asyncio.Event(), 0

    def __getitem__(self, name: str) -> Any:
        collection, held = self.inner[name], self

        class Held:
            async def find_one(self, *args: Any, **kwargs: Any) -> Any:
                held.waiting += 1
                await held.release.wait()
                held.waiting -= 1
                return await collection.find_one(*args, **kwargs)

        return Held()


async def test_past_half_the_interval_the_next_read_starts_without_a_wait(db: Database) -> None:
    clock = FakeClock()
    generation = Generation(CHECK_SECONDS, clock=clock)
    assert await generation.current(db) == 0
    held = _HeldReads(db)
    await db[META].update_one({"_id": GENERATION_ID}, {"$inc": {"value": 1}}, upsert=True)
    clock.now += CHECK_SECONDS * 0.4
    assert await generation.current(cast(Any, held)) == 0  # valid, and not yet half-way
    assert held.waiting == 0
    clock.now += CHECK_SECONDS * 0.2
    # Half-way: answered at once with the value still valid; a read starts meanwhile.
    assert await generation.current(cast(Any, held)) == 0
    await asyncio.sleep(0)
    assert held.waiting == 1
    held.release.set()
    for _ in range(10):
        await asyncio.sleep(0)
    assert generation.reads == 2
    assert await generation.current(db) == 1  # the read's value, valid from its start


async def test_past_the_interval_a_request_waits_for_the_read(db: Database) -> None:
    clock = FakeClock()
    generation = Generation(CHECK_SECONDS, clock=clock)
    assert await generation.current(db) == 0
    await db[META].update_one({"_id": GENERATION_ID}, {"$inc": {"value": 1}}, upsert=True)
    held = _HeldReads(db)
    clock.now += CHECK_SECONDS
    waiting = asyncio.ensure_future(generation.current(cast(Any, held)))
    for _ in range(10):
        await asyncio.sleep(0)
    assert not waiting.done()  # the old value is no longer valid
    held.release.set()
    assert await waiting == 1


async def test_the_generation_is_read_once_per_interval(db: Database) -> None:
    clock = FakeClock()
    generation = Generation(CHECK_SECONDS, clock=clock)
    for _ in range(5):
        assert await generation.current(db) == 0
    assert generation.reads == 1
    clock.now += CHECK_SECONDS
    await generation.current(db)
    assert generation.reads == 2
    assert await bump_generation(db) == 1  # this process wrote: read again at once
    assert await generation.current(db) == 1 == await read_generation(db)
    assert generation.reads == 3


async def test_entries_are_bounded_by_bytes(db: Database) -> None:
    cache = ResponseCache(2000, Generation(1.0))
    for n in range(20):
        key = await cache.key(db, f"{{ a{n}: __typename }}", None, None)
        assert key is not None
        cache.put(key, {"x": "y" * 100}, {})
    assert 0 < len(cache) < 20
    assert cache.size <= 2000


async def test_a_zero_budget_turns_the_cache_off() -> None:
    async with serve(Settings(response_cache_bytes=0)) as served:
        for _ in range(2):
            assert (await served.post(PAGE))["extensions"]["cache"] == "BYPASS"


async def test_identical_requests_wait_for_the_one_running(db: Database) -> None:
    cache = ResponseCache(1 << 20, Generation(1.0))
    key = await cache.key(db, "{ __typename }", None, None)
    assert key is not None
    assert await cache.fetch(key) == (None, True)  # a miss: this caller runs it
    waiting = [asyncio.ensure_future(cache.fetch(key)) for _ in range(3)]
    await asyncio.sleep(0)
    assert not any(w.done() for w in waiting)
    cache.put(key, {"__typename": "Query"}, {})
    cache.finish(key)
    answers = await asyncio.gather(*waiting)
    assert all(body is not None and not runs for body, runs in answers)
    assert (cache.hits, cache.misses) == (3, 1)


async def test_when_the_one_running_fails_the_waiting_run_it_themselves(db: Database) -> None:
    cache = ResponseCache(1 << 20, Generation(1.0))
    key = await cache.key(db, "{ __typename }", None, None)
    assert key is not None
    await cache.fetch(key)
    waiting = asyncio.ensure_future(cache.fetch(key))
    await asyncio.sleep(0)
    cache.finish(key)  # an error: nothing stored
    assert await waiting == (None, False)


async def test_get_and_persisted_queries_share_the_entry_of_a_post(cached: Api) -> None:
    await cached.post(PAGE)
    by_get = await cached.http.get("/graphql", params={"query": PAGE})
    assert by_get.json()["extensions"]["cache"] == "HIT"
    digest = hashlib.sha256(PAGE.encode()).hexdigest()
    extensions = {"persistedQuery": {"version": 1, "sha256Hash": digest}}
    unknown = await cached.http.post("/graphql", json={"extensions": extensions})
    assert unknown.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"
    await cached.http.post("/graphql", json={"query": PAGE, "extensions": extensions})
    by_hash = await cached.http.get("/graphql", params={"extensions": json.dumps(extensions)})
    assert by_hash.json()["extensions"]["cache"] == "HIT"
    assert len(_cache(cached)) == 1


async def test_an_answer_from_the_cache_is_public_and_revalidated_over_get(cached: Api) -> None:
    await cached.http.get("/graphql", params={"query": PAGE})
    hit = await cached.http.get("/graphql", params={"query": PAGE})
    assert hit.json()["extensions"]["cache"] == "HIT"
    assert hit.headers["cache-control"].startswith("public")
    again = await cached.http.get(
        "/graphql", params={"query": PAGE}, headers={"If-None-Match": hit.headers["etag"]}
    )
    assert again.status_code == 304


async def test_the_cache_marker_says_hit_miss_or_bypass(tmp_path: Path) -> None:
    """MISS: run and stored, so the next identical request hits; HIT: served from the
    cache; BYPASS: neither read from it nor stored in it."""
    async with serve_editors(tmp_path) as editors:
        assert (await editors.post(PAGE))["extensions"]["cache"] == "MISS"
        assert (await editors.post(PAGE))["extensions"]["cache"] == "HIT"
        bypassed = {
            "error": await editors.post("{ clusters { nodes { nope } } }"),
            "rate-limit": await editors.post("{ rateLimit { remaining } }"),
            "key": await editors.post(PAGE, "reader"),
            "mutation": await editors.post(
                "mutation($id: String!) { revokeApiKey(id: $id) }", "admin", id="000000000000"
            ),
            "introspection": await editors.post("{ __schema { queryType { name } } }"),
        }
        for what, body in bypassed.items():
            assert body["extensions"]["cache"] == "BYPASS", what
        # Each answer that bypassed the cache does so again: none was stored.
        assert (await editors.post("{ rateLimit { remaining } }"))["extensions"]["cache"] == (
            "BYPASS"
        )
        assert len(_cache(editors.api)) == 1


async def test_a_miss_and_the_hit_after_it_have_the_same_etag(cached: Api) -> None:
    """A client holding the ETag of the first answer (a MISS) revalidates against the
    stored one: the ETag names the answer to the request, not the cache marker's bytes."""
    miss = await cached.http.get("/graphql", params={"query": PAGE})
    hit = await cached.http.get("/graphql", params={"query": PAGE})
    assert (miss.json()["extensions"]["cache"], hit.json()["extensions"]["cache"]) == (
        "MISS",
        "HIT",
    )
    assert miss.headers["etag"] == hit.headers["etag"]
    assert miss.headers["etag"].startswith('W/"')  # the bodies differ in the marker
    again = await cached.http.get(
        "/graphql", params={"query": PAGE}, headers={"If-None-Match": miss.headers["etag"]}
    )
    assert again.status_code == 304
    assert again.headers["etag"] == miss.headers["etag"]
    # Another query, or the same one after a write, is another answer with another ETag.
    other = await cached.http.get("/graphql", params={"query": "{ portfolios { slug } }"})
    assert other.headers["etag"] != miss.headers["etag"]
    await bump_generation(cached.app.state.connection.db)
    after_write = await cached.http.get(
        "/graphql", params={"query": PAGE}, headers={"If-None-Match": miss.headers["etag"]}
    )
    assert after_write.status_code == 200
    assert after_write.json()["extensions"]["cache"] == "MISS"
    assert after_write.headers["etag"] != miss.headers["etag"]
    # POST answers are never kept by an HTTP cache: no ETag, MISS or HIT alike.
    posted = [await cached.http.post("/graphql", json={"query": PAGE}) for _ in range(2)]
    assert [p.json()["extensions"]["cache"] for p in posted] == ["HIT", "HIT"]
    assert not any("etag" in p.headers for p in posted)


@pytest.mark.parametrize("extensions", ['"x"', "1", "true", "[1]"])
async def test_malformed_extensions_are_refused_even_for_a_stored_answer(
    cached: Api, extensions: str
) -> None:
    params = {"query": "{ __typename }"}
    assert (await cached.http.get("/graphql", params=params)).status_code == 200
    assert (await cached.http.get("/graphql", params=params)).json()["extensions"]["cache"] == "HIT"
    response = await cached.http.get("/graphql", params={**params, "extensions": extensions})
    assert response.status_code == 400


async def test_answers_read_from_a_secondary_are_not_kept() -> None:
    """With `ECEI_READ_PREFERENCE` other than `primary`, aggregates may read a secondary
    that lags behind the last write; kept, such an answer would be served until the next
    write. It is answered BYPASS; an answer that read only the primary is kept."""
    import dataclasses

    from api.database import connect

    def lagging(settings: Settings) -> Connection:
        return dataclasses.replace(connect(settings), aggregates_may_lag=True)

    async with serve(Settings(), connect=lagging) as api:
        stats = "{ portfolioStats { clusterCount } }"
        page = "{ clusters(first: 2) { nodes { slug } } }"
        assert [(await api.post(stats))["extensions"]["cache"] for _ in range(2)] == [
            "BYPASS",
            "BYPASS",
        ]
        assert [(await api.post(page))["extensions"]["cache"] for _ in range(2)] == ["MISS", "HIT"]

    async with serve(Settings()) as api:
        assert [(await api.post(stats))["extensions"]["cache"] for _ in range(2)] == [
            "MISS",
            "HIT",
        ]


async def test_a_private_store_is_not_read_again_for_its_generation(db: Database) -> None:
    """No other process writes to the embedded store (`private`): the generation read once
    stays valid until this process writes, so a cached answer never waits for a read that
    queues behind the store's other calls."""
    clock = FakeClock()
    generation = Generation(CHECK_SECONDS, private=True, clock=clock)
    for _ in range(3):
        assert await generation.current(db) == 0
        clock.now += CHECK_SECONDS * 100
    assert generation.reads == 1
    assert await bump_generation(db) == 1  # this process wrote: read again at once
    assert await generation.current(db) == 1
    assert generation.reads == 2


async def test_the_embedded_store_s_generation_is_private() -> None:
    async with serve(Settings(), clock=FakeClock()) as embedded:
        assert _cache(embedded).generation.check_seconds == math.inf
    shared = Settings(mongodb_uri="mongodb://shared.invalid", cache_check_seconds=CHECK_SECONDS)
    _, connect = _shared_store()
    async with serve(shared, connect=connect, clock=FakeClock()) as served:
        assert _cache(served).generation.check_seconds == CHECK_SECONDS
