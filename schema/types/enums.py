"""GraphQL enums shared by types and inputs. Values equal the stored strings."""

from __future__ import annotations

from enum import Enum

import strawberry

from schema.rules.labels import EXPIRING_SOON_DAYS

__all__ = [
    "WITHHELD",
    "ClusterOrderField",
    "Evidence",
    "IndicatorUnit",
    "LabelLevel",
    "LabelStatus",
    "OrderDirection",
    "Rating",
    "WithheldReason",
]


@strawberry.enum(description="Level of a Cluster Management Excellence label.")
class LabelLevel(Enum):
    BRONZE = strawberry.enum_value(
        "BRONZE", description="'Striving for cluster excellence': one benchmarking interview."
    )
    SILVER = strawberry.enum_value(
        "SILVER", description="'Dedicated to cluster excellence': a second benchmarking and audit."
    )
    GOLD = strawberry.enum_value(
        "GOLD", description="'Proven cluster excellence': 31 quality indicators, on-site audit."
    )


@strawberry.enum(
    description=(
        "State on a date `asOf` (default: today, UTC) of a cluster's label in force: the "
        "latest of its history awarded on or before `asOf`. Computed from that label's "
        "`validUntil`; the same rule drives the `labelStatus` filter, every count by status "
        "and `labelTimeline`. Award dates of the shipped listing are inferred (see "
        "`Label.awardedOnInferred`), so statuses before them are too."
    )
)
class LabelStatus(Enum):
    VALID = strawberry.enum_value(
        "VALID",
        description=f"asOf <= validUntil, and more than {EXPIRING_SOON_DAYS} days before the end.",
    )
    EXPIRING_SOON = strawberry.enum_value(
        "EXPIRING_SOON",
        description=f"Still valid, and the end is at most {EXPIRING_SOON_DAYS} days away.",
    )
    RENEWABLE = strawberry.enum_value(
        "RENEWABLE", description="Expired less than one year before asOf: can still be renewed."
    )
    EXPIRED = strawberry.enum_value("EXPIRED", description="Expired one year or more before asOf.")
    NOT_YET_LABELLED = strawberry.enum_value(
        "NOT_YET_LABELLED",
        description="No label awarded on or before asOf (for a `Label`: awarded after asOf).",
    )


@strawberry.enum(description="Traffic-light rating of one indicator in a benchmarking report.")
class Rating(Enum):
    RED = strawberry.enum_value("RED", description="Well below the peer group.")
    YELLOW = strawberry.enum_value("YELLOW", description="Around the peer group.")
    GREEN = strawberry.enum_value("GREEN", description="Above the peer group.")


@strawberry.enum(description="How an indicator of the reconstructed catalogue is known.")
class Evidence(Enum):
    CONFIRMED = strawberry.enum_value(
        "CONFIRMED", description="Named in a public ESCA or participant source."
    )
    AREA_CONFIRMED = strawberry.enum_value(
        "AREA_CONFIRMED", description="Its area is confirmed by ESCA; the item is inferred."
    )
    INFERRED = strawberry.enum_value("INFERRED", description="Inferred; not named by any source.")


@strawberry.enum(description="Unit of an indicator's value; decides which result field is set.")
class IndicatorUnit(Enum):
    COUNT = strawberry.enum_value("COUNT", description="A number of things (`value`).")
    PERCENT = strawberry.enum_value(
        "PERCENT",
        description="A percentage (`value`): a share from 0 to 100, or a change within the "
        "indicator's `scaleMin`..`scaleMax` when it has them.",
    )
    YEAR = strawberry.enum_value("YEAR", description="A calendar year (`value`).")
    YEARS = strawberry.enum_value("YEARS", description="A duration in years (`value`).")
    EUR = strawberry.enum_value("EUR", description="An amount in euros (`value`).")
    FTE = strawberry.enum_value("FTE", description="Full-time equivalents (`value`).")
    BOOL = strawberry.enum_value("BOOL", description="Yes or no (`flag`).")
    RATING = strawberry.enum_value("RATING", description="An ordinal score on a scale (`value`).")
    ENUM = strawberry.enum_value("ENUM", description="One of the indicator's choices (`text`).")
    LIST = strawberry.enum_value(
        "LIST", description="Several of the indicator's choices (`items`)."
    )


@strawberry.enum(description="A key clusters can be sorted by.")
class ClusterOrderField(Enum):
    NAME = strawberry.enum_value(
        "NAME", description="Name, folded: case, accents and punctuation ignored."
    )
    VALID_UNTIL = strawberry.enum_value(
        "VALID_UNTIL",
        description="End of validity of the current label (the latest awarded), whatever "
        "`asOf`: an order on the label in force on another date could not use an index.",
    )
    PORTFOLIO = strawberry.enum_value("PORTFOLIO", description="Name of the comparative portfolio.")
    AWARDED_ON = strawberry.enum_value(
        "AWARDED_ON",
        description="Award date of the current label (the latest awarded), whatever `asOf`; "
        "inferred for the shipped listing (see `Label.awardedOnInferred`).",
    )
    COUNTRY = strawberry.enum_value("COUNTRY", description="Country code (ISO 3166-1 alpha-2).")
    LABEL_LEVEL = strawberry.enum_value(
        "LABEL_LEVEL",
        description="Level of the current label: BRONZE < SILVER < GOLD (whatever `asOf`).",
    )
    RELEVANCE = strawberry.enum_value(
        "RELEVANCE",
        description="With `search`: names that start with the text first, then the others, "
        "each part by name (DESC reverses both). The default order when `search` is given; "
        "without search text, the same as NAME. Only alone.",
    )


@strawberry.enum(description="Sort direction.")
class OrderDirection(Enum):
    ASC = strawberry.enum_value("ASC", description="Smallest first (A to Z, earliest first).")
    DESC = strawberry.enum_value("DESC", description="Largest first (Z to A, latest first).")


WITHHELD = (
    "Why the statistics are null: BELOW_MIN_GROUP_SIZE when fewer clusters than the "
    "server's minimum group size (default 3) contribute, so that no member's confidential "
    "value can be read off a small group. Null when the statistics are shown."
)


@strawberry.enum(description="Why a statistic is not shown.")
class WithheldReason(Enum):
    BELOW_MIN_GROUP_SIZE = strawberry.enum_value(
        "BELOW_MIN_GROUP_SIZE",
        description="Fewer clusters than the minimum group size contribute to the group.",
    )
    CONFIDENTIAL = strawberry.enum_value(
        "CONFIDENTIAL",
        description="Individual results of a real interview, which this server does not "
        "publish (only aggregates over enough clusters are served from them).",
    )
