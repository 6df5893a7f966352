"""Typed filter and order inputs. Only whitelisted, indexed fields can be filtered on; no
input is ever passed to the database as-is: `ClusterWhere.to_filter` turns it into the
store's plain `ClusterFilter` (see `schema.store.filters`)."""

from __future__ import annotations

from datetime import date
from typing import cast

import strawberry

from schema.errors import BadUserInput
from schema.guards.inputs import too_many_filters
from schema.rules.labels import Status
from schema.rules.limits import MAX_INPUT_LIST_LENGTH, MAX_WHERE_CLAUSES, MAX_WHERE_DEPTH
from schema.rules.vocabulary import Level
from schema.store.filters import ClusterFilter
from schema.types.enums import ClusterOrderField, LabelLevel, LabelStatus, OrderDirection

__all__ = ["ClusterOrder", "ClusterWhere", "DateRange"]


@strawberry.input(description="An inclusive date range; an absent bound is open.")
class DateRange:
    gte: date | None = strawberry.field(default=None, description="On or after this date.")
    lte: date | None = strawberry.field(default=None, description="On or before this date.")


@strawberry.input(
    description=(
        "A filter on clusters. Conditions given together must all hold; a list matches any "
        "of its values; an empty list matches nothing. `and`, `or` and `not` combine "
        f"filters, nested at most {MAX_WHERE_DEPTH} levels deep, {MAX_WHERE_CLAUSES} filters "
        "in all (this one included). Every list holds at most "
        f"{MAX_INPUT_LIST_LENGTH} items (more is a BAD_USER_INPUT error), and each item "
        "counts one in the query cost."
    )
)
class ClusterWhere:
    portfolio: list[str] | None = strawberry.field(
        default=None,
        description="Portfolio slugs (`Portfolio.slug`), e.g. `ict`; an unknown slug is a "
        "BAD_USER_INPUT error naming the nearest ones.",
    )
    label_level: list[LabelLevel] | None = strawberry.field(
        default=None, description="Level of the label in force on the query's `asOf`."
    )
    label_status: list[LabelStatus] | None = strawberry.field(
        default=None,
        description="Status on the query's `asOf` (default: today) of the label in force, "
        "or NOT_YET_LABELLED.",
    )
    valid_until: DateRange | None = strawberry.field(
        default=None, description="End of validity of the label in force on the query's `asOf`."
    )
    country: list[str] | None = strawberry.field(
        default=None,
        description="ISO 3166-1 alpha-2 country codes, e.g. `FR` (case and blanks ignored); "
        "an unknown code is a BAD_USER_INPUT error.",
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

    def to_filter(self, depth: int = 1) -> ClusterFilter:
        """The store's form of this filter; nesting past `MAX_WHERE_DEPTH`, or more than
        `MAX_WHERE_CLAUSES` filters in all, is refused."""
        if depth == 1:
            self._check_size()
        if depth > MAX_WHERE_DEPTH:
            raise BadUserInput(f"where is nested more than {MAX_WHERE_DEPTH} levels deep")
        return ClusterFilter(
            portfolio=self.portfolio,
            label_level=None
            if self.label_level is None
            else [cast(Level, level.name) for level in self.label_level],
            label_status=None
            if self.label_status is None
            else [cast(Status, status.name) for status in self.label_status],
            valid_until=None
            if self.valid_until is None
            else (self.valid_until.gte, self.valid_until.lte),
            country=self.country,
            and_=None if self.and_ is None else [sub.to_filter(depth + 1) for sub in self.and_],
            or_=None if self.or_ is None else [sub.to_filter(depth + 1) for sub in self.or_],
            not_=None if self.not_ is None else self.not_.to_filter(depth + 1),
        )

    def _check_size(self) -> None:
        count, pending = 0, [self]
        while pending:
            where = pending.pop()
            count += 1
            if count > MAX_WHERE_CLAUSES:
                raise too_many_filters()
            pending.extend(where.and_ or ())
            pending.extend(where.or_ or ())
            if where.not_ is not None:
                pending.append(where.not_)


@strawberry.input(description="One sort key; `_id` always breaks ties last, so pages are stable.")
class ClusterOrder:
    field: ClusterOrderField = strawberry.field(description="What to sort by.")
    direction: OrderDirection = strawberry.field(
        default=OrderDirection.ASC, description="Sort direction (default ASC)."
    )
