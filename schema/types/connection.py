"""The cluster connection (Relay): `ClusterConnection`, its edges and `PageInfo`.

Its resolver, shared by `Query.clusters` and `Portfolio.clusters`, is
`schema.types.directory.resolve_clusters`. One `find` fetches a page whatever its size;
`totalCount` costs one `count_documents`, and only when selected.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from schema.rules.limits import (
    DEFAULT_PAGE_SIZE,
    MAX_PAGE_SIZE,
    MAX_SEARCH_LENGTH,
    TOTAL_COUNT_COST,
)
from schema.store.clusters import count_clusters
from schema.types.context import Info
from schema.types.inputs import ClusterOrder, ClusterWhere
from schema.types.resolvers import resolver

if TYPE_CHECKING:
    from schema.types.directory import Cluster

__all__ = [
    "CLUSTERS_DESCRIPTION",
    "AfterArg",
    "AsOfArg",
    "BeforeArg",
    "ClusterConnection",
    "ClusterEdge",
    "FirstArg",
    "LastArg",
    "OrderByArg",
    "PageInfo",
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


@strawberry.type(description="A page of clusters.")
class ClusterConnection:
    edges: list[ClusterEdge] = strawberry.field(description="Clusters with their cursors.")
    page_info: PageInfo = strawberry.field(description="Neighbouring pages.")
    match: strawberry.Private[dict[str, Any]]

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
        return await count_clusters(info.context.db, self.match)


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
        description="Sort keys, most significant first (default: NAME ASC). A cursor "
        "only works with the orderBy it came from."
    ),
]
AsOfArg = Annotated[
    date | None,
    strawberry.argument(
        description="Date for `labelStatus` filters and for every `Label.status` and "
        "`daysRemaining` below (default: today, UTC)."
    ),
]
