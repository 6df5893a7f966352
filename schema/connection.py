"""The cluster connection (Relay): `ClusterConnection`, its edges and `PageInfo`, and the
resolver shared by `Query.clusters` and `Portfolio.clusters`.

One `find` fetches a page whatever its size; `totalCount` costs one `count_documents`,
and only when selected.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Annotated, Any, cast

import strawberry

from schema.context import Info
from schema.documents import CLUSTERS, ClusterDoc
from schema.enums import ClusterOrderField, OrderDirection
from schema.errors import BadUserInput
from schema.filters import cluster_match
from schema.inputs import ClusterOrder, ClusterWhere
from schema.limits import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, MAX_SEARCH_LENGTH
from schema.pagination import PageArgs, SortKey, fetch_page
from schema.resolvers import resolver
from schema.selection import child, current, names

if TYPE_CHECKING:
    from schema.types import Cluster

__all__ = [
    "CLUSTERS_DESCRIPTION",
    "ClusterConnection",
    "ClusterEdge",
    "PageInfo",
    "resolve_clusters",
]

CLUSTERS_DESCRIPTION = (
    "A page of clusters (Relay cursor connection) with optional search, filter and order. "
    f"`first` defaults to {DEFAULT_PAGE_SIZE}; `first`/`last` above {MAX_PAGE_SIZE} or "
    "below 0 are refused with a BAD_USER_INPUT error (never clamped silently)."
)

_SORT_PATHS = {
    ClusterOrderField.NAME: ("nameKey", False),
    ClusterOrderField.VALID_UNTIL: ("label.validUntil", True),
    ClusterOrderField.PORTFOLIO: ("portfolioName", False),
}
# Everything `Cluster` reads, plus the sort keys cursors are made of: no `source`.
_PROJECTION = {
    f: 1
    for f in (
        "name",
        "nameKey",
        "country",
        "portfolio",
        "portfolioName",
        "website",
        "warnings",
        "label",
    )
}


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
    node: Annotated[Cluster, strawberry.lazy("schema.types")] = strawberry.field(
        description="The cluster."
    )


@strawberry.type(description="A page of clusters.")
class ClusterConnection:
    edges: list[ClusterEdge] = strawberry.field(description="Clusters with their cursors.")
    page_info: PageInfo = strawberry.field(description="Neighbouring pages.")
    match: strawberry.Private[dict[str, Any]]

    @resolver(description="Clusters of the page, without cursors.")
    def nodes(self) -> list[Annotated[Cluster, strawberry.lazy("schema.types")]]:
        return [edge.node for edge in self.edges]

    @resolver(description="Number of clusters matching the search and filter, over all pages.")
    async def total_count(self, info: Info) -> int:
        return int(await info.context.db[CLUSTERS].count_documents(self.match))


def _sort_keys(order_by: list[ClusterOrder] | None) -> list[SortKey]:
    orders = order_by or [ClusterOrder(field=ClusterOrderField.NAME)]
    seen: set[ClusterOrderField] = set()
    keys = []
    for order in orders:
        if order.field in seen:
            raise BadUserInput(f"orderBy lists {order.field.value} more than once")
        seen.add(order.field)
        path, is_date = _SORT_PATHS[order.field]
        keys.append(
            SortKey(path=path, descending=order.direction is OrderDirection.DESC, is_date=is_date)
        )
    return keys


async def resolve_clusters(
    root: Any,
    info: Info,
    first: Annotated[
        int | None,
        strawberry.argument(
            description=f"Page size from the start or `after` (default {DEFAULT_PAGE_SIZE}, "
            f"0 to {MAX_PAGE_SIZE}; more is an error). Not with `last`."
        ),
    ] = None,
    after: Annotated[
        str | None, strawberry.argument(description="Cursor: the page starts after it.")
    ] = None,
    last: Annotated[
        int | None,
        strawberry.argument(
            description=f"Page size back from the end or `before` (0 to {MAX_PAGE_SIZE}). "
            "Not with `first`."
        ),
    ] = None,
    before: Annotated[
        str | None, strawberry.argument(description="Cursor: the page ends before it.")
    ] = None,
    search: Annotated[
        str | None,
        strawberry.argument(
            description="Text contained in the name or its acronyms, ignoring case, accents "
            f"and punctuation (`pole` finds `Pôle …`, `novlog` finds `Nov@log`). At most "
            f"{MAX_SEARCH_LENGTH} characters; empty or blank means no search, and text of "
            "punctuation only matches nothing."
        ),
    ] = None,
    where: Annotated[
        ClusterWhere | None, strawberry.argument(description="Filter on indexed fields.")
    ] = None,
    order_by: Annotated[
        list[ClusterOrder] | None,
        strawberry.argument(
            description="Sort keys, most significant first (default: NAME ASC). A cursor "
            "only works with the orderBy it came from."
        ),
    ] = None,
    as_of: Annotated[
        date | None,
        strawberry.argument(
            description="Date for `labelStatus` filters and for every `Label.status` and "
            "`daysRemaining` below (default: today, UTC)."
        ),
    ] = None,
) -> ClusterConnection:
    from schema.types import Cluster, Portfolio

    args = PageArgs.from_arguments(first, after, last, before)
    keys = _sort_keys(order_by)
    day = as_of or info.context.today
    match = cluster_match(where, day, search)
    if isinstance(root, Portfolio):
        match = {"$and": [{"portfolio": root.slug}, match]} if match else {"portfolio": root.slug}
    selected = current(info)
    page_info = names(child(selected, "pageInfo"))
    need_opposite = bool(
        page_info & ({"hasPreviousPage"} if args.last is None else {"hasNextPage"})
    )
    page = await fetch_page(
        info.context.db,
        CLUSTERS,
        match,
        keys,
        args,
        projection=_PROJECTION,
        need_opposite=need_opposite,
    )
    edges = [
        ClusterEdge(cursor=cursor, node=Cluster.from_document(cast(ClusterDoc, doc), as_of))
        for doc, cursor in zip(page.docs, page.cursors, strict=True)
    ]
    return ClusterConnection(
        edges=edges,
        page_info=PageInfo(
            has_next_page=page.has_next,
            has_previous_page=page.has_previous,
            start_cursor=page.cursors[0] if page.cursors else None,
            end_cursor=page.cursors[-1] if page.cursors else None,
        ),
        match=match,
    )
