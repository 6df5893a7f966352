"""`Cluster.benchmark`: a cluster's latest interview against its peer group.

Peer groups load through the request's `peer_groups` DataLoader, keyed by peer group, so a
page of clusters costs one batch (the catalogue, and one pipeline per sample setting asked
for) however many clusters it holds and however many portfolios they span.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any, Protocol, cast

import strawberry

from schema.aggregate_types import (
    BenchmarkSummary,
    ClusterBenchmark,
    IndicatorBenchmark,
    PeerGroup,
    WithheldReason,
)
from schema.catalogue import Indicator
from schema.context import Info
from schema.documents import IndicatorDoc
from schema.enums import Rating
from schema.peers import ALL, BenchmarkRow, PeerKey, benchmark, summarize_ratings

__all__ = ["BENCHMARK_DESCRIPTION", "resolve_benchmark"]

BENCHMARK_DESCRIPTION = (
    "The cluster's latest interview (among those included) against a peer group, indicator "
    "by indicator, with a summary per area and overall; null when the cluster has no "
    "included interview, or when that interview is real and the server does not publish "
    "individual results (a benchmark shows the cluster's own values). Peer statistics "
    "over fewer clusters than the server's minimum group size (default 3) are withheld."
)


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
    rows = benchmark(group, root.slug, info.context.min_group_size)
    own = group.members.get(root.slug)
    if rows is None or own is None or own.conducted_on is None:
        return None
    if not info.context.may_read_results(own.is_sample):
        return None
    areas: dict[str, list[BenchmarkRow]] = {}
    names: dict[str, Any] = {}
    for row in rows:
        areas.setdefault(row.indicator["area"], []).append(row)
        names[row.indicator["area"]] = row.indicator.get("areaName")
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
