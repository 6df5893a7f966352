"""The aggregate pipelines on small inline databases, checked against schema.rules.labels rules,
on mongomock and (with MONGODB_URI) on a real MongoDB server."""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import date, datetime, timedelta
from typing import Any, cast

import pytest

from api.embedded import GuardedDatabase, embedded_client, guarded
from schema.rules.labels import label_status
from schema.rules.ratings import benchmark
from schema.store.aggregates import (
    cluster_groups,
    label_timeline,
    portfolio_stats,
    status_expression,
)
from schema.store.documents import (
    CLUSTERS,
    INDICATORS,
    INTERVIEWS,
    LABELS,
    PORTFOLIOS,
    Database,
    IndicatorDoc,
)
from schema.store.interviews import indicator_stats, latest_interviews
from schema.store.peers import load_peer_groups

pytestmark = pytest.mark.anyio


@pytest.fixture(
    params=[
        pytest.param("db", id="mongomock"),
        pytest.param("pipeline", id="mongomock-pipelines"),
        pytest.param("mongodb", id="mongodb", marks=pytest.mark.mongodb),
    ]
)
def db(request: pytest.FixtureRequest) -> Database:
    """Each test runs on the embedded engine and, with MONGODB_URI, on a real server: the
    pipelines must give the same answers on both. The embedded engine runs twice: with
    the reads it gets by default (a `find` where it would copy a whole collection into an
    `aggregate`) and with the server's pipelines."""
    if request.param == "mongodb":
        return cast(Database, request.getfixturevalue("mongodb"))
    if request.param == "pipeline":
        return cast(Database, _ServerReads(embedded_client()[f"test_{uuid.uuid4().hex[:8]}"]))
    return cast(Database, guarded(embedded_client()[f"test_{uuid.uuid4().hex[:8]}"]))


class _ServerReads(GuardedDatabase):
    in_process = False


AS_OF = date(2015, 6, 30)


def _dt(day: date) -> datetime:
    return datetime(day.year, day.month, day.day)


def _cluster(i: int, portfolio: str, valid_until: date, **extra: Any) -> dict[str, Any]:
    return {
        "_id": f"c{i:02d}",
        "name": f"Cluster {i}",
        "portfolio": portfolio,
        "portfolioName": portfolio.upper(),
        "country": extra.get("country", "FR"),
        "label": {
            "level": extra.get("level", "BRONZE"),
            "validUntil": _dt(valid_until),
            "awardedOn": _dt(valid_until.replace(year=valid_until.year - 2)),
            "awardedOnInferred": True,
        },
    }


# End dates around every status boundary of AS_OF (see schema.rules.labels).
ENDS = [
    AS_OF - timedelta(days=400),
    AS_OF - timedelta(days=366),
    AS_OF - timedelta(days=365),
    AS_OF - timedelta(days=1),
    AS_OF,
    AS_OF + timedelta(days=90),
    AS_OF + timedelta(days=91),
    date(2018, 2, 16),
]


async def _listing(db: Database) -> list[dict[str, Any]]:
    clusters = [
        _cluster(i, "aa" if i % 2 else "bb", end, level="GOLD" if i == 3 else "BRONZE")
        for i, end in enumerate(ENDS)
    ]
    await db[CLUSTERS].insert_many(clusters)
    await db[PORTFOLIOS].insert_many(
        [{"_id": slug, "name": slug.upper(), "nameKey": slug} for slug in ("aa", "bb", "zz")]
    )
    return clusters


@pytest.mark.parametrize(
    "as_of",
    [AS_OF, date(2014, 1, 1), date(2016, 6, 29), date(2016, 6, 30), date(2019, 3, 1)],
)
async def test_status_in_the_pipeline_agrees_with_label_status(db: Database, as_of: date) -> None:
    clusters = await _listing(db)
    rows = (
        await db[CLUSTERS]
        .aggregate([{"$project": {"s": status_expression("$label.validUntil", as_of)}}])
        .to_list(None)
    )
    got = {row["_id"]: row["s"] for row in rows}
    assert got == {c["_id"]: label_status(c["label"]["validUntil"], as_of) for c in clusters}


