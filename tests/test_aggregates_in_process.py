"""The embedded store's own reads of the aggregates (`db.in_process`: a projected `find`
computed in Python) give what the server's pipelines give on the same engine, on a
generated listing with its sample interviews and with the documents a writer outside the
loader could leave (no portfolio, a null country, no history, an unknown level...)."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from dataclasses import asdict
from datetime import date, datetime
from typing import Any, cast

import pytest

from api.embedded import GuardedDatabase, embedded_client, guarded
from schema.rules.ratings import benchmark
from schema.store.aggregates import GroupKey, cluster_groups, portfolio_stats
from schema.store.documents import CLUSTERS, INTERVIEWS, PORTFOLIOS, Database
from schema.store.filters import ClusterFilter, cluster_match
from schema.store.indicators import find_indicator
from schema.store.interviews import indicator_stats, latest_interviews
from schema.store.peers import load_peer_groups
from seed.generate import generated_input
from seed.loader import load
from tests.support import CountingDatabase

pytestmark = pytest.mark.anyio


class _ServerReads(GuardedDatabase):
    in_process = False


def _entry(level: str, awarded: date, until: date, valid_until: Any) -> dict[str, Any]:
    return {
        "level": level,
        "awardedOn": datetime(awarded.year, awarded.month, awarded.day),
        "inForceUntil": datetime(until.year, until.month, until.day),
        "validUntil": valid_until,
    }


def _odd_clusters() -> list[dict[str, Any]]:
    """Clusters the loader never writes, each testing one way of reading a field."""
    held = [_entry("SILVER", date(2013, 1, 1), date(2017, 12, 31), datetime(2016, 1, 1))]
    base: dict[str, Any] = {
        "name": "Odd",
        "country": "FR",
        "portfolio": "ict",
        "portfolioName": "ICT",
    }
    odd: list[dict[str, Any]] = [
        {**base, "_id": "odd-no-portfolio", "portfolio": None, "portfolioName": None}
        | {"history": held},
        {"_id": "odd-missing-portfolio", "name": "Odd", "country": "DE", "history": held},
        {**base, "_id": "odd-unknown-portfolio", "portfolio": "nowhere", "history": held},
        {**base, "_id": "odd-no-history"},
        {**base, "_id": "odd-null-history", "history": None},
        {**base, "_id": "odd-empty-history", "history": []},
        {**base, "_id": "odd-null-country", "country": None, "history": held},
        {"_id": "odd-missing-country", "name": "Odd", "portfolio": "ict", "history": held},
        {
            **base,
            "_id": "odd-unknown-level",
            "history": [
                _entry("PLATINUM", date(2014, 1, 1), date(2030, 1, 1), datetime(2021, 1, 1))
            ],
        },
        {
            **base,
            "_id": "odd-two-in-force",  # the first entry in force is the one counted
            "history": [
                _entry("GOLD", date(2010, 1, 1), date(2012, 1, 1), datetime(2011, 1, 1)),
                _entry("BRONZE", date(2014, 1, 1), date(2020, 1, 1), datetime(2016, 6, 1)),
                _entry("SILVER", date(2013, 1, 1), date(2021, 1, 1), datetime(2019, 1, 1)),
            ],
        },
    ]
    return [doc | {"nameKey": doc["_id"]} for doc in odd]  # unique with the country


@pytest.fixture(scope="module")
def engine() -> Any:
    """One mongomock-motor database, with 150 generated clusters (renewals, sample
    interviews) and the odd clusters, shared by the module's tests, which only read."""
    inner = embedded_client()[f"test_{uuid.uuid4().hex[:8]}"]

    async def fill() -> None:
        db = cast(Database, guarded(inner))
        await load(db, generated_input(150), bulk=True)
        await db[CLUSTERS].insert_many(_odd_clusters())
        await db[PORTFOLIOS].insert_one({"_id": "empty", "name": "Empty", "nameKey": "empty"})

    asyncio.run(fill())
    return inner


def _both(engine: Any) -> tuple[Database, Database]:
    return cast(Database, guarded(engine)), cast(Database, _ServerReads(engine))


AS_OF = [date(2009, 1, 1), date(2015, 6, 30), date(2016, 1, 1), date(2021, 3, 1), date(2031, 1, 1)]
FILTERS: list[tuple[ClusterFilter | None, str | None]] = [
    (None, None),
    (ClusterFilter(label_status=["VALID", "NOT_YET_LABELLED"]), None),
    (ClusterFilter(portfolio=["ict", "nowhere"], label_level=["BRONZE", "GOLD"]), None),
    (ClusterFilter(country=["FR", "DE"]), "pole"),
    (ClusterFilter(portfolio=["nothing-matches"]), None),
]


@pytest.mark.parametrize("where", FILTERS, ids=range(len(FILTERS)))
@pytest.mark.parametrize("as_of", AS_OF, ids=str)
async def test_portfolio_stats_in_process_equal_the_pipeline(
    engine: Any, as_of: date, where: tuple[ClusterFilter | None, str | None]
) -> None:
    in_process, server = _both(engine)
    match = cluster_match(where[0], as_of, where[1])
    for window in (0, 90, 3650):
        found = await portfolio_stats(in_process, match, as_of, window)
        expected = await portfolio_stats(server, match, as_of, window)
        assert [asdict(row) for row in found] == [asdict(row) for row in expected]
        assert sum(row.cluster_count for row in found) > 0 or where[0] is not None


