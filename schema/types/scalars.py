"""The `Date` scalar: an ISO 8601 calendar date, `YYYY-MM-DD`, mapped to `datetime.date`."""

from __future__ import annotations

import dataclasses
from datetime import date

from strawberry.schema.types.base_scalars import DateDefinition
from strawberry.types.scalar import ScalarDefinition

__all__ = ["SCALAR_MAP"]

_Date = dataclasses.replace(
    DateDefinition,
    description="ISO 8601 calendar date, YYYY-MM-DD (no time, no time zone).",
    specified_by_url="https://www.iso.org/iso-8601-date-and-time-format.html",
)

SCALAR_MAP: dict[object, ScalarDefinition] = {date: _Date}