async def test_portfolio_stats_lists_every_portfolio(db: Database) -> None:
    clusters = await _listing(db)
    rows = await portfolio_stats(db, {}, AS_OF, 90)
    assert [r.portfolio["_id"] for r in rows] == ["aa", "bb", "zz"]
    for row in rows:
        mine = [c for c in clusters if c["portfolio"] == row.portfolio["_id"]]
        assert row.cluster_count == len(mine)
        ends = [c["label"]["validUntil"].date() for c in mine]
        assert row.earliest_valid_until == (min(ends) if ends else None)
        assert row.latest_valid_until == (max(ends) if ends else None)
        assert row.by_status == Counter(label_status(e, AS_OF) for e in ends)
        assert row.expiring_within_window == sum(
            1 for e in ends if AS_OF <= e <= AS_OF + timedelta(days=90)
        )
    assert rows[0].by_level == Counter({"BRONZE": 3, "GOLD": 1})


async def test_cluster_groups_by_several_keys(db: Database) -> None:
    await _listing(db)
    rows = await cluster_groups(db, {}, AS_OF, ["PORTFOLIO", "EXPIRY_YEAR", "PORTFOLIO"])
    assert [(r.portfolio, r.portfolio_name, r.expiry_year, r.count) for r in rows] == [
        ("aa", "AA", 2014, 1),
        ("aa", "AA", 2015, 2),
        ("aa", "AA", 2018, 1),
        ("bb", "BB", 2014, 2),
        ("bb", "BB", 2015, 2),
    ]
    assert all(r.label_status is None and r.country is None for r in rows)
    total = await cluster_groups(db, {}, AS_OF, [])
    assert [(r.count, r.portfolio) for r in total] == [(len(ENDS), None)]
    nothing = await cluster_groups(db, {"country": "DE"}, AS_OF, [])
    assert [r.count for r in nothing] == [0]
    assert await cluster_groups(db, {"country": "DE"}, AS_OF, ["COUNTRY"]) == []


async def test_label_timeline_counts_awards_ends_and_valid_clusters(db: Database) -> None:
    await db[CLUSTERS].insert_many([{"_id": "a"}, {"_id": "b"}])
    await db[LABELS].insert_many(
        [
            # a: first label 2012-03-01..2014-03-01, renewal to 2017-03-01 from 2014-03-01
            {"_id": 1, "cluster": "a", "awardedOn": datetime(2012, 3, 1),
             "validUntil": datetime(2014, 3, 1), "awardedOnInferred": True},
            {"_id": 2, "cluster": "a", "awardedOn": datetime(2014, 3, 1),
             "validUntil": datetime(2017, 3, 1), "awardedOnInferred": False},
            {"_id": 3, "cluster": "b", "awardedOn": datetime(2013, 12, 31),
             "validUntil": datetime(2015, 12, 31), "awardedOnInferred": True},
            {"_id": 4, "cluster": "zz-not-matched", "awardedOn": datetime(2000, 1, 1),
             "validUntil": datetime(2030, 1, 1), "awardedOnInferred": True},
        ]
    )  # fmt: skip
    rows = await label_timeline(db, {}, "YEAR")
    table = [
        (r.start.year, r.awarded, r.awarded_inferred, r.expiring, r.clusters_valid_at_end)
        for r in rows
    ]
    assert table == [
        (2012, 1, 1, 0, 1),
        (2013, 1, 1, 0, 2),
        (2014, 1, 0, 1, 2),
        (2015, 0, 0, 1, 2),  # b ends on 31 December: still valid on the period's last day
        (2016, 0, 0, 0, 1),
        (2017, 0, 0, 1, 0),
    ]
    months = await label_timeline(db, {"_id": "b"}, "MONTH")
    assert (months[0].start, months[0].end) == (date(2013, 12, 1), date(2013, 12, 31))
    assert len(months) == 25
    assert months[2].start == date(2014, 2, 1)
    assert months[2].end == date(2014, 2, 28)


