"""schema.rules.stats against Python's statistics module and hand-worked cases."""

from __future__ import annotations

import random
import statistics

import pytest

from schema.rules.stats import (
    Quartiles,
    distribution,
    is_withheld,
    percentile_rank,
    quartiles,
    share_true,
    summarize,
)


@pytest.mark.parametrize("seed", range(25))
def test_quartiles_match_statistics_inclusive_on_random_data(seed: int) -> None:
    rng = random.Random(seed)
    n = rng.randint(2, 60)
    data = [round(rng.uniform(-1000, 1000), rng.randint(0, 3)) for _ in range(n)]
    if seed % 3 == 0:  # many ties
        data = [float(rng.randint(1, 5)) for _ in range(n)]
    q = quartiles(data)
    assert [q.p25, q.median, q.p75] == statistics.quantiles(data, n=4, method="inclusive")
    assert q.median == pytest.approx(statistics.median(data))


def test_quartiles_of_one_value_are_that_value() -> None:
    assert quartiles([7.5]) == Quartiles(7.5, 7.5, 7.5)


def test_quartiles_of_two_values_interpolate() -> None:
    assert quartiles([10.0, 2.0]) == Quartiles(4.0, 6.0, 8.0)


def test_quartiles_of_nothing_is_an_error() -> None:
    with pytest.raises(ValueError, match="empty"):
        quartiles([])


def test_summarize_matches_statistics() -> None:
    data = [3.0, 1.0, 4.0, 1.0, 5.0, 9.0, 2.0, 6.0]
    s = summarize(data)
    assert s.n == 8
    assert s.mean == pytest.approx(statistics.fmean(data))
    assert (s.min, s.max) == (1.0, 9.0)
    assert s.median == statistics.median(data)
    assert [s.p25, s.median, s.p75] == statistics.quantiles(data, n=4, method="inclusive")


def test_summarize_of_one_value() -> None:
    s = summarize([4.0])
    assert (s.n, s.mean, s.min, s.p25, s.median, s.p75, s.max) == (1, 4.0, 4.0, 4.0, 4.0, 4.0, 4.0)


@pytest.mark.parametrize(
    ("value", "values", "expected"),
    [
        pytest.param(1.0, [1.0, 2.0, 3.0, 4.0], 12.5, id="lowest-of-four"),
        pytest.param(4.0, [1.0, 2.0, 3.0, 4.0], 87.5, id="highest-of-four"),
        pytest.param(2.0, [2.0, 2.0, 2.0], 50.0, id="all-tied"),
        pytest.param(2.0, [1.0, 2.0, 2.0, 3.0], 50.0, id="tie-in-the-middle"),
        pytest.param(3.0, [1.0, 2.0, 3.0, 3.0, 3.0], 70.0, id="three-way-tie-on-top"),
        pytest.param(5.0, [5.0], 50.0, id="alone"),
        pytest.param(1.0, [1.0, 2.0], 25.0, id="two-low"),
        pytest.param(2.0, [1.0, 2.0], 75.0, id="two-high"),
    ],
)
def test_percentile_rank_counts_half_the_ties(
    value: float, values: list[float], expected: float
) -> None:
    assert percentile_rank(value, values) == expected


def test_share_true_and_distribution() -> None:
    assert share_true([True, False, True, True]) == 0.75
    assert distribution(["b", "a", "b", "c", "a", "b"]) == [("b", 3), ("a", 2), ("c", 1)]


def test_withheld_below_the_minimum_group_size_only() -> None:
    assert is_withheld(2, 3)
    assert not is_withheld(3, 3)
    assert is_withheld(0, 1)
