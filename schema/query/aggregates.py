"""Root fields for aggregates: `portfolioStats`, `clustersAggregate`, `labelTimeline`,
`indicatorStats`. Each costs a fixed number of round trips, whatever the number of groups.

Filters are the `ClusterWhere` of `clusters`, evaluated on `asOf` (default: today, UTC).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, cast

import strawberry

from schema.errors import BadUserInput
from schema.rules.limits import (
    AGGREGATE_COST,
    MAX_WINDOW_DAYS,
    TIMELINE_COST,
    TIMELINE_GROUPED_FACTOR,
)
from schema.rules.text import search_key
from schema.store.aggregates import (
    GroupKey,
    cluster_groups,
    portfolio_stats,
)
from schema.store.filters import cluster_match
from schema.store.indicators import find_indicator, list_indicators
from schema.store.interviews import indicator_stats
from schema.store.timeline import Interval, label_timeline
from schema.types.aggregates import (
    ClusterGroup,
    ClusterGroupBy,
    IndicatorGroupBy,
    IndicatorStats,
    LabelLevelCounts,
    LabelStatusCounts,
    LabelTimelinePeriod,
    PortfolioStats,
    TimelineGroupBy,
    TimelineInterval,
    ValueCount,
)
from schema.types.checks import checked_filter, unknown
from schema.types.connection import SearchArg
from schema.types.context import Info
from schema.types.directory import Portfolio
from schema.types.enums import LabelLevel, LabelStatus, WithheldReason
from schema.types.indicators import Indicator
from schema.types.inputs import ClusterWhere
from schema.types.resolvers import resolver

__all__ = ["AggregateQuery"]


_WHERE = "Only clusters matching this filter (as in `clusters`)."
_FILTER_DATE = (
    "Date the label conditions of `where` (on the label in force) refer to; default today."
)
_AS_OF = (
    "The directory as it stood on this date (default: today, UTC): counts are about each "
    "cluster's label in force then, and so are the label conditions of `where`."
)


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
        search: SearchArg = None,
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
        match = cluster_match(await checked_filter(info, where), day, search)
        rows = await portfolio_stats(
            info.context.aggregate_db,
            match,
            day,
            expiring_within_days,
            portfolios=await info.context.portfolios(),
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
                    not_yet_labelled=row.by_status["NOT_YET_LABELLED"],
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
        search: SearchArg = None,
    ) -> list[ClusterGroup]:
        day = as_of or info.context.today
        keys = [cast(GroupKey, key.name) for key in group_by]
        match = cluster_match(await checked_filter(info, where), day, search)
        rows = await cluster_groups(info.context.aggregate_db, match, day, keys)
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
            "award to the latest end (grouped by PORTFOLIO: the same periods for each "
            "portfolio with a matching cluster, by portfolio name); empty when no label "
            "matches. Award dates of the shipped listing are inferred. Counts "
            f"{TIMELINE_COST['YEAR']} in the query cost by YEAR, {TIMELINE_COST['MONTH']} by "
            f"MONTH and {TIMELINE_COST['DAY']} by DAY (the number of periods is known only "
            "once the labels are read); with `groupBy`, "
            f"{TIMELINE_GROUPED_FACTOR['YEAR']} times that by YEAR or MONTH and "
            f"{TIMELINE_GROUPED_FACTOR['DAY']} times by DAY, which the cost limit refuses "
            "(a day per portfolio is tens of thousands of rows: group by MONTH)."
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
        search: SearchArg = None,
        group_by: Annotated[
            list[TimelineGroupBy] | None,
            strawberry.argument(description="Keys to group periods by (default: none)."),
        ] = None,
    ) -> list[LabelTimelinePeriod]:
        day = as_of or info.context.today
        rows = await label_timeline(
            info.context.aggregate_db,
            cluster_match(await checked_filter(info, where), day, search),
            cast(Interval, interval.name),
            by_portfolio=bool(group_by),
        )
        return [
            LabelTimelinePeriod(
                portfolio=(
                    _portfolio(row.portfolio, row.portfolio_name or "")
                    if row.portfolio is not None
                    else None
                ),
                start=row.start,
                end=row.end,
                year=row.start.year,
                month=row.start.month if interval is not TimelineInterval.YEAR else None,
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
            "unknown code is an error (BAD_USER_INPUT) naming the nearest known codes. "
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
        search: SearchArg = None,
        include_sample: Annotated[
            bool,
            strawberry.argument(
                description="Use sample interviews (generated data) too; default true."
            ),
        ] = True,
    ) -> list[IndicatorStats]:
        db = info.context.aggregate_db
        doc = await find_indicator(db, code)
        if doc is None:
            known = {d["code"]: d["name"] for d in await list_indicators(db)}
            raise unknown("indicator code", code, known, hint="; `indicators` lists every code")
        day = as_of or info.context.today
        rows = await indicator_stats(
            db,
            doc,
            cluster_match(await checked_filter(info, where), day, search),
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