def _interview(cluster: str, day: date, values: dict[str, Any], sample: bool) -> dict[str, Any]:
    return {
        "_id": f"{cluster}/{day}",
        "cluster": cluster,
        "conductedOn": _dt(day),
        "catalogueVersion": "v1",
        "isSample": sample,
        "results": [{"code": c, "value": v, "rating": None} for c, v in values.items()],
    }


CATALOGUE = [
    {"_id": "v1/n", "catalogueVersion": "v1", "code": "n", "number": 1, "area": "A",
     "unit": "COUNT", "higherIsBetter": True},
    {"_id": "v1/low", "catalogueVersion": "v1", "code": "low", "number": 2, "area": "A",
     "unit": "PERCENT", "higherIsBetter": False},
    {"_id": "v1/flag", "catalogueVersion": "v1", "code": "flag", "number": 3, "area": "B",
     "unit": "BOOL", "higherIsBetter": True},
    {"_id": "v1/kind", "catalogueVersion": "v1", "code": "kind", "number": 4, "area": "B",
     "unit": "ENUM", "higherIsBetter": None},
]  # fmt: skip


async def _interviews(db: Database) -> None:
    await _listing(db)
    await db[INDICATORS].insert_many(CATALOGUE)
    docs = []
    for i in range(len(ENDS)):
        cluster = f"c{i:02d}"
        values = {"n": float(i * 10), "low": float(100 - i), "flag": i % 3 == 0, "kind": "x"}
        docs.append(_interview(cluster, date(2014, 1, 1), {"n": -1.0}, sample=False))
        docs.append(_interview(cluster, date(2015, 1, 1), values, sample=True))
    await db[INTERVIEWS].insert_many(docs)


async def test_latest_interview_per_cluster_with_and_without_samples(db: Database) -> None:
    await _interviews(db)
    latest = await latest_interviews(db, {}, include_sample=True)
    assert [m.values["n"] for m in latest] == [float(i * 10) for i in range(len(ENDS))]
    assert all(m.is_sample for m in latest)
    real = await latest_interviews(db, {}, include_sample=False, code="n")
    assert [(m.is_sample, dict(m.values)) for m in real] == [(False, {"n": -1.0})] * len(ENDS)


async def test_indicator_stats_withholds_small_groups(db: Database) -> None:
    await _interviews(db)
    indicator = cast(IndicatorDoc, CATALOGUE[0])
    rows = await indicator_stats(
        db, indicator, {}, by_portfolio=True, include_sample=True, min_group_size=4
    )
    assert [(r.portfolio, r.n, r.withheld) for r in rows] == [("aa", 4, False), ("bb", 4, False)]
    summary = rows[0].summary
    assert summary is not None
    assert summary.median == 40.0
    small = await indicator_stats(
        db,
        indicator,
        {"_id": {"$in": ["c01", "c02", "c03"]}},
        by_portfolio=False,
        include_sample=True,
        min_group_size=4,
    )
    assert [(r.n, r.withheld, r.summary) for r in small] == [(3, True, None)]


async def test_benchmark_against_peer_groups(db: Database) -> None:
    await _interviews(db)
    everyone, portfolio = await load_peer_groups(
        db, [("ALL", None, True), ("PORTFOLIO", "aa", True)]
    )
    rows = benchmark(everyone, "c07", min_group_size=3)
    assert rows is not None
    assert [r.indicator["code"] for r in rows] == ["n", "low", "flag"]  # ENUM left out
    n, low, _ = rows
    assert (n.value, n.n, n.percentile_rank, n.rating) == (70.0, 8, 93.75, "GREEN")
    assert (low.value, low.percentile_rank, low.rating) == (93.0, 6.25, "GREEN")
    assert [m for m in portfolio.members] == ["c01", "c03", "c05", "c07"]
    assert benchmark(portfolio, "c07", min_group_size=5) is not None
    assert all(r.withheld and r.rating is None for r in benchmark(portfolio, "c07", 5) or [])
    assert benchmark(portfolio, "nobody", 3) is None
