"""Traffic lights, a cluster's benchmark against its peers, and the summary of its lights,
on small hand-made peer groups whose answers are worked out by hand."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from schema.rules.ratings import LatestResults, Peers, benchmark, summarize_ratings, traffic_light
from schema.rules.stats import Quartiles


@pytest.mark.parametrize(
    ("value", "higher_is_better", "expected"),
    [
        pytest.param(8.0, True, "GREEN", id="higher-at-p75"),
        pytest.param(9.0, True, "GREEN", id="higher-above-p75"),
        pytest.param(4.0, True, "YELLOW", id="higher-at-p25"),
        pytest.param(3.9, True, "RED", id="higher-below-p25"),
        pytest.param(4.0, False, "GREEN", id="lower-at-p25"),
        pytest.param(8.0, False, "YELLOW", id="lower-at-p75"),
        pytest.param(8.1, False, "RED", id="lower-above-p75"),
        pytest.param(6.0, None, None, id="no-direction"),
    ],
)
def test_traffic_light_by_quartile_in_the_indicator_direction(
    value: float, higher_is_better: bool | None, expected: str | None
) -> None:
    assert traffic_light(value, Quartiles(4.0, 6.0, 8.0), higher_is_better) == expected


CATALOGUE: dict[tuple[str, str], dict[str, Any]] = {
    ("v1", "staff"): {"code": "staff", "number": 2, "unit": "COUNT", "higherIsBetter": True},
    ("v1", "cost"): {"code": "cost", "number": 1, "unit": "EUR", "higherIsBetter": False},
    ("v1", "member"): {"code": "member", "number": 3, "unit": "BOOL", "higherIsBetter": True},
    ("v1", "sector"): {"code": "sector", "number": 4, "unit": "ENUM", "higherIsBetter": None},
    ("v1", "founded"): {"code": "founded", "number": 5, "unit": "YEAR", "higherIsBetter": None},
}


def _member(cluster: str, **values: Any) -> LatestResults:
    return LatestResults(
        cluster=cluster,
        portfolio="p",
        portfolio_name="P",
        catalogue_version="v1",
        conducted_on=date(2015, 1, 1),
        is_sample=False,
        values=values,
    )


PEERS = Peers(
    members={
        "a": _member("a", staff=1.0, cost=10.0, member=True, sector="x", founded=2001.0),
        "b": _member("b", staff=2.0, cost=20.0, member=False, sector="y", founded=2002.0),
        "c": _member("c", staff=3.0, cost=30.0, member=True),
        "d": _member("d", staff=4.0, cost=40.0, member=True),
    },
    catalogue=CATALOGUE,
)


def test_benchmark_rows_follow_the_catalogue_and_skip_unordered_units() -> None:
    rows = benchmark(PEERS, "a", min_group_size=3)
    assert rows is not None
    assert [row.indicator["code"] for row in rows] == ["cost", "staff", "member", "founded"]


def test_benchmark_of_the_lowest_cost_and_smallest_staff() -> None:
    rows = {row.indicator["code"]: row for row in benchmark(PEERS, "a", min_group_size=3) or []}
    # staff 1 among 1, 2, 3, 4: nothing below, itself equal: (0 + 1/2) / 4 = 12.5 %.
    staff = rows["staff"]
    assert (staff.value, staff.n, staff.percentile_rank, staff.rating) == (1.0, 4, 12.5, "RED")
    assert staff.quartiles == Quartiles(1.75, 2.5, 3.25)
    assert staff.mean == 2.5
    # Lower cost is better: 10 is at or below the lower quartile, so GREEN.
    assert rows["cost"].rating == "GREEN"
    # BOOL counts as 1 / 0: three of four are members; a member ranks (1 + 3/2) / 4.
    assert rows["member"].percentile_rank == 62.5
    # A year has no direction: ranked, never rated.
    assert rows["founded"].rating is None
    assert rows["founded"].n == 2


def test_small_peer_groups_are_withheld() -> None:
    rows = benchmark(PEERS, "a", min_group_size=3) or []
    founded = next(row for row in rows if row.indicator["code"] == "founded")
    assert founded.withheld
    assert (founded.quartiles, founded.percentile_rank, founded.rating) == (None, None, None)


def test_a_cluster_without_an_interview_has_no_benchmark() -> None:
    assert benchmark(PEERS, "nobody", min_group_size=1) is None


def test_summary_counts_lights_of_what_is_shown_only() -> None:
    rows = benchmark(PEERS, "a", min_group_size=3) or []
    summary = summarize_ratings(rows)
    # cost GREEN, staff RED, member GREEN (1 reaches the upper quartile of 0, 1, 1, 1).
    assert (summary.compared, summary.green, summary.red) == (3, 2, 1)
    assert summary.yellow == 0
    assert summary.mean_percentile_rank == pytest.approx((12.5 + 12.5 + 62.5) / 3)
