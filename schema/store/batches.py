"""DataLoader batch functions: each turns many keys into one query.

The GraphQL layer wraps them in per-request DataLoaders (`schema.types.loaders`), so that
every cross-collection reference costs one batched query per request and per kind,
however many objects ask for it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from pymongo import ASCENDING, DESCENDING

from schema.store.documents import CLUSTERS, INDICATORS, INTERVIEWS, LABELS, PORTFOLIOS, Database

__all__ = [
    "by_id",
    "catalogue_versions",
    "cluster_counts",
    "clusters_by_id",
    "grouped",
    "indicators_by_id",
    "interviews_by_id",
    "interviews_of_clusters",
    "labels_by_id",
    "labels_of_clusters",
    "portfolios_by_id",
]

Doc = dict[str, Any]


def by_id(db: Database, collection: str) -> Callable[[list[str]], Awaitable[list[Doc | None]]]:
    """Documents of `collection` by `_id`; None for a key with no document."""

    async def load(keys: list[str]) -> list[Doc | None]:
        docs = await db[collection].find({"_id": {"$in": keys}}).to_list(length=None)
        found = {d["_id"]: d for d in docs}
        return [found.get(k) for k in keys]

    return load


def grouped(
    db: Database, collection: str, field: str, order: Sequence[tuple[str, int]]
) -> Callable[[list[str]], Awaitable[list[list[Doc]]]]:
    """Documents of `collection` whose `field` equals each key, sorted by `order`."""

    async def load(keys: list[str]) -> list[list[Doc]]:
        cursor = db[collection].find({field: {"$in": keys}}).sort(list(order))
        groups: dict[str, list[Doc]] = defaultdict(list)
        for doc in await cursor.to_list(length=None):
            groups[doc[field]].append(doc)
        return [groups.get(k, []) for k in keys]

    return load


def cluster_counts(db: Database) -> Callable[[list[str]], Awaitable[list[int]]]:
    """Number of clusters in each portfolio (by slug), in one pipeline."""

    async def load(keys: list[str]) -> list[int]:
        pipeline: list[dict[str, Any]] = [
            {"$match": {"portfolio": {"$in": keys}}},
            {"$group": {"_id": "$portfolio", "n": {"$sum": 1}}},
        ]
        rows = await db[CLUSTERS].aggregate(pipeline).to_list(length=None)
        counts = {r["_id"]: int(r["n"]) for r in rows}
        return [counts.get(k, 0) for k in keys]

    return load


def clusters_by_id(db: Database) -> Callable[[list[str]], Awaitable[list[Doc | None]]]:
    return by_id(db, CLUSTERS)


def portfolios_by_id(db: Database) -> Callable[[list[str]], Awaitable[list[Doc | None]]]:
    return by_id(db, PORTFOLIOS)


def labels_by_id(db: Database) -> Callable[[list[str]], Awaitable[list[Doc | None]]]:
    return by_id(db, LABELS)


def indicators_by_id(db: Database) -> Callable[[list[str]], Awaitable[list[Doc | None]]]:
    return by_id(db, INDICATORS)


def interviews_by_id(db: Database) -> Callable[[list[str]], Awaitable[list[Doc | None]]]:
    return by_id(db, INTERVIEWS)


def labels_of_clusters(db: Database) -> Callable[[list[str]], Awaitable[list[list[Doc]]]]:
    """Each cluster's label history, latest `validUntil` first."""
    return grouped(db, LABELS, "cluster", [("validUntil", DESCENDING), ("_id", ASCENDING)])


def interviews_of_clusters(db: Database) -> Callable[[list[str]], Awaitable[list[list[Doc]]]]:
    """Each cluster's interviews, latest `conductedOn` first."""
    return grouped(db, INTERVIEWS, "cluster", [("conductedOn", DESCENDING), ("_id", ASCENDING)])


def catalogue_versions(db: Database) -> Callable[[list[str]], Awaitable[list[list[Doc]]]]:
    """Each catalogue version's indicators, in catalogue order."""
    return grouped(db, INDICATORS, "catalogueVersion", [("number", ASCENDING)])
