"""Per-request DataLoaders over the store's batch functions (`schema.store.batches`):
every cross-collection reference costs one batched query per request and per kind, however
many objects ask for it.

Built fresh for each request (`Loaders.for_request`): a loader caches what it loaded, and
a cache shared between requests would serve stale data and leak across clients.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import partial
from typing import Any, cast

from strawberry.dataloader import DataLoader

from schema.rules.ratings import Peers
from schema.store.batches import (
    catalogue_versions,
    cluster_counts,
    clusters_by_id,
    indicators_by_id,
    interviews_by_id,
    interviews_of_clusters,
    labels_by_id,
    portfolios_by_id,
)
from schema.store.documents import (
    ClusterDoc,
    Database,
    IndicatorDoc,
    InterviewDoc,
    LabelDoc,
    PortfolioDoc,
)
from schema.store.peers import PeerKey, load_peer_groups
from schema.types.indicators import Indicator, indicators_by_code

__all__ = ["Loaders"]


def _catalogues(db: Database) -> Callable[[list[str]], Awaitable[list[dict[str, Indicator]]]]:
    """Each catalogue version's `Indicator` objects, built once per request and version."""
    load_docs = catalogue_versions(db)

    async def load(versions: list[str]) -> list[dict[str, Indicator]]:
        docs = await load_docs(versions)
        return [indicators_by_code(cast(list[IndicatorDoc], group)) for group in docs]

    return load


@dataclass(frozen=True)
class Loaders:
    cluster: DataLoader[str, ClusterDoc | None]
    portfolio: DataLoader[str, PortfolioDoc | None]
    label: DataLoader[str, LabelDoc | None]
    indicator: DataLoader[str, IndicatorDoc | None]
    interview: DataLoader[str, InterviewDoc | None]
    interviews_of_cluster: DataLoader[str, list[InterviewDoc]]  # latest conductedOn first
    catalogue: DataLoader[str, dict[str, Indicator]]  # a version's indicators by code
    cluster_count: DataLoader[str, int]  # clusters per portfolio slug
    peer_groups: DataLoader[PeerKey, Peers]  # benchmark peer groups (schema.store.peers)

    @classmethod
    def for_request(cls, db: Database) -> Loaders:
        def loader(fn: Callable[[list[str]], Awaitable[list[Any]]]) -> DataLoader[str, Any]:
            return DataLoader(load_fn=cast(Any, fn))

        return cls(
            cluster=loader(clusters_by_id(db)),
            portfolio=loader(portfolios_by_id(db)),
            label=loader(labels_by_id(db)),
            indicator=loader(indicators_by_id(db)),
            interview=loader(interviews_by_id(db)),
            interviews_of_cluster=loader(interviews_of_clusters(db)),
            catalogue=loader(_catalogues(db)),
            cluster_count=loader(cluster_counts(db)),
            peer_groups=DataLoader(load_fn=partial(load_peer_groups, db)),
        )
