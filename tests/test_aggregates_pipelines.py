"""The aggregate pipelines on small inline databases, checked against schema.rules.labels rules,
on mongomock and (with MONGODB_URI) on a real MongoDB server."""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import date, datetime, timedelta
from typing import Any, cast

import pytest
from mongomock_motor import AsyncMongoMockClient

from schema.rules.labels import label_status
from schema.rules.ratings import benchmark
from schema.rules.vocabulary import Level
from schema.store.aggregates import (
    GroupKey,
    cluster_facets,
    cluster_groups,
    portfolio_stats,
    status_expression,
)
from schema.store.documents import (
    CLUSTERS,
    INDICATORS,
    INTERVIEWS,
    PORTFOLIOS,
    Database,
    IndicatorDoc,
    LabelDoc,
    embedded_labels,
)
from schema.store.filters import ClusterFilter, cluster_match
from schema.store.interviews import indicator_stats, latest_interviews
from schema.store.peers import load_peer_groups
from schema.store.timeline import label_timeline

pytestmark = pytest.mark.anyio


@pytest.fixture(
    params=[
        pytest.param("db", id="mongomock"),
        pytest.param("mongodb", id="mongodb", marks=pytest.mark.mongodb),
    ]
)
def db(request: pytest.FixtureRequest) -> Database:
    """Each test runs on the embedded engine and, with MONGODB_URI, on a real server: the
    pipelines must give the same answers on both."""
    if request.param == "mongodb":
        return cast(Database, request.getfixturevalue("mongodb"))
    client: Any = AsyncMongoMockClient(tz_aware=False)
    return cast(Database, client[f"test_{uuid.uuid4().hex[:8]}"])


AS_OF = date(2015, 6, 30)


def _dt(day: date) -> datetime:
    return datetime(day.year, day.month, day.day)


def _label(cluster: str, level: str, awarded: date, end: date, inferred: bool) -> LabelDoc:
    return {
        "_id": f"{cluster}/{level}/{end}",
        "cluster": cluster,
        "level": cast(Level, level),
        "validUntil": _dt(end),
        "awardedOn": _dt(awarded),
        "awardedOnInferred": inferred,
        "source": {"file": "t", "line": 1},
    }


def _with_history(doc: dict[str, Any], labels: list[LabelDoc]) -> dict[str, Any]:
    """`doc` with the embedded label fields every writer of clusters stores."""
    current, history = embedded_labels(labels)
    return {**doc, "label": current, "history": history}


def _cluster(i: int, portfolio: str, valid_until: date, **extra: Any) -> dict[str, Any]:
    slug = f"c{i:02d}"
    awarded = valid_until.replace(year=valid_until.year - 2)
    doc = {
        "_id": slug,
        "name": f"Cluster {i}",
        "portfolio": portfolio,
        "portfolioName": portfolio.upper(),
        "country": extra.get("country", "FR"),
    }
    return _with_history(
        doc, [_label(slug, extra.get("level", "BRONZE"), awarded, valid_until, True)]
    )


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
        in_force = [c["label"] for c in mine if c["label"]["awardedOn"].date() <= AS_OF]
        ends = [label["validUntil"].date() for label in in_force]
        assert row.earliest_valid_until == (min(ends) if ends else None)
        assert row.latest_valid_until == (max(ends) if ends else None)
        assert row.by_status == Counter(label_status(e, AS_OF) for e in ends) + Counter(
            {"NOT_YET_LABELLED": len(mine) - len(in_force)}
        )
        assert row.expiring_within_window == sum(
            1 for e in ends if AS_OF <= e <= AS_OF + timedelta(days=90)
        )
    assert rows[0].by_level == Counter({"BRONZE": 2, "GOLD": 1})  # c07: not yet labelled


