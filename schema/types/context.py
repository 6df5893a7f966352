"""The typed per-request context every resolver receives as `info.context`."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

import strawberry
from graphql import DocumentNode, GraphQLError

from schema.errors import Forbidden
from schema.rules.access import Principal, Scope
from schema.rules.limits import DEFAULT_MIN_GROUP_SIZE
from schema.store.budgets import Budget
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
    # The handle aggregates read through (`aggregate_db`): `db` with the configured read
    # preference, so that on a replica set they can be served by secondaries.
    _aggregate_db: Database
    min_group_size: int = DEFAULT_MIN_GROUP_SIZE
    # Serve the individual results of real interviews (see `Interview.results`).
    publish_results: bool = False
    today: date = field(default_factory=today_utc)
    # The caller behind the request's API key; None for an anonymous caller.
    principal: Principal | None = None
    # The caller's budget after this operation was charged (`api.budgets`); None when the
    # request is not metered.
    rate_limit: Budget | None = None
    # The answer holds figures of this caller alone (its budget, read by `rateLimit`): the
    # HTTP layer never lets a shared cache keep it.
    per_client: bool = False
    # The request's document as the HTTP layer parsed it (its text, and the document or
    # the syntax error), so that the schema's document check does not parse it again.
    parsed_document: tuple[str, DocumentNode | GraphQLError] | None = None
    # The operation's cost as the HTTP layer computed it for admission and the budget, so
    # that the cost guard does not walk the document again; None: not computed, or the
    # operation is refused (the guard then says why).
    requested_nodes: int | None = None
    # The aggregate handle may read a secondary, which can lag behind the last write
    # (`ECEI_READ_PREFERENCE` other than `primary`)...
    aggregates_may_lag: bool = False
    # ...and this operation read through it: its answer is not kept by the response cache,
    # which would serve it until the next write (`api.view`).
    read_may_lag: bool = False
    _portfolios: asyncio.Task[list[PortfolioDoc]] | None = field(default=None, repr=False)

    @classmethod
    def create(
        cls,
        db: Database,
        *,
        aggregate_db: Database | None = None,
        min_group_size: int = DEFAULT_MIN_GROUP_SIZE,
        publish_results: bool = False,
        principal: Principal | None = None,
        today: date | None = None,
        aggregates_may_lag: bool = False,
    ) -> Context:
        return cls(
            db=db,
            loaders=Loaders.for_request(db),
            _aggregate_db=db if aggregate_db is None else aggregate_db,
            aggregates_may_lag=aggregates_may_lag,
            min_group_size=min_group_size,
            publish_results=publish_results,
            principal=principal,
            today=today if today is not None else today_utc(),
        )

    @property
    def aggregate_db(self) -> Database:
        """The handle aggregates read through; noted when it may lag (`read_may_lag`)."""
        if self.aggregates_may_lag:
            self.read_may_lag = True
        return self._aggregate_db

    def may(self, scope: Scope) -> bool:
        return self.principal is not None and self.principal.may(scope)

    def require(self, scope: Scope) -> Principal:
        """The caller, when its key has `scope`; else a FORBIDDEN error naming the scope."""
        if self.principal is None:
            raise Forbidden(f"this needs an API key with the scope {scope!r}")
        if not self.principal.may(scope):
            raise Forbidden(f"this needs the scope {scope!r}, which this API key lacks")
        return self.principal

    async def portfolios(self) -> list[PortfolioDoc]:
        """Every portfolio, read once per request (filters are checked against them): the
        first caller starts the read, resolvers running meanwhile wait for the same one (the
        store's calls yield to the event loop, the embedded store's too)."""
        if self._portfolios is None:
            self._portfolios = asyncio.ensure_future(list_portfolios(self.db))
        return await asyncio.shield(self._portfolios)

    def may_read_results(self, is_sample: bool) -> bool:
        """Whether an interview's individual results may be served: always for a sample;
        for a real interview when the server publishes results (`ECEI_PUBLISH_RESULTS`,
        a server-wide override) or the caller's key has the scope `results:read`."""
        return is_sample or self.publish_results or self.may("results:read")


Info = strawberry.Info[Context, None]
