"""Reads of the directory itself: pages and counts of clusters, and the portfolio list.

A page of clusters is one `find` whatever its size (see `schema.store.pages`), two at most
in RELEVANCE order; a count is one `count_documents`, asked for only when a client selects
`totalCount` (without a filter, the collection's `estimated_document_count`, read from its
metadata).

Orders on a label (VALID_UNTIL, AWARDED_ON, LABEL_LEVEL) sort by the current label, the
one stored in `label`, whatever `asOf`: the label in force on an earlier date depends on
that date, so no index could serve a sort on it.

RELEVANCE puts the names that start with the search text first, then the others, each part
by name: two segments of one keyset order (see `schema.store.pages`), served by the name
index.

`ORDERS` lists the orders `orderBy` accepts: those an index serves in index order (see
`schema.store.indexes`), every key alone and PORTFOLIO then NAME or VALID_UNTIL, each key
ASC or DESC. `sort_plan` refuses any other (a pair outside the list, more keys, a key
twice) with a `BadUserInput` before anything is read, so MongoDB never sorts clusters in
memory. Serving every pair of keys each way would take some 80 more indexes, each slowing
every write.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, cast

from schema.errors import BadUserInput
from schema.store.documents import CLUSTERS, PORTFOLIOS, ClusterDoc, Database, PortfolioDoc
from schema.store.filters import search_prefix
from schema.store.pages import Page, PageArgs, SortKey, fetch_page

__all__ = [
    "ACCEPTED_ORDERS",
    "ORDERS",
    "ORDER_KEYS",
    "OrderKey",
    "SortPlan",
    "check_order",
    "count_clusters",
    "fetch_clusters",
    "list_portfolios",
    "sort_plan",
]

OrderKey = Literal[
    "NAME", "VALID_UNTIL", "PORTFOLIO", "AWARDED_ON", "COUNTRY", "LABEL_LEVEL", "RELEVANCE"
]
# Stored field of each order key, and the kind of its values in cursors.
ORDER_KEYS: dict[OrderKey, tuple[str, Literal["str", "date", "int"]]] = {
    "NAME": ("nameKey", "str"),
    "VALID_UNTIL": ("label.validUntil", "date"),
    "PORTFOLIO": ("portfolioName", "str"),
    "AWARDED_ON": ("label.awardedOn", "date"),
    "COUNTRY": ("country", "str"),
    "LABEL_LEVEL": ("label.levelRank", "int"),
    # Within each segment (see `sort_plan`), by name.
    "RELEVANCE": ("nameKey", "str"),
}
# The orders (keys, most significant first) that an index serves, and so the only ones
# `orderBy` accepts: every key alone (RELEVANCE by the name index), and the two pairs a
# directory lists by. Each key takes either direction: a pair has an index for each
# direction of its second key relative to its first (read backwards for the other two),
# and `_id` breaks ties in the direction of the last key (see `schema.store.pages`).
ORDERS: tuple[tuple[OrderKey, ...], ...] = (
    ("NAME",),
    ("VALID_UNTIL",),
    ("PORTFOLIO",),
    ("AWARDED_ON",),
    ("COUNTRY",),
    ("LABEL_LEVEL",),
    ("RELEVANCE",),
    ("PORTFOLIO", "NAME"),
    ("PORTFOLIO", "VALID_UNTIL"),
)


def _accepted(orders: Sequence[tuple[OrderKey, ...]]) -> str:
    """`orders` in words: "one key" when every key alone is one of them."""
    singles = [order for order in orders if len(order) == 1]
    words = (
        ["one key"]
        if {key for (key,) in singles} == set(ORDER_KEYS)
        else [key for (key,) in singles]
    )
    words += [" then ".join(order) for order in orders if len(order) > 1]
    return ", or ".join(words)


# "one key, or PORTFOLIO then NAME, or PORTFOLIO then VALID_UNTIL": in the error and in the
# schema's description of `orderBy`.
ACCEPTED_ORDERS = _accepted(ORDERS)

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
        "history",
        "version",
    )
}


@dataclass(frozen=True)
class SortPlan:
    """Sort keys, and the segments that come before them (one segment: no split)."""

    keys: list[SortKey]
    segments: list[dict[str, Any]] = field(default_factory=lambda: [{}])


def check_order(keys: Sequence[OrderKey]) -> None:
    """Refuses an order no index serves (not one of `ORDERS`), naming it."""
    if tuple(keys) not in ORDERS:
        raise BadUserInput(f"orderBy [{', '.join(keys)}] is not supported: use {ACCEPTED_ORDERS}")


def sort_plan(order: Sequence[tuple[OrderKey, bool]], search: str | None = None) -> SortPlan:
    """The stored sort of `(key, descending)` pairs, most significant first; `BadUserInput`
    unless the keys are one of `ORDERS`.

    RELEVANCE (alone) splits the clusters into those whose name starts with `search` and
    the others (reversed when descending), each sorted by name; without search text it is
    NAME.
    """
    check_order([key for key, _ in order])
    keys = []
    segments: list[dict[str, Any]] = [{}]
    for key, descending in order:
        path, kind = ORDER_KEYS[key]
        if key == "RELEVANCE":
            prefix = search_prefix(search)
            if prefix is not None:
                segments = [prefix, {"$nor": [prefix]}]
                if descending:
                    segments.reverse()
        keys.append(
            SortKey(path=path, descending=descending, is_date=kind == "date", is_int=kind == "int")
        )
    return SortPlan(keys=keys, segments=segments)


async def fetch_clusters(
    db: Database,
    match: dict[str, Any],
    plan: SortPlan,
    args: PageArgs,
    *,
    need_opposite: bool,
) -> Page[ClusterDoc]:
    """One page of the clusters matching `match`, in the order of `plan`."""
    page = await fetch_page(
        db,
        CLUSTERS,
        match,
        plan.keys,
        args,
        projection=_PROJECTION,
        need_opposite=need_opposite,
        segments=plan.segments,
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
