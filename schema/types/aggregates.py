"""GraphQL enums and types of the aggregate root fields (`schema.query.aggregates`).

The rows they map come from `schema.store.aggregates` (counts over the public listing) and
`schema.store.interviews` (statistics over interview results, withheld for small groups).
"""

from __future__ import annotations

from datetime import date
from enum import Enum

import strawberry

from schema.rules.labels import EXPIRING_SOON_DAYS
from schema.types.directory import Portfolio
from schema.types.enums import WITHHELD, LabelLevel, LabelStatus, WithheldReason
from schema.types.indicators import Indicator

__all__ = [
    "ClusterGroup",
    "ClusterGroupBy",
    "IndicatorGroupBy",
    "IndicatorStats",
    "LabelLevelCounts",
    "LabelStatusCounts",
    "LabelTimelinePeriod",
    "PortfolioStats",
    "TimelineGroupBy",
    "TimelineInterval",
    "ValueCount",
]


@strawberry.enum(description="A key `clustersAggregate` can group clusters by.")
class ClusterGroupBy(Enum):
    PORTFOLIO = strawberry.enum_value("PORTFOLIO", description="Comparative portfolio.")
    LABEL_LEVEL = strawberry.enum_value(
        "LABEL_LEVEL",
        description="Level of the label in force on `asOf` (null: not yet labelled).",
    )
    LABEL_STATUS = strawberry.enum_value(
        "LABEL_STATUS",
        description="Status on `asOf` of the label in force (NOT_YET_LABELLED when none).",
    )
    EXPIRY_YEAR = strawberry.enum_value(
        "EXPIRY_YEAR",
        description="Calendar year of the `validUntil` of the label in force on `asOf` "
        "(null: not yet labelled).",
    )
    COUNTRY = strawberry.enum_value("COUNTRY", description="Country (ISO 3166-1 alpha-2).")


@strawberry.enum(description="Length of the periods of `labelTimeline`.")
class TimelineInterval(Enum):
    YEAR = strawberry.enum_value("YEAR", description="Calendar years.")
    MONTH = strawberry.enum_value("MONTH", description="Calendar months.")
    DAY = strawberry.enum_value(
        "DAY", description="Single days: `clustersValidAtEnd` is then the count on each day."
    )


@strawberry.enum(description="A key `labelTimeline` can group periods by.")
class TimelineGroupBy(Enum):
    PORTFOLIO = strawberry.enum_value(
        "PORTFOLIO", description="One run of periods per portfolio with a matching cluster."
    )


@strawberry.enum(description="How `indicatorStats` groups clusters.")
class IndicatorGroupBy(Enum):
    NONE = strawberry.enum_value("NONE", description="One group of all matching clusters.")
    PORTFOLIO = strawberry.enum_value("PORTFOLIO", description="One group per portfolio.")


@strawberry.type(
    description="Numbers of clusters by level of their label in force on the query's `asOf`."
)
class LabelLevelCounts:
    bronze: int = strawberry.field(description="Clusters holding a BRONZE label.")
    silver: int = strawberry.field(description="Clusters holding a SILVER label.")
    gold: int = strawberry.field(description="Clusters holding a GOLD label.")


@strawberry.type(
    description="Numbers of clusters by status of their label in force on the query's `asOf`."
)
class LabelStatusCounts:
    valid: int = strawberry.field(
        description=f"VALID: more than {EXPIRING_SOON_DAYS} days before the end."
    )
    expiring_soon: int = strawberry.field(
        description=f"EXPIRING_SOON: valid, end within {EXPIRING_SOON_DAYS} days."
    )
    renewable: int = strawberry.field(description="RENEWABLE: expired less than a year ago.")
    expired: int = strawberry.field(description="EXPIRED: expired a year ago or more.")
    not_yet_labelled: int = strawberry.field(
        description="NOT_YET_LABELLED: no label awarded on or before `asOf`."
    )


@strawberry.type(
    description=(
        "Label counts of one portfolio over the clusters matching the query's filter. "
        "Counts are public listing data and are never withheld."
    )
)
class PortfolioStats:
    portfolio: Portfolio = strawberry.field(description="The portfolio.")
    cluster_count: int = strawberry.field(description="Matching clusters of the portfolio.")
    by_level: LabelLevelCounts = strawberry.field(
        description="Counts by level of the label in force on `asOf`."
    )
    by_status: LabelStatusCounts = strawberry.field(
        description="Counts by status on `asOf` of the label in force."
    )
    earliest_valid_until: date | None = strawberry.field(
        description="Earliest `validUntil` of a label in force on `asOf`; null without one."
    )
    latest_valid_until: date | None = strawberry.field(
        description="Latest `validUntil` of a label in force on `asOf`; null without one."
    )
    expiring_within_window: int = strawberry.field(
        description=(
            "Labels in force on asOf ending within the window: asOf <= validUntil <= asOf + "
            "`expiringWithinDays`."
        )
    )