async def test_cluster_groups_by_several_keys(db: Database) -> None:
    await _listing(db)
    rows = await cluster_groups(db, {}, AS_OF, ["PORTFOLIO", "EXPIRY_YEAR", "PORTFOLIO"])
    assert [(r.portfolio, r.portfolio_name, r.expiry_year, r.count) for r in rows] == [
        ("aa", "AA", 2014, 1),
        ("aa", "AA", 2015, 2),
        ("aa", "AA", None, 1),  # awarded 2016-02-16: not yet labelled on AS_OF
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
    await db[CLUSTERS].insert_many(
        [
            # a: first label 2012-03-01..2014-03-01, renewal to 2017-03-01 from 2014-03-01
            _with_history(
                {"_id": "a", "portfolio": "aa", "portfolioName": "AA"},
                [
                    _label("a", "BRONZE", date(2012, 3, 1), date(2014, 3, 1), True),
                    _label("a", "BRONZE", date(2014, 3, 1), date(2017, 3, 1), False),
                ],
            ),
            _with_history(
                {"_id": "b", "portfolio": "bb", "portfolioName": "BB"},
                [_label("b", "GOLD", date(2013, 12, 31), date(2015, 12, 31), True)],
            ),
        ]
    )
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
    by_portfolio = await label_timeline(db, {}, "YEAR", by_portfolio=True)
    assert [(r.portfolio, r.start.year, r.clusters_valid_at_end) for r in by_portfolio] == [
        *[("aa", year, n) for year, n in zip(range(2012, 2018), [1, 1, 1, 1, 1, 0], strict=True)],
        *[("bb", year, n) for year, n in zip(range(2012, 2018), [0, 1, 1, 1, 0, 0], strict=True)],
    ]


async def test_label_timeline_follows_the_label_in_force(db: Database) -> None:
    # A long first label, then a short one awarded later: from that award on, the short one
    # is in force, so the cluster is no longer valid once it ends (the long one does not
    # count any more), as a labelStatus filter on that day says.
    await db[CLUSTERS].insert_one(
        _with_history(
            {"_id": "a", "portfolio": "aa", "portfolioName": "AA"},
            [
                _label("a", "BRONZE", date(2012, 1, 1), date(2018, 1, 1), False),
                _label("a", "GOLD", date(2014, 1, 1), date(2015, 6, 30), False),
            ],
        )
    )
    rows = await label_timeline(db, {}, "YEAR")
    assert [(r.start.year, r.clusters_valid_at_end) for r in rows] == [
        (2012, 1),
        (2013, 1),
        (2014, 1),
        (2015, 0),
        (2016, 0),
        (2017, 0),
        (2018, 0),
    ]
    on = date(2016, 3, 31)
    valid = await cluster_groups(
        db, cluster_match(ClusterFilter(label_status=["VALID", "EXPIRING_SOON"]), on), on, []
    )
    assert [g.count for g in valid] == [0]
    groups = await cluster_groups(db, {}, on, ["LABEL_LEVEL", "LABEL_STATUS"])
    assert [(g.label_level, g.label_status) for g in groups] == [("GOLD", "RENEWABLE")]
    before = await cluster_groups(db, {}, date(2011, 12, 31), ["LABEL_STATUS", "EXPIRY_YEAR"])
    assert [(g.label_status, g.expiry_year) for g in before] == [("NOT_YET_LABELLED", None)]


async def test_facets_count_each_key_without_its_own_condition(db: Database) -> None:
    await _listing(db)
    status = ClusterFilter(label_status=["VALID", "EXPIRING_SOON"], portfolio=["aa"])
    matches: dict[GroupKey, dict[str, Any]] = {
        "PORTFOLIO": cluster_match(ClusterFilter(label_status=status.label_status), AS_OF),
        "LABEL_STATUS": cluster_match(ClusterFilter(portfolio=status.portfolio), AS_OF),
        "LABEL_LEVEL": cluster_match(status, AS_OF),
        "EXPIRY_YEAR": cluster_match(status, AS_OF),
    }
    rows, total = await cluster_facets(db, {}, matches, AS_OF, total=cluster_match(status, AS_OF))
    for key, match in matches.items():
        groups = await cluster_groups(db, match, AS_OF, [key])
        field = {
            "PORTFOLIO": "portfolio",
            "LABEL_STATUS": "label_status",
            "LABEL_LEVEL": "label_level",
            "EXPIRY_YEAR": "expiry_year",
        }[key]
        expected = [(getattr(g, field), g.count) for g in groups if getattr(g, field)]
        assert [(r.value, r.count) for r in rows[key]] == expected, key
    assert [r.name for r in rows["PORTFOLIO"]] == ["AA", "BB"]
    assert total == sum(r.count for r in rows["LABEL_LEVEL"]) == 1  # c05: VALID in aa
    assert await cluster_facets(db, {}, {}, AS_OF) == ({}, None)


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
