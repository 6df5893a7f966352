"""The `Date` scalar: ISO dates within the supported range; outside it BAD_USER_INPUT
naming the range, as a literal or a variable, with no internal error."""

from __future__ import annotations

import pytest

from schema.rules.limits import MAX_DATE, MIN_DATE
from tests.support import Api

pytestmark = pytest.mark.anyio

RANGE = f"{MIN_DATE.isoformat()}..{MAX_DATE.isoformat()}"


@pytest.mark.parametrize("day", [MIN_DATE.isoformat(), MAX_DATE.isoformat()])
async def test_the_ends_of_the_range_are_accepted(api: Api, day: str) -> None:
    data = await api.data("query($d: Date) { portfolioStats(asOf: $d) { clusterCount } }", d=day)
    assert sum(p["clusterCount"] for p in data["portfolioStats"]) == 88


@pytest.mark.parametrize(
    "query",
    [
        pytest.param('{ portfolioStats(asOf: "9999-12-31") { clusterCount } }', id="literal"),
        pytest.param('{ clusters(asOf: "0001-01-01") { totalCount } }', id="year-one"),
        pytest.param('{ clusters(asOf: "1899-12-31") { totalCount } }', id="day-before"),
        pytest.param(
            '{ clusters(where: {validUntil: {gte: "2201-01-01"}}) { totalCount } }',
            id="day-after-in-a-filter",
        ),
        pytest.param(
            '{ clusters(first: 1) { nodes { label { status(asOf: "9999-12-31") } } } }',
            id="field-argument",
        ),
    ],
)
async def test_a_literal_out_of_range_is_bad_user_input(api: Api, query: str) -> None:
    [error] = await api.errors(query)
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert RANGE in error["message"]


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01"])
async def test_a_variable_out_of_range_is_bad_user_input(api: Api, day: str) -> None:
    [error] = await api.errors("query($d: Date) { labelTimeline(asOf: $d) { year } }", d=day)
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert RANGE in error["message"]
