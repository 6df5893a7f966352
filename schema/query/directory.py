"""Root fields of the directory: `cluster`, `clusters`, `portfolios`, `portfolio`."""

from __future__ import annotations

from typing import Annotated, cast

import strawberry

from schema.errors import BadUserInput
from schema.query.nodes import load_node
from schema.store.clusters import list_portfolios
from schema.types.connection import CLUSTERS_DESCRIPTION, AsOfArg, ClusterConnection
from schema.types.context import Info
from schema.types.directory import Cluster, Portfolio, resolve_clusters
from schema.types.resolvers import resolver

__all__ = ["DirectoryQuery"]


@strawberry.type
class DirectoryQuery:
    @resolver(
        description=("One cluster by global ID or by slug (give exactly one); null when not found.")
    )
    async def cluster(
        self,
        info: Info,
        id: Annotated[
            strawberry.ID | None, strawberry.argument(description="The cluster's global ID.")
        ] = None,
        slug: Annotated[str | None, strawberry.argument(description="The cluster's slug.")] = None,
        as_of: AsOfArg = None,
    ) -> Cluster | None:
        if (id is None) == (slug is None):
            raise BadUserInput("cluster needs exactly one of id and slug")
        if slug is not None:
            doc = await info.context.loaders.cluster.load(slug)
            return Cluster.from_document(doc, as_of or info.context.today) if doc else None
        node = await load_node(info, cast(str, id), as_of)
        return node if isinstance(node, Cluster) else None

    clusters: ClusterConnection = strawberry.field(
        resolver=resolve_clusters, description=CLUSTERS_DESCRIPTION
    )

    @resolver(description="Every comparative portfolio, by name.")
    async def portfolios(self, info: Info) -> list[Portfolio]:
        return [Portfolio.from_document(d) for d in await list_portfolios(info.context.db)]

    @resolver(description="One portfolio by slug; null when not found.")
    async def portfolio(
        self,
        info: Info,
        slug: Annotated[str, strawberry.argument(description="The portfolio's slug, e.g. `ict`.")],
    ) -> Portfolio | None:
        doc = await info.context.loaders.portfolio.load(slug)
        return Portfolio.from_document(doc) if doc else None
