"""Controlled vocabularies of stored values: label levels, indicator units, traffic lights,
evidence levels and the six interview areas.

Each is a `Literal` of the exact strings stored in MongoDB. The GraphQL layer exposes the
same values as enums with other names (`Level` here is the `LabelLevel` enum there,
`Light` the `Rating` enum, `EvidenceLevel` the `Evidence` enum, `Status` in `rules.labels`
the `LabelStatus` enum): one name
for the stored string, one for the GraphQL type, never the same name for both.
"""

from __future__ import annotations

from typing import Literal

__all__ = [
    "AREAS",
    "LEVELS",
    "LIGHTS",
    "NUMERIC_UNITS",
    "UNITS",
    "EvidenceLevel",
    "Level",
    "Light",
    "Unit",
]

Level = Literal["BRONZE", "SILVER", "GOLD"]
LEVELS: tuple[Level, ...] = ("BRONZE", "SILVER", "GOLD")

Unit = Literal["COUNT", "PERCENT", "YEAR", "YEARS", "EUR", "FTE", "BOOL", "RATING", "ENUM", "LIST"]
UNITS: tuple[Unit, ...] = (
    "COUNT",
    "PERCENT",
    "YEAR",
    "YEARS",
    "EUR",
    "FTE",
    "BOOL",
    "RATING",
    "ENUM",
    "LIST",
)
# Units whose value is a number (stored as a float).
NUMERIC_UNITS: frozenset[str] = frozenset(
    {"COUNT", "PERCENT", "YEAR", "YEARS", "EUR", "FTE", "RATING"}
)

# A traffic light of a benchmarking report.
Light = Literal["RED", "YELLOW", "GREEN"]
LIGHTS: tuple[Light, ...] = ("RED", "YELLOW", "GREEN")

EvidenceLevel = Literal["CONFIRMED", "AREA_CONFIRMED", "INFERRED"]

AREAS: tuple[str, ...] = (
    "STRUCTURE",
    "MANAGEMENT",
    "FINANCING",
    "SERVICES",
    "CONTACTS",
    "ACHIEVEMENTS",
)
