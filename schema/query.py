"""The root `Query` type, merged from one class per topic.

To add root fields, write another `@strawberry.type` class of fields (as
`schema.aggregates` will) and add it to `QUERY_PARTS`; `strawberry.tools.merge_types`
joins them into the single `Query` the schema exposes.
"""

from __future__ import annotations

import asyncio
from typing import Annotated, Any, cast

import strawberry

from schema.aggregate_query import AggregateQuery
from schema.catalogue import RECONSTRUCTION, Indicator, IndicatorArea, areas_of
from schema.connection import CLUSTERS_DESCRIPTION, ClusterConnection, resolve_clusters
from schema.context import Info
from schema.documents import INDICATORS, PORTFOLIOS, IndicatorDoc, PortfolioDoc
from schema.errors import BadUserInput
from schema.ids import from_global_id
from schema.limits import MAX_NODE_IDS
from schema.nodes import Node
from schema.resolvers import resolver
from schema.types import Cluster, Interview, Label, Portfolio

__all__ = ["QUERY_PARTS", "Query", "load_node", "merge_query"]


async def load_node(info: Info, global_id: str) -> Node | None:
    """The object a global ID names, or None when it names nothing (or is not ours)."""
    decoded = from_global_id(global_id)
    if decoded is None:
        return None
    type_name, key = decoded
    loaders = info.context.loaders
    if type_name == "Cluster":
        cluster = await loaders.cluster.load(key)
        return Cluster.from_document(cluster, None) if cluster else None
    if type_name == "Portfolio":
        portfolio = await loaders.portfolio.load(key)
        return Portfolio.from_document(portfolio) if portfolio else None
    if type_name == "Label":
        label = await loaders.label.load(key)
        return Label.from_document(label, label["cluster"], None) if label else None
    if type_name == "Indicator":
        indicator = await loaders.indicator.load(key)
        return Indicator.from_document(indicator) if indicator else None
    interview = await loaders.interview.load(key)
    return Interview.from_document(interview) if interview else None


@strawberry.type
class NodeQuery:
    @resolver(description="The object with this global ID; null when there is none.")
    async def node(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="A global ID.")],
    ) -> Node | None:
        return await load_node(info, id)

    @resolver(
        description=(
            f"The objects with these global IDs (at most {MAX_NODE_IDS}), in the same order; "
            "null for each ID that names nothing."
        )
    )
    async def nodes(
        self,
        info: Info,
        ids: Annotated[list[strawberry.ID], strawberry.argument(description="Global IDs.")],
    ) -> list[Node | None]:
        if len(ids) > MAX_NODE_IDS:
            raise BadUserInput(f"ids lists {len(ids)} IDs; at most {MAX_NODE_IDS} are allowed")
        return list(await asyncio.gather(*(load_node(info, i) for i in ids)))


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
    ) -> Cluster | None:
        if (id is None) == (slug is None):
            raise BadUserInput("cluster needs exactly one of id and slug")
        if slug is not None:
            doc = await info.context.loaders.cluster.load(slug)
            return Cluster.from_document(doc, None) if doc else None
        node = await load_node(info, cast(str, id))
        return node if isinstance(node, Cluster) else None

    clusters: ClusterConnection = strawberry.field(
        resolver=resolve_clusters, description=CLUSTERS_DESCRIPTION
    )

    @resolver(description="Every comparative portfolio, by name.")
    async def portfolios(self, info: Info) -> list[Portfolio]:
        cursor = info.context.db[PORTFOLIOS].find({}).sort([("nameKey", 1), ("_id", 1)])
        docs: list[Any] = await cursor.to_list(length=None)
        return [Portfolio.from_document(cast(PortfolioDoc, d)) for d in docs]

    @resolver(description="One portfolio by slug; null when not found.")
    async def portfolio(
        self,
        info: Info,
        slug: Annotated[str, strawberry.argument(description="The portfolio's slug, e.g. `ict`.")],
    ) -> Portfolio | None:
        doc = await info.context.loaders.portfolio.load(slug)
        return Portfolio.from_document(doc) if doc else None


async def _indicator_docs(info: Info, query: dict[str, Any]) -> list[IndicatorDoc]:
    cursor = info.context.db[INDICATORS].find(query).sort([("catalogueVersion", 1), ("number", 1)])
    docs: list[Any] = await cursor.to_list(length=None)
    return cast(list[IndicatorDoc], docs)


@strawberry.type
class CatalogueQuery:
    @resolver(description=f"Areas of the indicator catalogue, in order. {RECONSTRUCTION}")
    async def indicator_areas(self, info: Info) -> list[IndicatorArea]:
        return areas_of(await _indicator_docs(info, {}))

    @resolver(description=f"Indicators of the catalogue, in order. {RECONSTRUCTION}")
    async def indicators(
        self,
        info: Info,
        area: Annotated[
            str | None,
            strawberry.argument(
                description="Only this area (`IndicatorArea.code`, e.g. `STRUCTURE`); an "
                "unknown code gives an empty list."
            ),
        ] = None,
    ) -> list[Indicator]:
        query = {} if area is None else {"area": area}
        return [Indicator.from_document(d) for d in await _indicator_docs(info, query)]


QUERY_PARTS: tuple[type, ...] = (NodeQuery, DirectoryQuery, CatalogueQuery, AggregateQuery)


def merge_query(parts: tuple[type, ...]) -> type:
    """One `Query` type with the fields of every part; a field defined twice is an error."""
    seen: dict[str, str] = {}
    for part in parts:
        for field in part.__strawberry_definition__.fields:  # type: ignore[attr-defined]
            if field.name in seen:
                raise TypeError(
                    f"Query field {field.name!r} in {part.__name__} and {seen[field.name]}"
                )
            seen[field.name] = part.__name__
    return strawberry.type(
        type("Query", parts, {}),
        description=(
            "Entry points: the directory of labelled clusters, their portfolios, labels and "
            "benchmarking interviews, and the indicator catalogue."
        ),
    )


Query = merge_query(QUERY_PARTS)
