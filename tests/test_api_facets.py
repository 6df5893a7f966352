"""`ClusterConnection.facets`: counts per value for the same search and filter, each facet
ignoring its own condition, checked against `clustersAggregate` and against the raw
listing; and what a list, its total and its facets cost in round trips."""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Any

import pytest

from tests.support import LISTING, Api, add_years, status_on

pytestmark = pytest.mark.anyio

FACETS = """
query ($s: String, $w: ClusterWhere, $d: Date) {
  clusters(search: $s, where: $w, asOf: $d, first: 5) {
    totalCount
    nodes { name }
    facets {
      portfolio { portfolio { slug name } count }
      labelLevel { level count }
      labelStatus { status count }
      expiryYear { year count }
      country { country count }
    }
  }
}"""

AGGREGATE = """
query ($s: String, $w: ClusterWhere, $d: Date, $g: [ClusterGroupBy!]!) {
  clustersAggregate(search: $s, where: $w, asOf: $d, groupBy: $g) {
    portfolio { slug } labelLevel labelStatus expiryYear country count
  }
}"""

FIELDS = {
    "portfolio": ("PORTFOLIO", "portfolio"),
    "labelLevel": ("LABEL_LEVEL", "labelLevel"),
    "labelStatus": ("LABEL_STATUS", "labelStatus"),
    "expiryYear": ("EXPIRY_YEAR", "expiryYear"),
    "country": ("COUNTRY", "country"),
}


def _value(field: str, entry: dict[str, Any]) -> Any:
    if field == "portfolio":
        return entry["portfolio"]["slug"]
    return entry[
        {"labelLevel": "level", "labelStatus": "status", "expiryYear": "year"}.get(field, field)
    ]


@pytest.mark.parametrize(
    ("search", "where"),
    [
        pytest.param(None, None, id="everything"),
        pytest.param("pole", None, id="search"),
        pytest.param(
            None,
            {"portfolio": ["ict", "biotechnology"], "labelStatus": ["VALID", "EXPIRING_SOON"]},
            id="portfolio-and-status",
        ),
        pytest.param(
            "pole",
            {"country": ["FR"], "labelLevel": ["BRONZE"], "validUntil": {"gte": "2015-01-01"}},
            id="search-and-every-key",
        ),
    ],
)
async def test_each_facet_ignores_its_own_condition(
    api: Api, search: str | None, where: dict[str, Any] | None
) -> None:
    day = "2014-06-30"
    data = (await api.data(FACETS, s=search, w=where, d=day))["clusters"]
    total = (await api.data(AGGREGATE, s=search, w=where, d=day, g=[]))["clustersAggregate"]
    assert data["totalCount"] == total[0]["count"]
    for field, (key, column) in FIELDS.items():
        others = {
            k: v
            for k, v in (where or {}).items()
            if k != {"expiryYear": "validUntil"}.get(field, field)
        }
        groups = (await api.data(AGGREGATE, s=search, w=others, d=day, g=[key]))[
            "clustersAggregate"
        ]
        expected = [
            (g["portfolio"]["slug"] if field == "portfolio" else g[column], g["count"])
            for g in groups
            if (g["portfolio"] if field == "portfolio" else g[column]) is not None
        ]
        assert [(_value(field, e), e["count"]) for e in data["facets"][field]] == expected, field


async def test_facets_match_the_listing(api: Api) -> None:
    day = date(2014, 6, 30)
    where = {"portfolio": ["ict"], "labelStatus": ["NOT_YET_LABELLED"]}
    facets = (await api.data(FACETS, w=where, d=day.isoformat()))["clusters"]["facets"]
    ict = [row for row in LISTING if row.portfolio == "ICT"]
    statuses = Counter(status_on(row.end, day) for row in ict)
    assert {e["status"]: e["count"] for e in facets["labelStatus"]} == statuses
    not_yet = Counter(
        row.portfolio for row in LISTING if status_on(row.end, day) == "NOT_YET_LABELLED"
    )
    assert {e["portfolio"]["name"]: e["count"] for e in facets["portfolio"]} == not_yet
    # The level and year facets keep both conditions: ICT clusters not yet labelled have no
    # label in force, so no level and no year.
    assert facets["labelLevel"] == facets["expiryYear"] == []
    assert facets["country"] == [{"country": "FR", "count": statuses["NOT_YET_LABELLED"]}]
    in_force = [row for row in LISTING if add_years(row.end, -2) <= day]
    assert len(in_force) < len(LISTING)


async def test_list_total_and_facets_in_two_round_trips(api: Api) -> None:
    where = {"portfolio": ["ict"], "country": ["FR"]}
    # One find for the page, one pipeline for every facet and the total (the portfolio
    # check reads the portfolios once).
    assert await api.round_trips(FACETS, s="pole", w={"country": ["FR"]}) == 2
    assert await api.round_trips(FACETS, w=where) == 3
    assert api.calls["portfolios.find"] == 1
    assert api.calls["clusters.aggregate"] == 1


async def test_facets_are_computed_only_when_selected(api: Api) -> None:
    await api.round_trips("{ clusters(first: 3) { totalCount nodes { name } } }")
    assert api.calls["clusters.aggregate"] == 0
    await api.round_trips("{ clusters(first: 3) { facets { country { count } } } }")
    assert api.calls["clusters.aggregate"] == 1
    assert api.calls["clusters.count_documents"] == 0


async def test_portfolio_clusters_have_facets_of_their_portfolio(api: Api) -> None:
    data = await api.data(
        '{ portfolio(slug: "ict") { clusterCount clusters { facets { portfolio { count } } } } }'
    )
    portfolio = data["portfolio"]
    assert portfolio["clusters"]["facets"]["portfolio"] == [{"count": portfolio["clusterCount"]}]
