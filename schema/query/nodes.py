"""Root fields `node` and `nodes`: any object by its global ID (Relay)."""

from __future__ import annotations

import asyncio
from datetime import date
from typing import Annotated

import strawberry

from schema.errors import BadUserInput
from schema.rules.limits import MAX_NODE_IDS
from schema.types.connection import AsOfArg
from schema.types.context import Info
from schema.types.directory import Cluster, Interview, Label, Portfolio
from schema.types.ids import from_global_id
from schema.types.indicators import Indicator
from schema.types.nodes import Node
from schema.types.resolvers import resolver

__all__ = ["NodeQuery", "load_node"]


async def load_node(info: Info, global_id: str, as_of: date | None = None) -> Node | None:
    """The object a global ID names, or None when it names nothing (or is not ours); a
    cluster, label or interview's cluster as it stood on `as_of` (default today)."""
    decoded = from_global_id(global_id)
    if decoded is None:
        return None
    type_name, key = decoded
    loaders = info.context.loaders
    if type_name == "Cluster":
        cluster = await loaders.cluster.load(key)
        return Cluster.from_document(cluster, as_of or info.context.today) if cluster else None
    if type_name == "Portfolio":
        portfolio = await loaders.portfolio.load(key)
        return Portfolio.from_document(portfolio) if portfolio else None
    if type_name == "Label":
        label = await loaders.label.load(key)
        return Label.from_document(label, label["cluster"], as_of) if label else None
    if type_name == "Indicator":
        indicator = await loaders.indicator.load(key)
        return Indicator.from_document(indicator) if indicator else None
    interview = await loaders.interview.load(key)
    return Interview.from_document(interview, as_of) if interview else None


@strawberry.type
class NodeQuery:
    @resolver(description="The object with this global ID; null when there is none.")
    async def node(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="A global ID.")],
        as_of: AsOfArg = None,
    ) -> Node | None:
        return await load_node(info, id, as_of)

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
        as_of: AsOfArg = None,
    ) -> list[Node | None]:
        if len(ids) > MAX_NODE_IDS:
            raise BadUserInput(f"ids lists {len(ids)} IDs; at most {MAX_NODE_IDS} are allowed")
        return list(await asyncio.gather(*(load_node(info, i, as_of) for i in ids)))
