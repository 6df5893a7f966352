"""GraphQL types of the indicator catalogue: `Indicator` and `IndicatorArea`.

The catalogue served here is a reconstruction (not ESCA's official list, which is not
public); every description says so, and each indicator carries its `evidence`.
"""

from __future__ import annotations

import strawberry

from schema.store.documents import IndicatorDoc
from schema.types.enums import Evidence, IndicatorUnit
from schema.types.ids import to_global_id
from schema.types.nodes import Node

__all__ = ["RECONSTRUCTION", "Indicator", "IndicatorArea", "areas_of", "indicators_by_code"]

RECONSTRUCTION = (
    "Part of a reconstructed catalogue, not ESCA's official list: ESCA confirms the six "
    "areas, the item-level list is not public; `evidence` says how each item is known."
)


@strawberry.type(description=f"One indicator of a benchmarking interview. {RECONSTRUCTION}")
class Indicator(Node):
    code: str = strawberry.field(description="Stable code, unique within its catalogue version.")
    number: int = strawberry.field(description="Position in the catalogue, from 1.")
    catalogue_version: str = strawberry.field(
        description="Catalogue version, e.g. `bronze-36-2010` (36 Bronze indicators, 2010-2019)."
    )
    name: str = strawberry.field(description="Short name.")
    description: str = strawberry.field(description="What is measured.")
    area: str = strawberry.field(description="Code of the area (`IndicatorArea.code`).")
    area_name: str = strawberry.field(description="Name of the area.")
    unit: IndicatorUnit = strawberry.field(description="Unit; says which result field is set.")
    higher_is_better: bool | None = strawberry.field(
        description="Direction of improvement; null when there is none (a year, a choice)."
    )
    evidence: Evidence = strawberry.field(
        description="How this item of the reconstruction is known."
    )
    choices: list[str] | None = strawberry.field(
        description="Allowed values for ENUM and LIST units; null otherwise."
    )
    scale_min: int | None = strawberry.field(
        description="Lowest allowed value: a RATING's lowest score, or the bound of a numeric "
        "indicator that has one (participant growth: -100); else null."
    )
    scale_max: int | None = strawberry.field(
        description="Highest allowed value: a RATING's highest score, or the bound of a "
        "numeric indicator that has one; else null."
    )

    @classmethod
    def from_document(cls, doc: IndicatorDoc) -> Indicator:
        scale = doc.get("scale") or {}
        return cls(
            id=strawberry.ID(to_global_id("Indicator", doc["_id"])),
            code=doc["code"],
            number=doc["number"],
            catalogue_version=doc["catalogueVersion"],
            name=doc["name"],
            description=doc["description"],
            area=doc["area"],
            area_name=doc["areaName"],
            unit=IndicatorUnit(doc["unit"]),
            higher_is_better=doc["higherIsBetter"],
            evidence=Evidence(doc["evidence"]),
            choices=doc.get("choices"),
            scale_min=scale.get("min"),
            scale_max=scale.get("max"),
        )


@strawberry.type(description=f"One of the six areas of the Bronze benchmarking. {RECONSTRUCTION}")
class IndicatorArea:
    code: str = strawberry.field(description="Stable code, e.g. `STRUCTURE`.")
    number: int = strawberry.field(description="Position, 1 to 6.")
    name: str = strawberry.field(description="Name as ESCA states it.")
    catalogue_version: str = strawberry.field(description="Catalogue version of the area.")
    indicators: list[Indicator] = strawberry.field(description="Its indicators, in order.")


def areas_of(docs: list[IndicatorDoc]) -> list[IndicatorArea]:
    """Group indicator documents (sorted by version, then number) into their areas."""
    areas: dict[tuple[str, str], IndicatorArea] = {}
    for doc in docs:
        key = (doc["catalogueVersion"], doc["area"])
        area = areas.get(key)
        if area is None:
            area = areas[key] = IndicatorArea(
                code=doc["area"],
                number=doc["areaNumber"],
                name=doc["areaName"],
                catalogue_version=doc["catalogueVersion"],
                indicators=[],
            )
        area.indicators.append(Indicator.from_document(doc))
    return sorted(areas.values(), key=lambda a: (a.catalogue_version, a.number))


def indicators_by_code(docs: list[IndicatorDoc]) -> dict[str, Indicator]:
    """One catalogue version's indicators by code, in catalogue order, each built once."""
    return {doc["code"]: Indicator.from_document(doc) for doc in docs}
