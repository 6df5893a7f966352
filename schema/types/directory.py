"""GraphQL node types of the directory: `Cluster`, `Portfolio`, `Label`, `Interview`.

Each maps a stored document in `from_document`. What is embedded in a document (a
cluster's current label, an interview's results) resolves as a plain attribute; what lives
in another collection goes through the request's DataLoaders, one query per kind.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, cast

import strawberry

from schema.errors import BadUserInput
from schema.guards.selection import child, current, names
from schema.rules.labels import as_date, days_remaining, label_status
from schema.rules.limits import MAX_CODES
from schema.store.clusters import OrderKey, fetch_clusters, sort_keys
from schema.store.documents import (
    ClusterDoc,
    CurrentLabel,
    IndicatorResultDoc,
    InterviewDoc,
    LabelDoc,
    PortfolioDoc,
)
from schema.store.filters import cluster_match
from schema.store.pages import PageArgs
from schema.types.benchmark import BENCHMARK_DESCRIPTION, ClusterBenchmark, resolve_benchmark
from schema.types.connection import (
    CLUSTERS_DESCRIPTION,
    AfterArg,
    AsOfArg,
    BeforeArg,
    ClusterConnection,
    ClusterEdge,
    FirstArg,
    LastArg,
    OrderByArg,
    PageInfo,
    SearchArg,
    WhereArg,
)
from schema.types.context import Info
from schema.types.enums import (
    ClusterOrderField,
    LabelLevel,
    LabelStatus,
    OrderDirection,
    Rating,
    WithheldReason,
)
from schema.types.ids import to_global_id
from schema.types.indicators import RECONSTRUCTION, Indicator
from schema.types.inputs import ClusterOrder
from schema.types.nodes import Node
from schema.types.resolvers import resolver

__all__ = ["Cluster", "IndicatorResult", "Interview", "Label", "Portfolio", "resolve_clusters"]

_VERSION = (
    "Raised by one on every write. Pass it as `expectedVersion` to an update: the update "
    "is refused with VERSION_CONFLICT when the object moved since."
)
_AS_OF = (
    "Date to evaluate on; default: the `asOf` of the enclosing `clusters` query, else today (UTC)."
)


async def resolve_clusters(
    root: Any,
    info: Info,
    first: FirstArg = None,
    after: AfterArg = None,
    last: LastArg = None,
    before: BeforeArg = None,
    search: SearchArg = None,
    where: WhereArg = None,
    order_by: OrderByArg = None,
    as_of: AsOfArg = None,
) -> ClusterConnection:
    """`Query.clusters` and `Portfolio.clusters` (where `root` is the portfolio)."""
    args = PageArgs.from_arguments(first, after, last, before)
    keys = sort_keys(_order(order_by))
    match = cluster_match(
        where.to_filter() if where is not None else None,
        as_of or info.context.today,
        search,
        portfolio=root.slug if isinstance(root, Portfolio) else None,
    )
    page_info = names(child(current(info), "pageInfo"))
    need_opposite = bool(
        page_info & ({"hasPreviousPage"} if args.last is None else {"hasNextPage"})
    )
    page = await fetch_clusters(info.context.db, match, keys, args, need_opposite=need_opposite)
    edges = [
        ClusterEdge(cursor=cursor, node=Cluster.from_document(doc, as_of))
        for doc, cursor in zip(page.docs, page.cursors, strict=True)
    ]
    return ClusterConnection(
        edges=edges,
        page_info=PageInfo(
            has_next_page=page.has_next,
            has_previous_page=page.has_previous,
            start_cursor=page.cursors[0] if page.cursors else None,
            end_cursor=page.cursors[-1] if page.cursors else None,
        ),
        match=match,
    )


def _order(order_by: list[ClusterOrder] | None) -> list[tuple[OrderKey, bool]]:
    orders = order_by or [ClusterOrder(field=ClusterOrderField.NAME)]
    seen: set[ClusterOrderField] = set()
    keys: list[tuple[OrderKey, bool]] = []
    for order in orders:
        if order.field in seen:
            raise BadUserInput(f"orderBy lists {order.field.value} more than once")
        seen.add(order.field)
        keys.append((cast(OrderKey, order.field.name), order.direction is OrderDirection.DESC))
    return keys


@strawberry.type(description="A cluster excellence label held by a cluster, current or past.")
class Label(Node):
    level: LabelLevel = strawberry.field(description="Label level.")
    valid_until: date = strawberry.field(description="Last day of validity, as published.")
    awarded_on: date = strawberry.field(
        description="Day of the award (the benchmarking interview); see `awardedOnInferred`."
    )
    awarded_on_inferred: bool = strawberry.field(
        description=(
            "True when `awardedOn` is derived from `validUntil` (minus the level's validity, "
            "2 years for a first Bronze label), not published."
        )
    )
    version: int = strawberry.field(description=_VERSION)
    cluster_slug: strawberry.Private[str]
    as_of: strawberry.Private[date | None] = None

    @classmethod
    def from_document(cls, doc: LabelDoc | CurrentLabel, cluster: str, as_of: date | None) -> Label:
        key = f"{cluster}/{doc['level']}/{as_date(doc['validUntil']):%Y-%m-%d}"
        return cls(
            id=strawberry.ID(to_global_id("Label", key)),
            level=LabelLevel(doc["level"]),
            valid_until=as_date(doc["validUntil"]),
            awarded_on=as_date(doc["awardedOn"]),
            awarded_on_inferred=doc["awardedOnInferred"],
            version=doc.get("version", 0),
            cluster_slug=cluster,
            as_of=as_of,
        )

    def _on(self, info: Info, as_of: date | None) -> date:
        return as_of or self.as_of or info.context.today

    @resolver(description="Status of the label on `asOf`.")
    def status(
        self,
        info: Info,
        as_of: Annotated[date | None, strawberry.argument(description=_AS_OF)] = None,
    ) -> LabelStatus:
        return LabelStatus(label_status(self.valid_until, self._on(info, as_of)))

    @resolver(description="Days from `asOf` to `validUntil`; negative once expired.")
    def days_remaining(
        self,
        info: Info,
        as_of: Annotated[date | None, strawberry.argument(description=_AS_OF)] = None,
    ) -> int:
        return days_remaining(self.valid_until, self._on(info, as_of))

    @resolver(description="The cluster holding the label.")
    async def cluster(self, info: Info) -> Cluster:
        doc = await info.context.loaders.cluster.load(self.cluster_slug)
        if doc is None:  # a label without its cluster breaks a storage invariant
            raise LookupError(f"label {self.id} refers to missing cluster {self.cluster_slug!r}")
        return Cluster.from_document(doc, self.as_of)


@strawberry.type(description="A comparative portfolio (sector) clusters are benchmarked in.")
class Portfolio(Node):
    slug: str = strawberry.field(description="Stable URL-safe key, e.g. `ict`; use in filters.")
    name: str = strawberry.field(description="Name exactly as ESCA publishes it.")

    @classmethod
    def from_document(cls, doc: PortfolioDoc) -> Portfolio:
        return cls(
            id=strawberry.ID(to_global_id("Portfolio", doc["_id"])),
            slug=doc["_id"],
            name=doc["name"],
        )

    @resolver(description="Number of clusters in this portfolio.")
    async def cluster_count(self, info: Info) -> int:
        return await info.context.loaders.cluster_count.load(self.slug)

    clusters: ClusterConnection = strawberry.field(
        resolver=resolve_clusters,
        description=f"Clusters of this portfolio. {CLUSTERS_DESCRIPTION}",
    )


@strawberry.type(
    description=(
        "A cluster management organisation listed by ESCA with a cluster excellence label."
    )
)
class Cluster(Node):
    slug: str = strawberry.field(description="Stable URL-safe key derived from the name.")
    name: str = strawberry.field(
        description="Name exactly as published (typos, no-break spaces and apostrophes kept)."
    )
    country: str = strawberry.field(description="ISO 3166-1 alpha-2 country code.")
    website: str | None = strawberry.field(
        description="Website as published, even when truncated there (see `warnings`)."
    )
    warnings: list[str] = strawberry.field(
        description="Suspicious source values kept verbatim, e.g. a truncated website."
    )
    label: Label = strawberry.field(
        description="The current label: the one with the latest `validUntil`."
    )
    version: int = strawberry.field(description=_VERSION)
    portfolio_slug: strawberry.Private[str]
    as_of: strawberry.Private[date | None] = None

    @classmethod
    def from_document(cls, doc: ClusterDoc, as_of: date | None) -> Cluster:
        return cls(
            id=strawberry.ID(to_global_id("Cluster", doc["_id"])),
            slug=doc["_id"],
            name=doc["name"],
            country=doc["country"],
            website=doc["website"],
            warnings=list(doc["warnings"]),
            label=Label.from_document(doc["label"], doc["_id"], as_of),
            version=doc.get("version", 0),
            portfolio_slug=doc["portfolio"],
            as_of=as_of,
        )

    @resolver(description="The comparative portfolio the cluster is benchmarked in.")
    async def portfolio(self, info: Info) -> Portfolio:
        doc = await info.context.loaders.portfolio.load(self.portfolio_slug)
        if doc is None:
            raise LookupError(f"cluster {self.slug!r} refers to missing portfolio")
        return Portfolio.from_document(doc)

    @resolver(description="Every label of the cluster, latest `validUntil` first.")
    async def labels(self, info: Info) -> list[Label]:
        docs = await info.context.loaders.labels_of_cluster.load(self.slug)
        return [Label.from_document(d, self.slug, self.as_of) for d in docs]

    @resolver(description="Benchmarking interviews of the cluster, latest first.")
    async def interviews(self, info: Info) -> list[Interview]:
        docs = await info.context.loaders.interviews_of_cluster.load(self.slug)
        return [Interview.from_document(d) for d in docs]

    @resolver(description="The most recent benchmarking interview, if any.")
    async def latest_interview(self, info: Info) -> Interview | None:
        docs = await info.context.loaders.interviews_of_cluster.load(self.slug)
        return Interview.from_document(docs[0]) if docs else None

    benchmark: ClusterBenchmark | None = strawberry.field(
        resolver=resolve_benchmark, description=BENCHMARK_DESCRIPTION
    )


@strawberry.type(
    description=(
        "The result of one indicator in an interview. Exactly one value field is set, by "
        "the indicator's unit: `value` (a number) for COUNT, PERCENT, YEAR, YEARS, EUR, FTE "
        "and RATING; `flag` for BOOL; `text` for ENUM; `items` for LIST. All are null when "
        "the value was not collected. Typed fields rather than one JSON value keep results "
        "filterable and cheap to serve."
    )
)
class IndicatorResult:
    code: str = strawberry.field(description="Indicator code (`Indicator.code`).")
    indicator: Indicator | None = strawberry.field(
        description="The indicator, from the interview's catalogue version."
    )
    value: float | None = strawberry.field(description="Numeric value (numeric units).")
    flag: bool | None = strawberry.field(description="Yes or no (BOOL unit).")
    text: str | None = strawberry.field(description="The chosen value (ENUM unit).")
    items: list[str] | None = strawberry.field(description="The chosen values (LIST unit).")
    rating: Rating | None = strawberry.field(
        description="Traffic light against the peer group; null when not rated."
    )

    @classmethod
    def from_document(cls, doc: IndicatorResultDoc, indicator: Indicator | None) -> IndicatorResult:
        raw = doc["value"]
        return cls(
            code=doc["code"],
            indicator=indicator,
            value=float(raw)
            if isinstance(raw, int | float) and not isinstance(raw, bool)
            else None,
            flag=raw if isinstance(raw, bool) else None,
            text=raw if isinstance(raw, str) else None,
            items=list(raw) if isinstance(raw, list) else None,
            rating=Rating(doc["rating"]) if doc.get("rating") else None,
        )


@strawberry.type(
    description=(
        "A benchmarking interview of a cluster manager and its results. Sample interviews "
        "(`isSample`) are generated illustrations, never real results."
    )
)
class Interview(Node):
    conducted_on: date = strawberry.field(description="Day of the interview.")
    conducted_on_inferred: bool = strawberry.field(
        description="True when the day is derived from the label's dates, not published."
    )
    catalogue_version: str = strawberry.field(
        description=f"Version of the indicator catalogue used. {RECONSTRUCTION}"
    )
    is_sample: bool = strawberry.field(
        description="True for generated sample data: never a real benchmarking result."
    )
    version: int = strawberry.field(description=_VERSION)
    cluster_slug: strawberry.Private[str]
    raw_results: strawberry.Private[list[IndicatorResultDoc]]
    raw_recommendations: strawberry.Private[list[str]]

    @classmethod
    def from_document(cls, doc: InterviewDoc) -> Interview:
        return cls(
            id=strawberry.ID(to_global_id("Interview", doc["_id"])),
            conducted_on=as_date(doc["conductedOn"]),
            conducted_on_inferred=doc["conductedOnInferred"],
            catalogue_version=doc["catalogueVersion"],
            is_sample=doc["isSample"],
            version=doc.get("version", 0),
            cluster_slug=doc["cluster"],
            raw_results=doc["results"],
            raw_recommendations=list(doc["recommendations"]),
        )

    @resolver(
        description="Why `results` and `recommendations` are null: CONFIDENTIAL for a real "
        "interview on a server that does not publish individual results. Null when they "
        "are served (always for a sample)."
    )
    def results_withheld(self, info: Info) -> WithheldReason | None:
        return (
            None if info.context.may_read_results(self.is_sample) else WithheldReason.CONFIDENTIAL
        )

    @resolver(
        description="Recommendations towards the next label level; null when withheld "
        "(see `resultsWithheld`)."
    )
    def recommendations(self, info: Info) -> list[str] | None:
        return self.raw_recommendations if info.context.may_read_results(self.is_sample) else None

    @resolver(description="The interviewed cluster.")
    async def cluster(self, info: Info) -> Cluster:
        doc = await info.context.loaders.cluster.load(self.cluster_slug)
        if doc is None:
            raise LookupError(f"interview {self.id} refers to a missing cluster")
        return Cluster.from_document(doc, None)

    @resolver(
        description="Indicator results, in catalogue order; null when withheld (see "
        "`resultsWithheld`): a real interview's individual results are confidential unless "
        "the server publishes them."
    )
    async def results(
        self,
        info: Info,
        area: Annotated[
            str | None, strawberry.argument(description="Only this area (`IndicatorArea.code`).")
        ] = None,
        codes: Annotated[
            list[str] | None,
            strawberry.argument(description=f"Only these indicator codes (at most {MAX_CODES})."),
        ] = None,
    ) -> list[IndicatorResult] | None:
        if not info.context.may_read_results(self.is_sample):
            return None
        if codes is not None and len(codes) > MAX_CODES:
            raise BadUserInput(f"codes lists {len(codes)} codes; at most {MAX_CODES} are allowed")
        indicators = await info.context.loaders.catalogue.load(self.catalogue_version)
        wanted = set(codes) if codes is not None else None

        def position(doc: IndicatorResultDoc) -> int:
            indicator = indicators.get(doc["code"])
            return indicator.number if indicator else 1_000_000

        results = []
        for doc in sorted(self.raw_results, key=position):
            indicator = indicators.get(doc["code"])
            if wanted is not None and doc["code"] not in wanted:
                continue
            if area is not None and (indicator is None or indicator.area != area):
                continue
            results.append(IndicatorResult.from_document(doc, indicator))
        return results
