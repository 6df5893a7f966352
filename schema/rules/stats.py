"""Small descriptive statistics for aggregates and benchmarks: pure functions, no I/O.

MongoDB's `$median` and `$percentile` have no mongomock counterpart, so the API fetches the
values of a group in one pipeline and summarises them here; the same code then gives the
same numbers on both engines.

Definitions (each one is what the GraphQL descriptions promise):

- quartiles: linear interpolation between the closest ranks, the "inclusive" method of
  Python's `statistics.quantiles(data, n=4, method="inclusive")` (also R's type 7 and
  NumPy's default); with one value every quartile is that value;
- percentile rank of `x` among `values`: `100 * (below + equal / 2) / n`, where `below`
  counts values strictly lower than `x` and `equal` the values equal to it;

Traffic lights and benchmarks built on these live in `schema.rules.ratings`.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

__all__ = [
    "NumericSummary",
    "Quartiles",
    "as_number",
    "distribution",
    "is_withheld",
    "percentile_rank",
    "quartiles",
    "share_true",
    "summarize",
]

H = TypeVar("H", bound=Hashable)


@dataclass(frozen=True)
class Quartiles:
    p25: float
    median: float
    p75: float


@dataclass(frozen=True)
class NumericSummary:
    n: int
    mean: float
    min: float
    p25: float
    median: float
    p75: float
    max: float


def quartiles(values: Iterable[float]) -> Quartiles:
    """Lower quartile, median and upper quartile of a non-empty collection.

    Same arithmetic as `statistics.quantiles(..., method="inclusive")`, so results agree to
    the last bit; unlike it (before Python 3.13), one value is accepted.
    """
    data = sorted(values)
    n = len(data)
    if n == 0:
        raise ValueError("quartiles of an empty collection")
    if n == 1:
        return Quartiles(data[0], data[0], data[0])
    m = n - 1
    cuts: list[float] = []
    for i in range(1, 4):
        j, delta = divmod(i * m, 4)
        cuts.append((data[j] * (4 - delta) + data[j + 1] * delta) / 4)
    return Quartiles(cuts[0], cuts[1], cuts[2])


def summarize(values: Sequence[float]) -> NumericSummary:
    """n, mean, min, quartiles and max of a non-empty collection."""
    if not values:
        raise ValueError("summary of an empty collection")
    q = quartiles(values)
    return NumericSummary(
        n=len(values),
        mean=math.fsum(values) / len(values),
        min=min(values),
        p25=q.p25,
        median=q.median,
        p75=q.p75,
        max=max(values),
    )


def percentile_rank(value: float, values: Sequence[float]) -> float:
    """Share of `values`, in percent, strictly below `value`, plus half of those equal to it.

    `value` is normally one of `values` (a cluster among its peers), so the result lies in
    (0, 100]: the lowest of 4 distinct values ranks 12.5, the highest 87.5, and a value tied
    with every peer ranks 50.
    """
    if not values:
        raise ValueError("percentile rank among no values")
    below = sum(1 for v in values if v < value)
    equal = sum(1 for v in values if v == value)
    return 100.0 * (below + equal / 2) / len(values)


def share_true(values: Sequence[bool]) -> float:
    """Fraction (0–1) of true values in a non-empty collection."""
    if not values:
        raise ValueError("share of an empty collection")
    return sum(1 for v in values if v) / len(values)


def distribution(values: Iterable[H]) -> list[tuple[H, int]]:
    """`(value, count)` pairs, most frequent first, ties in the order of `str(value)`."""
    counts = Counter(values)
    return sorted(counts.items(), key=lambda item: (-item[1], str(item[0])))


def is_withheld(n: int, min_group_size: int) -> bool:
    """True when a group of `n` members is too small to publish statistics about."""
    return n < min_group_size


def as_number(value: Any) -> float | None:
    """A stored value as a number for ordering: bools as 0/1; None for anything else."""
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, int | float):
        return float(value)
    return None
