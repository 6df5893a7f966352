"""Indexes of every collection: unique ones on natural keys, and the ones the API filters use.

`ensure_indexes` is idempotent (MongoDB ignores an identical index that already exists),
so the seed loader calls it before every load.
"""

from __future__ import annotations

from typing import Any

from pymongo import ASCENDING, DESCENDING, IndexModel

from schema.store.audit import AUDIT
from schema.store.budgets import BUDGETS
from schema.store.documents import CLUSTERS, INDICATORS, INTERVIEWS, LABELS, PORTFOLIOS

__all__ = ["INDEXES", "ensure_indexes"]

INDEXES: dict[str, list[IndexModel]] = {
    PORTFOLIOS: [IndexModel([("name", ASCENDING)], unique=True, name="name_unique")],
    CLUSTERS: [
        IndexModel(
            [("nameKey", ASCENDING), ("country", ASCENDING)],
            unique=True,
            name="natural_key_unique",
        ),
        # Keyset pagination: every sort key is followed by _id as the tie-breaker.
        IndexModel([("nameKey", ASCENDING), ("_id", ASCENDING)], name="by_name"),
        IndexModel([("label.validUntil", ASCENDING), ("_id", ASCENDING)], name="by_valid_until"),
        IndexModel([("portfolioName", ASCENDING), ("_id", ASCENDING)], name="by_portfolio_name"),
        IndexModel(
            [("portfolio", ASCENDING), ("label.validUntil", ASCENDING)], name="by_portfolio"
        ),
        IndexModel([("label.level", ASCENDING)], name="by_label_level"),
        IndexModel([("country", ASCENDING)], name="by_country"),
        # The orders AWARDED_ON, LABEL_LEVEL and COUNTRY (RELEVANCE uses by_name).
        IndexModel([("label.awardedOn", ASCENDING), ("_id", ASCENDING)], name="by_awarded_on"),
        IndexModel(
            [("label.levelRank", ASCENDING), ("_id", ASCENDING)], name="by_label_level_rank"
        ),
        IndexModel([("country", ASCENDING), ("_id", ASCENDING)], name="by_country_order"),
        # Conditions on the label in force ($elemMatch on the embedded history): the end of
        # validity (status and validUntil filters) and the level.
        IndexModel(
            [("history.validUntil", ASCENDING), ("history.awardedOn", ASCENDING)],
            name="by_history_valid_until",
        ),
        IndexModel(
            [("history.level", ASCENDING), ("history.awardedOn", ASCENDING)],
            name="by_history_level",
        ),
    ],
    LABELS: [
        IndexModel(
            [("cluster", ASCENDING), ("level", ASCENDING), ("validUntil", ASCENDING)],
            unique=True,
            name="natural_key_unique",
        ),
        IndexModel([("validUntil", ASCENDING)], name="by_valid_until"),
    ],
    INDICATORS: [
        IndexModel(
            [("catalogueVersion", ASCENDING), ("code", ASCENDING)],
            unique=True,
            name="natural_key_unique",
        ),
        IndexModel([("catalogueVersion", ASCENDING), ("number", ASCENDING)], name="by_number"),
    ],
    INTERVIEWS: [
        IndexModel(
            [("cluster", ASCENDING), ("conductedOn", ASCENDING)],
            unique=True,
            name="natural_key_unique",
        ),
        IndexModel([("results.code", ASCENDING)], name="by_indicator_code"),
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
    """Create the indexes above on `db` (a Motor or mongomock-motor database)."""
    for collection, models in INDEXES.items():
        await db[collection].create_indexes(models)
