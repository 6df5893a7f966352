"""Reads of the directory itself: pages and counts of clusters, and the portfolio list.

A page of clusters is one `find` whatever its size (see `schema.store.pages`); a count is
one `count_documents`, asked for only when a client selects `totalCount` (without a filter,
the collection's `estimated_document_count`, read from its metadata).

Orders are those an index serves in index order (see `schema.store.indexes`): one key,
or PORTFOLIO then NAME or VALID_UNTIL, each way; `ORDERS` lists them and any other is a
`BadUserInput` naming them, never a query that sorts in memory.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal, cast

from schema.errors import BadUserInput
from schema.store.documents import CLUSTERS, PORTFOLIOS, ClusterDoc, Database, PortfolioDoc
from schema.store.pages import Page, PageArgs, SortKey, fetch_page

__all__ = [
    "ORDERS",
    "ORDER_KEYS",
    "OrderKey",
    "count_clusters",
    "fetch_clusters",
    "list_portfolios",
    "sort_keys",
]

OrderKey = Literal["NAME", "VALID_UNTIL", "PORTFOLIO"]
# Stored field of each order key, and whether it holds a date.
ORDER_KEYS: dict[OrderKey, tuple[str, bool]] = {
    "NAME": ("nameKey", False),
    "VALID_UNTIL": ("label.validUntil", True),
    "PORTFOLIO": ("portfolioName", False),
}
# The orders (keys, most significant first) that an index serves, in either direction.
ORDERS: tuple[tuple[OrderKey, ...], ...] = (
    ("NAME",),
    ("VALID_UNTIL",),
    ("PORTFOLIO",),
    ("PORTFOLIO", "NAME"),
    ("PORTFOLIO", "VALID_UNTIL"),
)
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


def sort_keys(order: Sequence[tuple[OrderKey, bool]]) -> list[SortKey]:
    """The stored sort keys of `(key, descending)` pairs, most significant first;
    `BadUserInput` for an order no index serves."""
    if tuple(key for key, _ in order) not in ORDERS:
        known = "; ".join(" then ".join(keys) for keys in ORDERS)
        asked = " then ".join(key for key, _ in order)
        raise BadUserInput(
            f"orderBy {asked} is not offered; the orders are: {known} (each ASC or DESC)"
        )
    keys = []
    for key, descending in order:
        path, is_date = ORDER_KEYS[key]
        keys.append(SortKey(path=path, descending=descending, is_date=is_date))
    return keys


async def fetch_clusters(
    db: Database,
    match: dict[str, Any],
    keys: Sequence[SortKey],
    args: PageArgs,
    *,
    need_opposite: bool,
) -> Page[ClusterDoc]:
    """One page of the clusters matching `match`, in the order of `keys`."""
    page = await fetch_page(
        db, CLUSTERS, match, keys, args, projection=_PROJECTION, need_opposite=need_opposite
    )
    return cast(Page[ClusterDoc], page)


async def count_clusters(db: Database, match: Mapping[str, Any]) -> int:
    if not match:
        return int(await db[CLUSTERS].estimated_document_count())
    return int(await db[CLUSTERS].count_documents(dict(match)))


async def list_portfolios(db: Database) -> list[PortfolioDoc]:
    """Every portfolio, by folded name."""
    cursor = db[PORTFOLIOS].find({}).sort([("nameKey", 1), ("_id", 1)])
    return cast(list[PortfolioDoc], await cursor.to_list(length=None))
