"""Root fields for aggregates: `portfolioStats`, `clustersAggregate`, `labelTimeline`,
`indicatorStats`. Each costs a fixed number of round trips, whatever the number of groups.

Filters are the `ClusterWhere` of `clusters`, evaluated on `asOf` (default: today, UTC).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, cast

import strawberry

from schema.errors import BadUserInput
from schema.rules.limits import AGGREGATE_COST
from schema.rules.text import search_key
from schema.store.aggregates import (
    GroupKey,
    Interval,
    cluster_groups,
    label_timeline,
    portfolio_stats,
)
from schema.store.filters import ClusterFilter, cluster_match
from schema.store.indicators import find_indicator
from schema.store.interviews import indicator_stats
from schema.types.aggregates import (
    ClusterGroup,
    ClusterGroupBy,
    IndicatorGroupBy,
    IndicatorStats,
    LabelLevelCounts,
    LabelStatusCounts,
    LabelTimelinePeriod,
    PortfolioStats,
    TimelineInterval,
    ValueCount,
)
from schema.types.context import Info
from schema.types.directory import Portfolio
from schema.types.enums import LabelLevel, LabelStatus, WithheldReason
from schema.types.indicators import Indicator
from schema.types.inputs import ClusterWhere
from schema.types.resolvers import resolver

__all__ = ["AggregateQuery"]

MAX_WINDOW_DAYS = 3660

_WHERE = "Only clusters matching this filter (as in `clusters`)."
_FILTER_DATE = "Date a `labelStatus` filter refers to; default today."
_AS_OF = "Date that label statuses (and a `labelStatus` filter) refer to; default: today (UTC)."


def _filter(where: ClusterWhere | None) -> ClusterFilter | None:
    return where.to_filter() if where is not None else None


# Every aggregate runs one pipeline over the matching clusters (`schema.guards.cost`).
_COST = f"Counts {AGGREGATE_COST} in the query cost (`extensions.cost`)."


def _portfolio(slug: str, name: str) -> Portfolio:
    return Portfolio.from_document({"_id": slug, "name": name, "nameKey": search_key(name)})


@strawberry.type
class AggregateQuery:
    @resolver(
        description=(
            "Label counts per comparative portfolio over the matching clusters: one entry "
            "for every portfolio in the directory, in name order, including portfolios "
            "with no matching cluster (all counts 0), so that the list does not change "
            "shape with the filter. Counts are public listing data, never withheld. "
            f"{_COST}"
        )
    )
    async def portfolio_stats(
        self,
        info: Info,
        as_of: Annotated[date | None, strawberry.argument(description=_AS_OF)] = None,
        where: Annotated[ClusterWhere | None, strawberry.argument(description=_WHERE)] = None,
        expiring_within_days: Annotated[
            int,
            strawberry.argument(
                description=(
                    "Window of `expiringWithinWindow`, in days after asOf "
                    f"(0 to {MAX_WINDOW_DAYS})."
                )
            ),
        ] = 90,
    ) -> list[PortfolioStats]:
        if not 0 <= expiring_within_days <= MAX_WINDOW_DAYS:
            raise BadUserInput(
                f"expiringWithinDays must be between 0 and {MAX_WINDOW_DAYS}, "
                f"not {expiring_within_days}"
            )
        day = as_of or info.context.today
        rows = await portfolio_stats(
            info.context.db, cluster_match(_filter(where), day), day, expiring_within_days
        )
        return [
            PortfolioStats(
                portfolio=Portfolio.from_document(row.portfolio),
                cluster_count=row.cluster_count,
                by_level=LabelLevelCounts(
                    bronze=row.by_level["BRONZE"],
                    silver=row.by_level["SILVER"],
                    gold=row.by_level["GOLD"],
                ),
                by_status=LabelStatusCounts(
                    valid=row.by_status["VALID"],
                    expiring_soon=row.by_status["EXPIRING_SOON"],
                    renewable=row.by_status["RENEWABLE"],
                    expired=row.by_status["EXPIRED"],
                ),
                earliest_valid_until=row.earliest_valid_until,
                latest_valid_until=row.latest_valid_until,
                expiring_within_window=row.expiring_within_window,
            )
            for row in rows
        ]

    @resolver(
        description=(
            "Numbers of matching clusters grouped by any combination of keys, in one "
            "database pipeline. Only non-empty groups are returned, sorted by the keys in "
            "the order given; with no key, one group counts every matching cluster. Counts "
            "are public listing data, never withheld. "
            f"{_COST}"
        )
    )
    async def clusters_aggregate(
        self,
        info: Info,
        group_by: Annotated[
            list[ClusterGroupBy],
            strawberry.argument(description="Keys to group by; repeated keys count once."),
        ],
        where: Annotated[ClusterWhere | None, strawberry.argument(description=_WHERE)] = None,
        as_of: Annotated[date | None, strawberry.argument(description=_AS_OF)] = None,
    ) -> list[ClusterGroup]:
        day = as_of or info.context.today
        keys = [cast(GroupKey, key.name) for key in group_by]
        rows = await cluster_groups(info.context.db, cluster_match(_filter(where), day), day, keys)
        return [
            ClusterGroup(
                portfolio=(
                    _portfolio(row.portfolio, row.portfolio_name or "")
                    if row.portfolio is not None
                    else None
                ),
                label_level=LabelLevel(row.label_level) if row.label_level else None,
                label_status=LabelStatus(row.label_status) if row.label_status else None,
                expiry_year=row.expiry_year,
                country=row.country,
                count=row.count,
            )
            for row in rows
        ]

    @resolver(
        description=(
            "Labels awarded and expiring per period, and clusters holding a valid label at "
            "each period's end, over every label in the history of the matching clusters "
            "(renewals and past labels too). Periods run without gaps from the earliest "
            "award to the latest end; empty when no label matches. "
            f"{_COST}"
        )
    )
    async def label_timeline(
        self,
        info: Info,
        interval: Annotated[
            TimelineInterval, strawberry.argument(description="Period length.")
        ] = TimelineInterval.YEAR,
        where: Annotated[ClusterWhere | None, strawberry.argument(description=_WHERE)] = None,
        as_of: Annotated[date | None, strawberry.argument(description=_FILTER_DATE)] = None,
    ) -> list[LabelTimelinePeriod]:
        day = as_of or info.context.today
        rows = await label_timeline(
            info.context.db, cluster_match(_filter(where), day), cast(Interval, interval.name)
        )
        return [
            LabelTimelinePeriod(
                start=row.start,
                end=row.end,
                year=row.start.year,
                month=row.start.month if interval is TimelineInterval.MONTH else None,
                awarded=row.awarded,
                awarded_inferred=row.awarded_inferred,
                expiring=row.expiring,
                clusters_valid_at_end=row.clusters_valid_at_end,
            )
            for row in rows
        ]

    @resolver(
        description=(
            "Statistics of one indicator over the matching clusters, from each cluster's "
            "latest interview (among those included; a sample interview counts unless "
            "`includeSample` is false). Groups with fewer values than the server's minimum "
            "group size (default 3) are withheld: `n` is shown, every statistic is null. An "
            "unknown code is an error (BAD_USER_INPUT). "
            f"{_COST}"
        )
    )
    async def indicator_stats(
        self,
        info: Info,
        code: Annotated[
            str, strawberry.argument(description="Indicator code, e.g. `participants`.")
        ],
        group_by: Annotated[
            IndicatorGroupBy, strawberry.argument(description="One group, or one per portfolio.")
        ] = IndicatorGroupBy.NONE,
        where: Annotated[ClusterWhere | None, strawberry.argument(description=_WHERE)] = None,
        as_of: Annotated[date | None, strawberry.argument(description=_FILTER_DATE)] = None,
        include_sample: Annotated[
            bool,
            strawberry.argument(
                description="Use sample interviews (generated data) too; default true."
            ),
        ] = True,
    ) -> list[IndicatorStats]:
        db = info.context.db
        doc = await find_indicator(db, code)
        if doc is None:
            raise BadUserInput(f"unknown indicator code {code[:60]!r}")
        day = as_of or info.context.today
        rows = await indicator_stats(
            db,
            doc,
            cluster_match(_filter(where), day),
            by_portfolio=group_by is IndicatorGroupBy.PORTFOLIO,
            include_sample=include_sample,
            min_group_size=info.context.min_group_size,
        )
        indicator = Indicator.from_document(doc)
        result = []
        for row in rows:
            s = row.summary
            result.append(
                IndicatorStats(
                    indicator=indicator,
                    portfolio=(
                        _portfolio(row.portfolio, row.portfolio_name or "")
                        if row.portfolio is not None
                        else None
                    ),
                    n=row.n,
                    withheld=WithheldReason.BELOW_MIN_GROUP_SIZE if row.withheld else None,
                    includes_sample=row.includes_sample,
                    mean=s.mean if s else None,
                    median=s.median if s else None,
                    p25=s.p25 if s else None,
                    p75=s.p75 if s else None,
                    min=s.min if s else None,
                    max=s.max if s else None,
                    share_true=row.share_true,
                    distribution=(
                        [ValueCount(value=v, count=c) for v, c in row.distribution]
                        if row.distribution is not None
                        else None
                    ),
                )
            )
        return result
