"""Root fields of the indicator catalogue: `indicatorAreas`, `indicators`."""

from __future__ import annotations

from typing import Annotated

import strawberry

from schema.store.indicators import list_indicators
from schema.types.context import Info
from schema.types.indicators import RECONSTRUCTION, Indicator, IndicatorArea, areas_of
from schema.types.resolvers import resolver

__all__ = ["CatalogueQuery"]


@strawberry.type
class CatalogueQuery:
    @resolver(description=f"Areas of the indicator catalogue, in order. {RECONSTRUCTION}")
    async def indicator_areas(self, info: Info) -> list[IndicatorArea]:
        return areas_of(await list_indicators(info.context.db))

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
        docs = await list_indicators(info.context.db, area)
        return [Indicator.from_document(d) for d in docs]
