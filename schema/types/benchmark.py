"""`Cluster.benchmark`: a cluster's latest interview against its peer group.

Peer groups load through the request's `peer_groups` DataLoader, keyed by peer group, so a
page of clusters costs one batch (the catalogue, and one pipeline per sample setting asked
for) however many clusters it holds and however many portfolios they span.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from enum import Enum
from typing import Annotated, Protocol, cast

import strawberry

from schema.offload import offload
from schema.rules.limits import BENCHMARK_COST
from schema.rules.ratings import BenchmarkRow, Peers, benchmark, summarize_ratings
from schema.store.documents import IndicatorDoc
from schema.store.peers import ALL, PeerKey
from schema.types.context import Info
from schema.types.enums import WITHHELD, Rating, WithheldReason
from schema.types.indicators import Indicator

__all__ = [
    "BENCHMARK_DESCRIPTION",
    "BenchmarkSummary",
    "ClusterBenchmark",
    "IndicatorBenchmark",
    "PeerGroup",
    "resolve_benchmark",
]

BENCHMARK_DESCRIPTION = (
    "The cluster's latest interview (among those included) against a peer group, indicator "
    "by indicator, with a summary per area and overall; null when the cluster has no "
    "included interview, or when that interview is real and the server does not publish "
    "individual results (a benchmark shows the cluster's own values). Peer statistics "
    "over fewer clusters than the server's minimum group size (default 3) are withheld. "
    f"Compares the cluster with every peer: counts {BENCHMARK_COST} in the query cost, "
    "per cluster it is asked for. Always today's benchmark: it uses the latest interviews "
    "whatever the `asOf` of the enclosing query."
)


@strawberry.enum(description="Which clusters a cluster is compared with.")
class PeerGroup(Enum):
    PORTFOLIO = strawberry.enum_value(
        "PORTFOLIO", description="The clusters of the same comparative portfolio."
    )
    ALL = strawberry.enum_value("ALL", description="Every cluster in the directory.")


@strawberry.type(
    description=(
        "One indicator of a cluster's latest interview against its peer group. The peer "
        "statistics, percentile rank and rating are null when `withheld` is set."
    )
)
class IndicatorBenchmark:
    indicator: Indicator = strawberry.field(description="The indicator.")
    value: float = strawberry.field(description="The cluster's value (BOOL: 1 true, 0 false).")
    peer_count: int = strawberry.field(
        description="Peers with a value, the cluster itself included."
    )
    withheld: WithheldReason | None = strawberry.field(description=WITHHELD)
    peer_mean: float | None = strawberry.field(description="Mean of the peers' values.")
    peer_p25: float | None = strawberry.field(description="Lower quartile of the peers' values.")
    peer_median: float | None = strawberry.field(description="Median of the peers' values.")
    peer_p75: float | None = strawberry.field(description="Upper quartile of the peers' values.")
    percentile_rank: float | None = strawberry.field(
        description=(
            "Percentage of peer values strictly below the cluster's value plus half of those "
            "equal to it (the cluster's own value among them): 0-100, 50 when all are tied."
        )
    )
    rating: Rating | None = strawberry.field(
        description=(
            "Traffic light by quartile in the indicator's direction. Higher is better: GREEN "
            "at or above the upper quartile, RED below the lower quartile, YELLOW between; "
            "lower is better: mirrored. Null for an indicator without a direction."
        )
    )


@strawberry.type(
    description=(
        "Summary of a benchmark over the indicators of one area, or over all (area null); "
        "only indicators whose peer statistics are shown count."
    )
)
class BenchmarkSummary:
    area: str | None = strawberry.field(description="Area code; null for the overall summary.")
    area_name: str | None = strawberry.field(description="Area name; null for the overall one.")
    compared: int = strawberry.field(description="Indicators with peer statistics shown.")
    green: int = strawberry.field(description="Indicators rated GREEN.")
    yellow: int = strawberry.field(description="Indicators rated YELLOW.")
    red: int = strawberry.field(description="Indicators rated RED.")
    mean_percentile_rank: float | None = strawberry.field(
        description="Mean percentile rank of the compared indicators; null when none."
    )


@strawberry.type(
    description=(
        "A cluster's latest interview against a peer group: each peer's latest interview "
        "among those included, same catalogue version. Indicators without an order (ENUM, "
        "LIST) are left out; BOOL counts as 0 / 1."
    )
)
class ClusterBenchmark:
    peer_group: PeerGroup = strawberry.field(description="The peer group compared with.")
    peer_clusters: int = strawberry.field(
        description="Clusters of the peer group with an included interview, this one included."
    )
    conducted_on: date = strawberry.field(description="Day of the cluster's interview used.")
    is_sample: bool = strawberry.field(
        description="True when the cluster's interview is a sample (generated data)."
    )
    includes_sample: bool = strawberry.field(
        description="True when any peer interview used is a sample (generated data)."
    )
    indicators: list[IndicatorBenchmark] = strawberry.field(
        description="One entry per orderable indicator, in catalogue order."
    )
    areas: list[BenchmarkSummary] = strawberry.field(description="One summary per area.")
    overall: BenchmarkSummary = strawberry.field(description="Summary over every indicator.")


class _ClusterLike(Protocol):
    slug: str
    portfolio_slug: str


def _summary(rows: Sequence[BenchmarkRow], area: str | None, name: str | None) -> BenchmarkSummary:
    s = summarize_ratings(rows)
    return BenchmarkSummary(
        area=area,
        area_name=name,
        compared=s.compared,
        green=s.green,
        yellow=s.yellow,
        red=s.red,
        mean_percentile_rank=s.mean_percentile_rank,
    )


def _entry(row: BenchmarkRow) -> IndicatorBenchmark:
    q = row.quartiles
    return IndicatorBenchmark(
        indicator=Indicator.from_document(cast(IndicatorDoc, row.indicator)),
        value=row.value,
        peer_count=row.n,
        withheld=WithheldReason.BELOW_MIN_GROUP_SIZE if row.withheld else None,
        peer_mean=row.mean,
        peer_p25=q.p25 if q else None,
        peer_median=q.median if q else None,
        peer_p75=q.p75 if q else None,
        percentile_rank=row.percentile_rank,
        rating=Rating(row.rating) if row.rating else None,
    )


async def resolve_benchmark(
    root: _ClusterLike,
    info: Info,
    peer_group: Annotated[
        PeerGroup,
        strawberry.argument(description="Peers: the same portfolio (default) or all clusters."),
    ] = PeerGroup.PORTFOLIO,
    include_sample: Annotated[
        bool,
        strawberry.argument(
            description="Use sample interviews (generated data) too; default true."
        ),
    ] = True,
) -> ClusterBenchmark | None:
    key: PeerKey = (
        (ALL, None, include_sample)
        if peer_group is PeerGroup.ALL
        else ("PORTFOLIO", root.portfolio_slug, include_sample)
    )
    group = await info.context.loaders.peer_groups.load(key)
    own = group.members.get(root.slug)
    if own is None or own.conducted_on is None:
        return None
    if not info.context.may_read_results(own.is_sample):
        return None
    # Statistics against every peer, then a few dozen objects: a page of benchmarks is the
    # heaviest work the cost admits, so it runs on a worker thread and the event loop keeps
    # serving other requests meanwhile.
    return await offload(_build, group, root.slug, peer_group, info.context.min_group_size)


def _build(
    group: Peers, slug: str, peer_group: PeerGroup, min_group_size: int
) -> ClusterBenchmark | None:
    rows = benchmark(group, slug, min_group_size)
    own = group.members.get(slug)
    if rows is None or own is None or own.conducted_on is None:
        return None
    areas: dict[str, list[BenchmarkRow]] = {}
    names: dict[str, str] = {}
    for row in rows:
        doc = cast(IndicatorDoc, row.indicator)
        areas.setdefault(doc["area"], []).append(row)
        names[doc["area"]] = doc["areaName"]
    return ClusterBenchmark(
        peer_group=peer_group,
        peer_clusters=len(group.members),
        conducted_on=own.conducted_on,
        is_sample=own.is_sample,
        includes_sample=any(m.is_sample for m in group.members.values()),
        indicators=[_entry(row) for row in rows],
        areas=[_summary(area_rows, area, names[area]) for area, area_rows in areas.items()],
        overall=_summary(rows, None, None),
    )
