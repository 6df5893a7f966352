"""Unknown filter values are client errors naming the value and the nearest known ones,
never empty answers (`schema.types.checks`, `schema.rules.text.nearest`)."""

from __future__ import annotations

import pytest

from schema.rules.text import nearest
from tests.support import Api

pytestmark = pytest.mark.anyio

PORTFOLIOS = {
    "ict": "ICT",
    "energy-and-environment": "Energy and environment",
    "biotechnology": "Biotechnology",
}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param("ICT", ["ict"], id="name-for-slug"),
        pytest.param("Energy", ["energy-and-environment"], id="first-word-of-a-name"),
        pytest.param("Energy and environment", ["energy-and-environment"], id="whole-name"),
        pytest.param("biotech", ["biotechnology"], id="prefix"),
        pytest.param("energie", ["energy-and-environment"], id="misspelt"),
        pytest.param("zzz", [], id="nothing-close"),
    ],
)
def test_nearest(value: str, expected: list[str]) -> None:
    assert nearest(value, PORTFOLIOS)[: len(expected) or None] == expected


QUERIES = {
    "clusters": "query ($w: ClusterWhere) { clusters(where: $w) { totalCount } }",
    "portfolioStats": "query ($w: ClusterWhere) { portfolioStats(where: $w) { clusterCount } }",
    "clustersAggregate": (
        "query ($w: ClusterWhere) { clustersAggregate(groupBy: [], where: $w) { count } }"
    ),
    "labelTimeline": "query ($w: ClusterWhere) { labelTimeline(where: $w) { awarded } }",
    "indicatorStats": (
        'query ($w: ClusterWhere) { indicatorStats(code: "participants", where: $w) { n } }'
    ),
}


@pytest.mark.parametrize("field", sorted(QUERIES))
@pytest.mark.parametrize(
    ("where", "message"),
    [
        pytest.param(
            {"portfolio": ["ICT"]}, "unknown portfolio 'ICT'; did you mean 'ict'", id="name"
        ),
        pytest.param(
            {"portfolio": ["Energy"]},
            "unknown portfolio 'Energy'; did you mean 'energy-and-environment'",
            id="word",
        ),
        pytest.param(
            {"or": [{"country": ["FR"]}, {"not": {"country": ["FRA"]}}]},
            "unknown country code 'FRA'; did you mean 'FR'",
            id="nested-country",
        ),
        pytest.param({"country": ["XX"]}, "unknown country code 'XX'", id="country-without-match"),
    ],
)
async def test_unknown_values_are_errors(
    api: Api, field: str, where: dict[str, object], message: str
) -> None:
    error = (await api.errors(QUERIES[field], w=where))[0]
    assert error["message"].startswith(message)
    assert error["extensions"]["code"] == "BAD_USER_INPUT"


async def test_known_values_in_any_case_of_country_still_work(api: Api) -> None:
    data = await api.data(QUERIES["clusters"], w={"country": [" fr "], "portfolio": ["ict"]})
    assert data["clusters"]["totalCount"] > 0


async def test_unknown_indicator_code_names_the_nearest(api: Api) -> None:
    error = (await api.errors('{ indicatorStats(code: "participant") { n } }'))[0]
    assert error["message"].startswith("unknown indicator code 'participant'; did you mean")
    assert "'participants'" in error["message"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"


async def test_portfolios_are_read_once_per_request(api: Api) -> None:
    query = """{
      a: clusters(where: {portfolio: ["ict"]}) { totalCount }
      b: clustersAggregate(groupBy: [], where: {portfolio: ["ict"]}) { count }
      c: portfolioStats(where: {portfolio: ["ict"]}) { clusterCount }
    }"""
    await api.round_trips(query)
    assert api.calls["portfolios.find"] == 1
