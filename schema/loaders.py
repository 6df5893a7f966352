"""Per-request DataLoaders: every cross-collection reference costs one batched query per
request and per kind, however many objects ask for it.

Built fresh for each request (`Loaders.for_request`): a loader caches what it loaded, and
a cache shared between requests would serve stale data and leak across clients.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any, cast

from pymongo import ASCENDING, DESCENDING
from strawberry.dataloader import DataLoader

from schema.catalogue import Indicator, indicators_by_code
from schema.documents import (
    CLUSTERS,
    INDICATORS,
    INTERVIEWS,
    LABELS,
    PORTFOLIOS,
    ClusterDoc,
    Database,
    IndicatorDoc,
    InterviewDoc,
    LabelDoc,
    PortfolioDoc,
)
from schema.peers import PeerGroup, PeerKey, load_peer_groups

__all__ = ["Loaders"]

Doc = dict[str, Any]


def _by_id(db: Database, collection: str) -> Callable[[list[str]], Awaitable[list[Doc | None]]]:
    async def load(keys: list[str]) -> list[Doc | None]:
        docs = await db[collection].find({"_id": {"$in": keys}}).to_list(length=None)
        found = {d["_id"]: d for d in docs}
        return [found.get(k) for k in keys]

    return load


def _grouped(
    db: Database, collection: str, field: str, order: Sequence[tuple[str, int]]
) -> Callable[[list[str]], Awaitable[list[list[Doc]]]]:
    async def load(keys: list[str]) -> list[list[Doc]]:
        cursor = db[collection].find({field: {"$in": keys}}).sort(list(order))
        groups: dict[str, list[Doc]] = defaultdict(list)
        for doc in await cursor.to_list(length=None):
            groups[doc[field]].append(doc)
        return [groups.get(k, []) for k in keys]

    return load


def _cluster_counts(db: Database) -> Callable[[list[str]], Awaitable[list[int]]]:
    async def load(keys: list[str]) -> list[int]:
        pipeline: list[dict[str, Any]] = [
            {"$match": {"portfolio": {"$in": keys}}},
            {"$group": {"_id": "$portfolio", "n": {"$sum": 1}}},
        ]
        rows = await db[CLUSTERS].aggregate(pipeline).to_list(length=None)
        counts = {r["_id"]: int(r["n"]) for r in rows}
        return [counts.get(k, 0) for k in keys]

    return load


def _catalogues(db: Database) -> Callable[[list[str]], Awaitable[list[dict[str, Indicator]]]]:
    """Each catalogue version's `Indicator` objects, built once per request and version."""
    grouped = _grouped(db, INDICATORS, "catalogueVersion", [("number", ASCENDING)])

    async def load(versions: list[str]) -> list[dict[str, Indicator]]:
        docs = await grouped(versions)
        return [indicators_by_code(cast(list[IndicatorDoc], group)) for group in docs]

    return load


@dataclass(frozen=True)
class Loaders:
    cluster: DataLoader[str, ClusterDoc | None]
    portfolio: DataLoader[str, PortfolioDoc | None]
    label: DataLoader[str, LabelDoc | None]
    indicator: DataLoader[str, IndicatorDoc | None]
    interview: DataLoader[str, InterviewDoc | None]
    labels_of_cluster: DataLoader[str, list[LabelDoc]]  # latest validUntil first
    interviews_of_cluster: DataLoader[str, list[InterviewDoc]]  # latest conductedOn first
    catalogue: DataLoader[str, dict[str, Indicator]]  # a version's indicators by code
    cluster_count: DataLoader[str, int]  # clusters per portfolio slug
    peer_groups: DataLoader[PeerKey, PeerGroup]  # benchmark peer groups (schema.peers)

    @classmethod
    def for_request(cls, db: Database) -> Loaders:
        def loader(fn: Callable[[list[str]], Awaitable[list[Any]]]) -> DataLoader[str, Any]:
            return DataLoader(load_fn=cast(Any, fn))

        return cls(
            cluster=loader(_by_id(db, CLUSTERS)),
            portfolio=loader(_by_id(db, PORTFOLIOS)),
            label=loader(_by_id(db, LABELS)),
            indicator=loader(_by_id(db, INDICATORS)),
            interview=loader(_by_id(db, INTERVIEWS)),
            labels_of_cluster=loader(
                _grouped(db, LABELS, "cluster", [("validUntil", DESCENDING), ("_id", ASCENDING)])
            ),
            interviews_of_cluster=loader(
                _grouped(
                    db, INTERVIEWS, "cluster", [("conductedOn", DESCENDING), ("_id", ASCENDING)]
                )
            ),
            catalogue=loader(_catalogues(db)),
            cluster_count=loader(_cluster_counts(db)),
            peer_groups=DataLoader(load_fn=partial(load_peer_groups, db)),
        )
