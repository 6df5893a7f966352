"""Indexes of every collection: unique ones on natural keys, and the ones the API's queries
use; no other (an index every write maintains and no read uses is pure cost).

Every directory page is served by one of them in index order (equality, then sort, then
range: MongoDB's ESR rule): `orderBy` accepts only the orders of
`schema.store.clusters.ORDERS`, and `tests/test_store_indexes.py` enumerates every query
shape the store can emit in each of them and holds it against this list, and, on a real
server, checks that `explain` shows an index scan and no blocking sort.

`ensure_indexes` is idempotent (MongoDB ignores an identical index that already exists),
so the seed loader calls it on every load.
"""

from __future__ import annotations

from typing import Any

from pymongo import ASCENDING, DESCENDING, IndexModel

from schema.store.audit import AUDIT
from schema.store.budgets import BUDGETS
from schema.store.documents import CLUSTERS, INDICATORS, INTERVIEWS, LABELS, PORTFOLIOS

__all__ = ["INDEXES", "ensure_indexes"]


def _keys(*fields: str) -> list[tuple[str, int]]:
    """Index keys from field names, `-name` for descending."""
    return [(f[1:], DESCENDING) if f.startswith("-") else (f, ASCENDING) for f in fields]


INDEXES: dict[str, list[IndexModel]] = {
    PORTFOLIOS: [IndexModel(_keys("name"), unique=True, name="name_unique")],
    CLUSTERS: [
        IndexModel(_keys("nameKey", "country"), unique=True, name="natural_key_unique"),
        # Keyset pagination, equality then sort then range: an order's keys then `_id` in
        # the last key's direction (read backwards for the opposite direction), behind the
        # equality filters the API offers. See `schema.store.clusters.ORDERS`.
        IndexModel(_keys("nameKey", "_id"), name="by_name"),
        IndexModel(_keys("label.validUntil", "_id"), name="by_valid_until"),
        IndexModel(_keys("portfolioName", "_id"), name="by_portfolio_name"),
        IndexModel(_keys("portfolioName", "nameKey", "_id"), name="by_portfolio_name_then_name"),
        IndexModel(
            _keys("portfolioName", "-nameKey", "-_id"), name="by_portfolio_name_then_name_desc"
        ),
        IndexModel(
            _keys("portfolioName", "label.validUntil", "_id"),
            name="by_portfolio_name_then_valid_until",
        ),
        IndexModel(
            _keys("portfolioName", "-label.validUntil", "-_id"),
            name="by_portfolio_name_then_valid_until_desc",
        ),
        IndexModel(_keys("portfolio", "nameKey", "_id"), name="in_portfolio_by_name"),
        IndexModel(
            _keys("portfolio", "label.validUntil", "_id"), name="in_portfolio_by_valid_until"
        ),
        IndexModel(_keys("country", "nameKey", "_id"), name="in_country_by_name"),
        # The orders AWARDED_ON, COUNTRY and LABEL_LEVEL (RELEVANCE reads by_name, each
        # segment of it); COUNTRY's also serves a country filter.
        IndexModel(_keys("label.awardedOn", "_id"), name="by_awarded_on"),
        IndexModel(_keys("country", "_id"), name="by_country_order"),
        IndexModel(_keys("label.levelRank", "_id"), name="by_label_level_rank"),
        # Conditions on the label in force (`$elemMatch` on the embedded history): the end
        # of validity (status and validUntil filters) and the level. Ranges, not a sort:
        # the planner may use one of them instead of a sort index for a selective filter.
        IndexModel(_keys("history.validUntil", "history.awardedOn"), name="by_history_valid_until"),
        IndexModel(_keys("history.level", "history.awardedOn"), name="by_history_level"),
    ],
    LABELS: [
        IndexModel(_keys("cluster", "level", "validUntil"), unique=True, name="natural_key_unique"),
    ],
    INDICATORS: [
        IndexModel(_keys("catalogueVersion", "code"), unique=True, name="natural_key_unique"),
        IndexModel(_keys("catalogueVersion", "number"), name="by_number"),
    ],
    INTERVIEWS: [
        # Also serves each cluster's latest interview: `$sort` on cluster then conductedOn.
        IndexModel(_keys("cluster", "conductedOn"), unique=True, name="natural_key_unique"),
    ],
    # auditLog: newest first, optionally for one object.
    AUDIT: [
        IndexModel([("state", ASCENDING), ("at", DESCENDING), ("_id", DESCENDING)], name="by_time"),
        IndexModel(
            [
                ("objectType", ASCENDING),
                ("objectKey", ASCENDING),
                ("state", ASCENDING),
                ("at", DESCENDING),
                ("_id", DESCENDING),
            ],
            name="by_object",
        ),
    ],
    # A budget window is dropped an hour after it ends.
    BUDGETS: [IndexModel([("expiresAt", ASCENDING)], expireAfterSeconds=0, name="expiry")],
}


async def ensure_indexes(db: Any) -> None:
    """Create the indexes above on `db` (a Motor or mongomock-motor database), and drop
    the ones of earlier versions that no query uses any more."""
    for collection, models in INDEXES.items():
        wanted = {model.document["name"] for model in models} | {"_id_"}
        async for index in db[collection].list_indexes():
            if index["name"] not in wanted:
                await db[collection].drop_index(index["name"])
        await db[collection].create_indexes(models)
