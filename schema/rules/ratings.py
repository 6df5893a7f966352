"""Ratings: a value's traffic light among its peers, a cluster's benchmark, and the
summary of its lights. Pure functions over the latest results of a peer group.

- traffic light: with `higher_is_better`, GREEN at or above the upper quartile, RED below
  the lower quartile, YELLOW between; mirrored when lower is better; none without a
  direction;
- peers' values come from each peer's latest included interview, compared within the same
  catalogue version; the cluster is a member of its own peer group. Every peer statistic
  over fewer than `min_group_size` values is withheld, and so are the percentile rank and
  rating derived from it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from schema.rules.stats import Quartiles, as_number, is_withheld, percentile_rank, quartiles
from schema.rules.vocabulary import NUMERIC_UNITS, Light

__all__ = [
    "COMPARABLE_UNITS",
    "BenchmarkRow",
    "IndicatorEntry",
    "LatestResults",
    "Peers",
    "RatingSummary",
    "benchmark",
    "summarize_ratings",
    "traffic_light",
]

# Units a benchmark can order: the numeric ones, and BOOL read as 0 (false) / 1 (true).
COMPARABLE_UNITS = NUMERIC_UNITS | {"BOOL"}


# A catalogue entry as stored (`IndicatorDoc` fits): a benchmark reads its `unit`,
# `higherIsBetter` and `number`, and hands the entry back with each row.
IndicatorEntry = Mapping[str, object]


def traffic_light(value: float, q: Quartiles, higher_is_better: bool | None) -> Light | None:
    """RED / YELLOW / GREEN by quartile in the indicator's direction; None without one."""
    if higher_is_better is None:
        return None
    if higher_is_better:
        if value >= q.p75:
            return "GREEN"
        return "RED" if value < q.p25 else "YELLOW"
    if value <= q.p25:
        return "GREEN"
    return "RED" if value > q.p75 else "YELLOW"


@dataclass(frozen=True)
class LatestResults:
    cluster: str
    portfolio: str
    portfolio_name: str
    catalogue_version: str
    conducted_on: date | None
    is_sample: bool
    values: Mapping[str, Any]  # code -> stored value


@dataclass
class Peers:
    """Latest interviews of a peer group, with each indicator's values sorted once."""

    members: dict[str, LatestResults]
    catalogue: Mapping[tuple[str, str], IndicatorEntry]  # (version, code) -> indicator
    values: dict[tuple[str, str], list[float]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        collected: dict[tuple[str, str], list[float]] = defaultdict(list)
        for member in self.members.values():
            for code, value in member.values.items():
                number = as_number(value)
                if number is not None:
                    collected[(member.catalogue_version, code)].append(number)
        self.values = {key: sorted(numbers) for key, numbers in collected.items()}


@dataclass
class BenchmarkRow:
    indicator: IndicatorEntry
    value: float
    n: int
    withheld: bool
    quartiles: Quartiles | None = None
    mean: float | None = None
    percentile_rank: float | None = None
    rating: Light | None = None


def benchmark(group: Peers, cluster: str, min_group_size: int) -> list[BenchmarkRow] | None:
    """The cluster's orderable indicators against its peer group; None without an interview.

    The cluster is a member of its own peer group, so `n` includes it. Indicators of an
    unordered unit (ENUM, LIST) are left out; rows follow the catalogue's numbering.
    """
    own = group.members.get(cluster)
    if own is None:
        return None
    rows = []
    for code, raw in own.values.items():
        indicator = group.catalogue.get((own.catalogue_version, code))
        value = as_number(raw)
        if indicator is None or value is None or indicator["unit"] not in COMPARABLE_UNITS:
            continue
        peers = group.values.get((own.catalogue_version, code), [])
        row = BenchmarkRow(
            indicator=indicator,
            value=value,
            n=len(peers),
            withheld=is_withheld(len(peers), min_group_size),
        )
        if not row.withheld:
            row.quartiles = quartiles(peers)
            row.mean = sum(peers) / len(peers)
            row.percentile_rank = percentile_rank(value, peers)
            higher_is_better = indicator.get("higherIsBetter")
            row.rating = traffic_light(
                value,
                row.quartiles,
                higher_is_better if isinstance(higher_is_better, bool) else None,
            )
        rows.append(row)
    return sorted(rows, key=_catalogue_number)


def _catalogue_number(row: BenchmarkRow) -> int:
    number = row.indicator.get("number")
    return number if isinstance(number, int) else 0


@dataclass(frozen=True)
class RatingSummary:
    compared: int  # indicators with a percentile rank (not withheld)
    green: int
    yellow: int
    red: int
    mean_percentile_rank: float | None


def summarize_ratings(rows: Iterable[BenchmarkRow]) -> RatingSummary:
    """Counts of each light and the mean percentile rank over rows that are not withheld."""
    shown = [row for row in rows if not row.withheld]
    ranks = [row.percentile_rank for row in shown if row.percentile_rank is not None]
    return RatingSummary(
        compared=len(shown),
        green=sum(1 for row in shown if row.rating == "GREEN"),
        yellow=sum(1 for row in shown if row.rating == "YELLOW"),
        red=sum(1 for row in shown if row.rating == "RED"),
        mean_percentile_rank=sum(ranks) / len(ranks) if ranks else None,
    )
