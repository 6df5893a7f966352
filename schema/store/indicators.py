"""Reads of the indicator catalogue."""

from __future__ import annotations

from typing import cast

from schema.store.documents import INDICATORS, Database, IndicatorDoc

__all__ = ["find_indicator", "list_indicators"]


async def list_indicators(db: Database, area: str | None = None) -> list[IndicatorDoc]:
    """Every indicator (of `area` when given), by catalogue version and number."""
    query = {} if area is None else {"area": area}
    cursor = db[INDICATORS].find(query).sort([("catalogueVersion", 1), ("number", 1)])
    return cast(list[IndicatorDoc], await cursor.to_list(length=None))


async def find_indicator(db: Database, code: str) -> IndicatorDoc | None:
    """The catalogue entry for `code` in the newest catalogue version that has it."""
    docs = cast(list[IndicatorDoc], await db[INDICATORS].find({"code": code}).to_list(None))
    return max(docs, key=lambda d: d["catalogueVersion"], default=None)
