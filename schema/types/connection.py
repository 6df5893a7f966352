"""The cluster connection (Relay): `ClusterConnection`, its edges, `PageInfo`, its facets.

Facets count the clusters matching the connection's `search` and `where` per value of five
keys, each leaving out the top-level condition on its own key, so a multi-select UI can
show what choosing another value would give.

Its resolver, shared by `Query.clusters` and `Portfolio.clusters`, is
`schema.types.directory.resolve_clusters`. One `find` fetches a page whatever its size;
`totalCount` costs one `count_documents`, and only when selected; `facets` (with
`totalCount` when both are selected) one `$facet` pipeline.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from schema.rules.limits import (
    DEFAULT_PAGE_SIZE,
    FACETS_COST,
    MAX_PAGE_SIZE,
    MAX_SEARCH_LENGTH,
    TOTAL_COUNT_COST,
)
from schema.store.clusters import ACCEPTED_ORDERS, count_clusters
from schema.types.context import Info
from schema.types.enums import LabelLevel, LabelStatus
from schema.types.inputs import ClusterOrder, ClusterWhere
from schema.types.resolvers import resolver

if TYPE_CHECKING:
    from schema.types.directory import Cluster, Portfolio

__all__ = [
    "CLUSTERS_DESCRIPTION",
    "FACETS_DESCRIPTION",
    "AfterArg",
    "AsOfArg",
    "BeforeArg",
    "ClusterConnection",
    "ClusterEdge",
    "ClusterFacets",
    "CountryFacet",
    "ExpiryYearFacet",
    "FirstArg",
    "LabelLevelFacet",
    "LabelStatusFacet",
    "LastArg",
    "OrderByArg",
    "PageInfo",
    "PortfolioFacet",
    "SearchArg",
    "WhereArg",
]

CLUSTERS_DESCRIPTION = (
    "A page of clusters (Relay cursor connection) with optional search, filter and order. "
    f"`first` defaults to {DEFAULT_PAGE_SIZE}; `first`/`last` above {MAX_PAGE_SIZE} or "
    "below 0 are refused with a BAD_USER_INPUT error (never clamped silently)."
)


@strawberry.type(description="Where a page sits in the whole result (Relay PageInfo).")
class PageInfo:
    has_next_page: bool = strawberry.field(description="More clusters follow this page.")
    has_previous_page: bool = strawberry.field(description="Clusters precede this page.")
    start_cursor: str | None = strawberry.field(
        description="Cursor of the first edge; pass as `before` for the previous page."
    )
    end_cursor: str | None = strawberry.field(
        description="Cursor of the last edge; pass as `after` for the next page."
    )


@strawberry.type(description="A cluster in a page, with its cursor.")
class ClusterEdge:
    cursor: str = strawberry.field(description="Opaque position of this cluster in the order.")
    node: Annotated[Cluster, strawberry.lazy("schema.types.directory")] = strawberry.field(
        description="The cluster."
    )


# --- facets: counts per value beside a page ------------------------------------------------

FACETS_DESCRIPTION = (
    "Counts per portfolio, label level, label status, expiry year and country of the "
    "clusters matching this connection's `search` and `where`, each facet leaving out the "
    "top-level condition of `where` on its own key (the portfolio facet ignores "
    "`where.portfolio`, and so on), so that a multi-select UI shows what the other choices "
    "would give. Label keys are about the label in force on `asOf`. Computed only when "
    "selected: one database pipeline for every facet (and `totalCount`): counts "
    f"{FACETS_COST} in the query cost, per connection it is asked on."
)


@strawberry.type(description="Matching clusters of one portfolio.")
class PortfolioFacet:
    portfolio: Annotated[Portfolio, strawberry.lazy("schema.types.directory")] = strawberry.field(
        description="The portfolio."
    )
    count: int = strawberry.field(description="Matching clusters, ignoring `where.portfolio`.")


@strawberry.type(description="Matching clusters whose label in force has one level.")
class LabelLevelFacet:
    level: LabelLevel = strawberry.field(description="Level of the label in force on `asOf`.")
    count: int = strawberry.field(
        description="Matching clusters, ignoring `where.labelLevel` (clusters not yet "
        "labelled are in no level)."
    )


@strawberry.type(description="Matching clusters with one status on `asOf`.")
class LabelStatusFacet:
    status: LabelStatus = strawberry.field(description="Status on `asOf`.")
    count: int = strawberry.field(description="Matching clusters, ignoring `where.labelStatus`.")


@strawberry.type(description="Matching clusters whose label in force ends in one year.")
class ExpiryYearFacet:
    year: int = strawberry.field(
        description="Calendar year of the `validUntil` of the label in force on `asOf`."
    )
    count: int = strawberry.field(
        description="Matching clusters, ignoring `where.validUntil` (clusters not yet "
        "labelled are in no year)."
    )


@strawberry.type(description="Matching clusters of one country.")
class CountryFacet:
    country: str = strawberry.field(description="ISO 3166-1 alpha-2 country code.")
    count: int = strawberry.field(description="Matching clusters, ignoring `where.country`.")


@strawberry.type(
    description="Facets of a cluster connection; values without a matching cluster are "
    "left out. Portfolios by name, levels BRONZE to GOLD, statuses VALID to "
    "NOT_YET_LABELLED, years and countries ascending."
)
class ClusterFacets:
    portfolio: list[PortfolioFacet] = strawberry.field(description="Per portfolio.")
    label_level: list[LabelLevelFacet] = strawberry.field(description="Per label level.")
    label_status: list[LabelStatusFacet] = strawberry.field(description="Per label status.")
    expiry_year: list[ExpiryYearFacet] = strawberry.field(description="Per expiry year.")
    country: list[CountryFacet] = strawberry.field(description="Per country.")


@strawberry.type(description="A page of clusters.")
class ClusterConnection:
    edges: list[ClusterEdge] = strawberry.field(description="Clusters with their cursors.")
    page_info: PageInfo = strawberry.field(description="Neighbouring pages.")
    match: strawberry.Private[dict[str, Any]]
    # Computed with the page when selected (see `resolve_clusters`).
    counted: strawberry.Private[int | None] = None
    facet_counts: strawberry.Private[ClusterFacets | None] = None

    @resolver(description="Clusters of the page, without cursors.")
    def nodes(self) -> list[Annotated[Cluster, strawberry.lazy("schema.types.directory")]]:
        return [edge.node for edge in self.edges]

    @resolver(
        description=(
            "Number of clusters matching the search and filter, over all pages. One count "
            f"over every matching cluster: counts {TOTAL_COUNT_COST} in the query cost."
        )
    )
    async def total_count(self, info: Info) -> int:
        if self.counted is not None:
            return self.counted
        return await count_clusters(info.context.db, self.match)

    @resolver(description=FACETS_DESCRIPTION)
    def facets(self) -> ClusterFacets:
        if self.facet_counts is None:  # computed whenever the field is selected
            raise LookupError("facets were not computed for this connection")
        return self.facet_counts


# The arguments of every cluster connection field.
FirstArg = Annotated[
    int | None,
    strawberry.argument(
        description=f"Page size from the start or `after` (default {DEFAULT_PAGE_SIZE}, "
        f"0 to {MAX_PAGE_SIZE}; more is an error). Not with `last`."
    ),
]
AfterArg = Annotated[
    str | None, strawberry.argument(description="Cursor: the page starts after it.")
]
LastArg = Annotated[
    int | None,
    strawberry.argument(
        description=f"Page size back from the end or `before` (0 to {MAX_PAGE_SIZE}). "
        "Not with `first`."
    ),
]
BeforeArg = Annotated[
    str | None, strawberry.argument(description="Cursor: the page ends before it.")
]
SearchArg = Annotated[
    str | None,
    strawberry.argument(
        description="Text contained in the name or its acronyms, ignoring case, accents "
        f"and punctuation (`pole` finds `Pôle …`, `novlog` finds `Nov@log`). At most "
        f"{MAX_SEARCH_LENGTH} characters; empty or blank means no search, and text of "
        "punctuation only matches nothing."
    ),
]
WhereArg = Annotated[
    ClusterWhere | None, strawberry.argument(description="Filter on indexed fields.")
]
OrderByArg = Annotated[
    list[ClusterOrder] | None,
    strawberry.argument(
        description=f"Sort keys, most significant first: {ACCEPTED_ORDERS}, each key ASC or "
        "DESC. These are the orders an index reads in order; any other list is a "
        "BAD_USER_INPUT error. Default: RELEVANCE ASC with `search`, else NAME ASC. A cursor "
        "only works with the orderBy (and, for RELEVANCE, the search) it came from."
    ),
]
AsOfArg = Annotated[
    date | None,
    strawberry.argument(
        description="The directory as it stood on this date (default: today, UTC): each "
        "cluster's `label` is its label in force then, and `labelStatus` filters, every "
        "`Label.status` and `daysRemaining` below refer to it."
    ),
]
