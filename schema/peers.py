"""Peer groups for `Cluster.benchmark`: the latest interviews of a portfolio (or of every
cluster) and a cluster's position among them.

Peers' values come from each peer's latest included interview (see
`schema.interview_stats`), compared within the same catalogue version. The cluster is a
member of its own peer group. Every peer statistic over fewer than `min_group_size` values
is withheld, and so are the percentile rank and rating derived from it.

`load_peer_groups` is a DataLoader batch function: the catalogue and one pipeline per
sample setting, whatever the number of clusters and peer groups asked for.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from schema.documents import INDICATORS, NUMERIC_UNITS, Database
from schema.interview_stats import LatestResults, as_number, latest_interviews
from schema.stats import Quartiles, is_withheld, percentile_rank, quartiles, traffic_light

__all__ = [
    "ALL",
    "BenchmarkRow",
    "PeerGroup",
    "PeerKey",
    "RatingSummary",
    "benchmark",
    "load_peer_groups",
    "summarize_ratings",
]

ALL = "ALL"
Light = Literal["RED", "YELLOW", "GREEN"]
# Units a benchmark can order: the numeric ones, and BOOL read as 0 (false) / 1 (true).
COMPARABLE_UNITS = NUMERIC_UNITS | {"BOOL"}


# A peer group: ("ALL", None) or ("PORTFOLIO", slug); plus whether sample interviews count.
PeerKey = tuple[str, str | None, bool]


@dataclass
class PeerGroup:
    """Latest interviews of a peer group, with each indicator's values sorted once."""

    members: dict[str, LatestResults]
    catalogue: dict[tuple[str, str], Mapping[str, Any]]  # (version, code) -> indicator
    values: dict[tuple[str, str], list[float]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        collected: dict[tuple[str, str], list[float]] = defaultdict(list)
        for member in self.members.values():
            for code, value in member.values.items():
                number = as_number(value)
                if number is not None:
                    collected[(member.catalogue_version, code)].append(number)
        self.values = {key: sorted(numbers) for key, numbers in collected.items()}


async def load_peer_groups(db: Database, keys: Sequence[PeerKey]) -> list[PeerGroup]:
    """DataLoader batch function: every requested peer group in two round trips.

    One pipeline fetches the latest interviews of every cluster in any requested portfolio
    (or of all clusters when ALL is asked), per sample setting; the catalogue is the other.
    """
    catalogue: dict[tuple[str, str], Mapping[str, Any]] = {
        (doc["catalogueVersion"], doc["code"]): doc
        for doc in await db[INDICATORS].find({}).to_list(None)
    }
    fetched: dict[bool, list[LatestResults]] = {}
    for include_sample in sorted({key[2] for key in keys}):
        wanted = [key for key in keys if key[2] == include_sample]
        slugs = sorted({slug for kind, slug, _ in wanted if kind != ALL and slug is not None})
        match = {} if any(kind == ALL for kind, _, _ in wanted) else {"portfolio": {"$in": slugs}}
        fetched[include_sample] = await latest_interviews(db, match, include_sample=include_sample)
    groups = []
    for kind, slug, include_sample in keys:
        members = {
            m.cluster: m for m in fetched[include_sample] if kind == ALL or m.portfolio == slug
        }
        groups.append(PeerGroup(members=members, catalogue=catalogue))
    return groups


@dataclass
class BenchmarkRow:
    indicator: Mapping[str, Any]
    value: float
    n: int
    withheld: bool
    quartiles: Quartiles | None = None
    mean: float | None = None
    percentile_rank: float | None = None
    rating: Light | None = None


def benchmark(group: PeerGroup, cluster: str, min_group_size: int) -> list[BenchmarkRow] | None:
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
            row.rating = traffic_light(value, row.quartiles, indicator.get("higherIsBetter"))
        rows.append(row)
    return sorted(rows, key=lambda r: int(r.indicator.get("number", 0)))


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
