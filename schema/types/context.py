"""The typed per-request context every resolver receives as `info.context`."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

import strawberry

from schema.rules.limits import DEFAULT_MIN_GROUP_SIZE
from schema.store.clusters import list_portfolios
from schema.store.documents import Database, PortfolioDoc
from schema.types.loaders import Loaders

__all__ = ["Context", "Info", "today_utc"]


def today_utc() -> date:
    return datetime.now(UTC).date()


@dataclass
class Context:
    """What a request's resolvers share.

    `today` is fixed once per request, so that every status in one response is computed
    against the same default date even across midnight.
    """

    db: Database
    loaders: Loaders
    # The handle aggregates read through: `db` with the configured read preference, so
    # that on a replica set they can be served by secondaries.
    aggregate_db: Database
    min_group_size: int = DEFAULT_MIN_GROUP_SIZE
    # Serve the individual results of real interviews (see `Interview.results`).
    publish_results: bool = False
    today: date = field(default_factory=today_utc)
    _portfolios: asyncio.Task[list[PortfolioDoc]] | None = field(default=None, repr=False)

    @classmethod
    def create(
        cls,
        db: Database,
        *,
        aggregate_db: Database | None = None,
        min_group_size: int = DEFAULT_MIN_GROUP_SIZE,
        publish_results: bool = False,
        today: date | None = None,
    ) -> Context:
        return cls(
            db=db,
            loaders=Loaders.for_request(db),
            aggregate_db=db if aggregate_db is None else aggregate_db,
            min_group_size=min_group_size,
            publish_results=publish_results,
            today=today if today is not None else today_utc(),
        )

    async def portfolios(self) -> list[PortfolioDoc]:
        """Every portfolio, read once per request (filters are checked against them): the
        first caller starts the read, resolvers running meanwhile wait for the same one (the
        store's calls yield to the event loop, the embedded store's too)."""
        if self._portfolios is None:
            self._portfolios = asyncio.ensure_future(list_portfolios(self.db))
        return await asyncio.shield(self._portfolios)

    def may_read_results(self, is_sample: bool) -> bool:
        """Whether an interview's individual results may be served: always for a sample,
        for a real interview only when the server publishes results."""
        return is_sample or self.publish_results


Info = strawberry.Info[Context, None]