@strawberry.type(
    description=(
        "One group of `clustersAggregate`: the values of the grouped keys (null for a key not "
        "grouped by) and the number of matching clusters. Counts are never withheld."
    )
)
class ClusterGroup:
    portfolio: Portfolio | None = strawberry.field(
        description="The portfolio, when grouped by PORTFOLIO."
    )
    label_level: LabelLevel | None = strawberry.field(
        description="Level of the label in force on `asOf`, when grouped by LABEL_LEVEL "
        "(null also for a group of clusters not yet labelled)."
    )
    label_status: LabelStatus | None = strawberry.field(
        description="Status on `asOf`, when grouped by LABEL_STATUS."
    )
    expiry_year: int | None = strawberry.field(
        description="Year of the `validUntil` of the label in force on `asOf`, when grouped "
        "by EXPIRY_YEAR (null also for a group of clusters not yet labelled)."
    )
    country: str | None = strawberry.field(description="Country, when grouped by COUNTRY.")
    count: int = strawberry.field(description="Matching clusters in the group.")


@strawberry.type(
    description=(
        "One period of `labelTimeline`, counted over every label in the history of the "
        "matching clusters (renewals and past labels included, not only current ones)."
    )
)
class LabelTimelinePeriod:
    portfolio: Portfolio | None = strawberry.field(
        description="The portfolio, when grouped by PORTFOLIO; null otherwise."
    )
    start: date = strawberry.field(description="First day of the period.")
    end: date = strawberry.field(description="Last day of the period.")
    year: int = strawberry.field(description="Calendar year of the period.")
    month: int | None = strawberry.field(
        description="Month, 1-12, for MONTH and DAY; null for YEAR."
    )
    awarded: int = strawberry.field(description="Labels whose `awardedOn` falls in the period.")
    awarded_inferred: int = strawberry.field(
        description=(
            "Of `awarded`, labels whose award date is inferred from `validUntil`, not published."
        )
    )
    expiring: int = strawberry.field(description="Labels whose `validUntil` falls in the period.")
    clusters_valid_at_end: int = strawberry.field(
        description=(
            "Clusters whose label in force on the period's last day is valid on it (VALID or "
            "EXPIRING_SOON): the number a `labelStatus: [VALID, EXPIRING_SOON]` filter with "
            "`asOf` that day gives."
        )
    )


@strawberry.type(description="How many values of a RATING, ENUM or LIST indicator are equal.")
class ValueCount:
    value: str = strawberry.field(description="The value (a RATING score as a whole number).")
    count: int = strawberry.field(description="Clusters with this value (LIST: listing it).")


@strawberry.type(
    description=(
        "Statistics of one indicator over a group of clusters, from each cluster's latest "
        "interview among those included. Numeric units (and RATING) get mean, quartiles, "
        "min and max; BOOL gets `shareTrue`; RATING, ENUM and LIST get `distribution`. "
        "Quartiles interpolate linearly between the closest ranks (the 'inclusive' method "
        "of Python's statistics.quantiles). Every statistic is null when `withheld` is set."
    )
)
class IndicatorStats:
    indicator: Indicator = strawberry.field(description="The indicator.")
    portfolio: Portfolio | None = strawberry.field(
        description="The group's portfolio when grouped by PORTFOLIO; null for NONE."
    )
    n: int = strawberry.field(description="Clusters of the group with a value.")
    withheld: WithheldReason | None = strawberry.field(description=WITHHELD)
    includes_sample: bool = strawberry.field(
        description="True when any value comes from a sample interview (generated data)."
    )
    mean: float | None = strawberry.field(description="Arithmetic mean.")
    median: float | None = strawberry.field(description="Median.")
    p25: float | None = strawberry.field(description="Lower quartile.")
    p75: float | None = strawberry.field(description="Upper quartile.")
    min: float | None = strawberry.field(description="Smallest value.")
    max: float | None = strawberry.field(description="Largest value.")
    share_true: float | None = strawberry.field(description="BOOL: fraction (0-1) of true.")
    distribution: list[ValueCount] | None = strawberry.field(
        description="RATING, ENUM, LIST: counts per value, most frequent first."
    )