KEYS: list[list[GroupKey]] = [
    [],
    ["PORTFOLIO"],
    ["PORTFOLIO", "LABEL_STATUS"],
    ["LABEL_LEVEL", "EXPIRY_YEAR"],
    ["COUNTRY", "LABEL_LEVEL", "LABEL_STATUS", "PORTFOLIO", "EXPIRY_YEAR"],
    ["EXPIRY_YEAR", "COUNTRY", "EXPIRY_YEAR"],
]


@pytest.mark.parametrize("keys", KEYS, ids=lambda k: ",".join(k) or "none")
@pytest.mark.parametrize("where", FILTERS, ids=range(len(FILTERS)))
@pytest.mark.parametrize("as_of", AS_OF[1:4], ids=str)
async def test_cluster_groups_in_process_equal_the_pipeline(
    engine: Any, as_of: date, where: tuple[ClusterFilter | None, str | None], keys: list[GroupKey]
) -> None:
    in_process, server = _both(engine)
    match = cluster_match(where[0], as_of, where[1])
    found = await cluster_groups(in_process, match, as_of, keys)
    assert found == await cluster_groups(server, match, as_of, keys)
    assert found or where is FILTERS[-1]  # only the last filter matches nothing


async def test_the_odd_clusters_are_counted_as_the_pipeline_counts_them(engine: Any) -> None:
    in_process, _ = _both(engine)
    as_of = date(2016, 1, 1)
    match = {"_id": {"$regex": "^odd-"}}
    rows = await cluster_groups(in_process, match, as_of, ["PORTFOLIO", "LABEL_LEVEL"])
    by_key = {(row.portfolio, row.label_level): row.count for row in rows}
    # Missing and null portfolios are two groups, as `$group` makes them; PLATINUM is kept.
    assert [row.portfolio for row in rows].count(None) == 2
    assert by_key[("ict", "PLATINUM")] == 1
    assert by_key[("ict", None)] == 3  # no history, null history, empty history
    stats = {r.portfolio["_id"]: r for r in await portfolio_stats(in_process, match, as_of, 90)}
    assert stats["ict"].by_level == {"SILVER": 2, "PLATINUM": 1, "BRONZE": 1}
    assert stats["ict"].by_status["NOT_YET_LABELLED"] == 3
    assert stats["empty"].cluster_count == 0


@pytest.mark.parametrize(
    "odd",
    [
        {"validUntil": "2016-01-01"},
        {"awardedOn": None},
        {"inForceUntil": 20200101},
        {"level": None},
    ],
    ids=["string-end", "null-award", "number-until", "null-level"],
)
async def test_a_value_the_projection_cannot_read_goes_to_the_pipeline(
    odd: dict[str, Any],
) -> None:
    inner = embedded_client()[f"test_{uuid.uuid4().hex[:8]}"]
    entry = _entry("SILVER", date(2013, 1, 1), date(2017, 12, 31), datetime(2016, 1, 1)) | odd
    calls: Counter[str] = Counter()
    db = cast(Database, CountingDatabase(guarded(inner), calls))
    await db[PORTFOLIOS].insert_one({"_id": "ict", "name": "ICT", "nameKey": "ict"})
    await db[CLUSTERS].insert_many(
        [
            {"_id": "a", "portfolio": "ict", "portfolioName": "ICT", "history": [entry]},
            {"_id": "b", "portfolio": "ict", "portfolioName": "ICT", "country": "FR"},
        ]
    )
    server = cast(Database, _ServerReads(inner))
    as_of = date(2015, 6, 1)
    # Not EXPIRY_YEAR: the year of a string is an error on both engines.
    keys: list[GroupKey] = ["PORTFOLIO", "LABEL_LEVEL", "LABEL_STATUS", "COUNTRY"]
    found = await portfolio_stats(db, {}, as_of, 365)
    assert calls == {"portfolios.find": 1, "clusters.find": 1, "clusters.aggregate": 1}
    assert [asdict(r) for r in found] == [
        asdict(r) for r in await portfolio_stats(server, {}, as_of, 365)
    ]
    assert await cluster_groups(db, {}, as_of, keys) == await cluster_groups(
        server, {}, as_of, keys
    )


async def test_interviews_and_peers_in_process_equal_the_pipeline(engine: Any) -> None:
    in_process, server = _both(engine)
    indicator = await find_indicator(in_process, "participants")
    assert indicator is not None
    for match in ({}, {"portfolio": {"$in": ["ict", "health"]}}, {"country": "FR"}):
        for include_sample in (True, False):
            assert await latest_interviews(
                in_process, match, include_sample=include_sample
            ) == await latest_interviews(server, match, include_sample=include_sample)
            for by_portfolio in (True, False):
                found = await indicator_stats(
                    in_process,
                    indicator,
                    match,
                    by_portfolio=by_portfolio,
                    include_sample=include_sample,
                    min_group_size=3,
                )
                assert found == await indicator_stats(
                    server,
                    indicator,
                    match,
                    by_portfolio=by_portfolio,
                    include_sample=include_sample,
                    min_group_size=3,
                )
    interviewed = await in_process[INTERVIEWS].find({}).sort("_id", 1).to_list(3)
    for doc in interviewed:
        cluster = await in_process[CLUSTERS].find_one({"_id": doc["cluster"]})
        assert cluster is not None
        keys = [("PORTFOLIO", cluster["portfolio"], True), ("ALL", None, True)]
        for fast, slow in zip(
            await load_peer_groups(in_process, keys),
            await load_peer_groups(server, keys),
            strict=True,
        ):
            assert fast.members == slow.members
            assert benchmark(fast, doc["cluster"], 3) == benchmark(slow, doc["cluster"], 3)
