"""Typed filter and order inputs. Only whitelisted, indexed fields can be filtered on; no
input is ever passed to the database as-is (see `schema.filters`)."""

from __future__ import annotations

from datetime import date

import strawberry

from schema.enums import ClusterOrderField, LabelLevel, LabelStatus, OrderDirection
from schema.limits import MAX_WHERE_DEPTH

__all__ = ["ClusterOrder", "ClusterWhere", "DateRange"]


@strawberry.input(description="An inclusive date range; an absent bound is open.")
class DateRange:
    gte: date | None = strawberry.field(default=None, description="On or after this date.")
    lte: date | None = strawberry.field(default=None, description="On or before this date.")


@strawberry.input(
    description=(
        "A filter on clusters. Conditions given together must all hold; a list matches any "
        "of its values; an empty list matches nothing. `and`, `or` and `not` combine "
        f"filters, nested at most {MAX_WHERE_DEPTH} levels deep."
    )
)
class ClusterWhere:
    portfolio: list[str] | None = strawberry.field(
        default=None, description="Portfolio slugs (`Portfolio.slug`), e.g. `ict`."
    )
    label_level: list[LabelLevel] | None = strawberry.field(
        default=None, description="Level of the current label."
    )
    label_status: list[LabelStatus] | None = strawberry.field(
        default=None,
        description="Status of the current label on the query's `asOf` (default: today).",
    )
    valid_until: DateRange | None = strawberry.field(
        default=None, description="End of validity of the current label."
    )
    country: list[str] | None = strawberry.field(
        default=None, description="ISO 3166-1 alpha-2 country codes, e.g. `FR`."
    )
    and_: list[ClusterWhere] | None = strawberry.field(
        default=None, name="and", description="Every one of these filters holds."
    )
    or_: list[ClusterWhere] | None = strawberry.field(
        default=None, name="or", description="At least one of these filters holds."
    )
    not_: ClusterWhere | None = strawberry.field(
        default=None, name="not", description="This filter does not hold."
    )


@strawberry.input(description="One sort key; `_id` always breaks ties last, so pages are stable.")
class ClusterOrder:
    field: ClusterOrderField = strawberry.field(description="What to sort by.")
    direction: OrderDirection = strawberry.field(
        default=OrderDirection.ASC, description="Sort direction (default ASC)."
    )
