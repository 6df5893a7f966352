"""Per-request DataLoaders over the store's batch functions (`schema.store.batches`):
every cross-collection reference costs one batched query per request and per kind, however
many objects ask for it.

Built fresh for each request (`Loaders.for_request`): a loader caches what it loaded, and
a cache shared between requests would serve stale data and leak across clients.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import cached_property, partial
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


def _loader(fn: Callable[[list[str]], Awaitable[list[Any]]]) -> DataLoader[str, Any]:
    return DataLoader(load_fn=cast(Any, fn))


class Loaders:
    """The request's loaders, each built on first use: an operation uses a few of them, and
    building all of them for every request was a visible share of a small request's time."""

    def __init__(self, db: Database) -> None:
        self._db = db

    @classmethod
    def for_request(cls, db: Database) -> Loaders:
        return cls(db)

    @cached_property
    def cluster(self) -> DataLoader[str, ClusterDoc | None]:
        return _loader(clusters_by_id(self._db))

    @cached_property
    def portfolio(self) -> DataLoader[str, PortfolioDoc | None]:
        return _loader(portfolios_by_id(self._db))

    @cached_property
    def label(self) -> DataLoader[str, LabelDoc | None]:
        return _loader(labels_by_id(self._db))

    @cached_property
    def indicator(self) -> DataLoader[str, IndicatorDoc | None]:
        return _loader(indicators_by_id(self._db))

    @cached_property
    def interview(self) -> DataLoader[str, InterviewDoc | None]:
        return _loader(interviews_by_id(self._db))

    @cached_property
    def interviews_of_cluster(self) -> DataLoader[str, list[InterviewDoc]]:
        """Latest `conductedOn` first."""
        return _loader(interviews_of_clusters(self._db))

    @cached_property
    def catalogue(self) -> DataLoader[str, dict[str, Indicator]]:
        """A catalogue version's indicators by code."""
        return _loader(_catalogues(self._db))

    @cached_property
    def cluster_count(self) -> DataLoader[str, int]:
        """Clusters per portfolio slug."""
        return _loader(cluster_counts(self._db))

    @cached_property
    def peer_groups(self) -> DataLoader[PeerKey, Peers]:
        """Benchmark peer groups (`schema.store.peers`)."""
        return DataLoader(load_fn=partial(load_peer_groups, self._db))
