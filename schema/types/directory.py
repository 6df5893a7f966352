"""GraphQL node types of the directory: `Cluster`, `Portfolio`, `Label`, `Interview`.

Each maps a stored document in `from_document`. What is embedded in a document (a
cluster's current label, an interview's results) resolves as a plain attribute; what lives
in another collection goes through the request's DataLoaders, one query per kind.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Annotated, Any, cast

import strawberry

from schema.errors import BadUserInput
from schema.rules.labels import as_date, days_remaining, label_in_force, label_status
from schema.rules.limits import HISTORY_COST, MAX_CODES, RESULTS_COST
from schema.rules.text import search_key
from schema.store.aggregates import GroupKey, cluster_facets
from schema.store.clusters import OrderKey, SortPlan, fetch_clusters, sort_plan
from schema.store.documents import (
    ClusterDoc,
    CurrentLabel,
    HistoryLabel,
    IndicatorResultDoc,
    InterviewDoc,
    LabelDoc,
    PortfolioDoc,
    award,
)
from schema.store.filters import ClusterFilter, cluster_match, search_prefix
from schema.store.pages import PageArgs
from schema.types.benchmark import BENCHMARK_DESCRIPTION, ClusterBenchmark, resolve_benchmark
from schema.types.checks import check_filter
from schema.types.connection import (
    CLUSTERS_DESCRIPTION,
    AfterArg,
    AsOfArg,
    BeforeArg,
    ClusterConnection,
    ClusterEdge,
    ClusterFacets,
    CountryFacet,
    ExpiryYearFacet,
    FirstArg,
    LabelLevelFacet,
    LabelStatusFacet,
    LastArg,
    OrderByArg,
    PageInfo,
    PortfolioFacet,
    SearchArg,
    WhereArg,
)
from schema.types.context import Context, Info
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
from schema.types.inputs import ClusterOrder, ClusterWhere
from schema.types.nodes import Node
from schema.types.resolvers import resolver
from schema.types.selection import child, current, names

__all__ = [
    "Cluster",
    "IndicatorResult",
    "Interview",
    "Label",
    "Portfolio",
    "cluster_selection",
    "resolve_clusters",
]

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
    match, condition, plan = await cluster_selection(
        info.context,
        search,
        where,
        order_by,
        as_of or info.context.today,
        portfolio=root.slug if isinstance(root, Portfolio) else None,
    )
    selected = current(info)
    page_info = names(child(selected, "pageInfo"))
    need_opposite = bool(
        page_info & ({"hasPreviousPage"} if args.last is None else {"hasNextPage"})
    )
    page = await fetch_clusters(info.context.db, match, plan, args, need_opposite=need_opposite)
    day = as_of or info.context.today
    facets, counted = None, None
    if "facets" in names(selected):
        facets, counted = await _facets(
            info,
            condition,
            day,
            search,
            root.slug if isinstance(root, Portfolio) else None,
            wanted=names(child(selected, "facets")),
            with_total="totalCount" in names(selected),
        )
    edges = [
        ClusterEdge(cursor=cursor, node=Cluster.from_document(doc, day))
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
        counted=counted,
        facet_counts=facets,
    )


# Each facet's field, its key in the store, and the condition of `where` it leaves out.
_FACETS: dict[str, tuple[GroupKey, str]] = {
    "portfolio": ("PORTFOLIO", "portfolio"),
    "labelLevel": ("LABEL_LEVEL", "label_level"),
    "labelStatus": ("LABEL_STATUS", "label_status"),
    "expiryYear": ("EXPIRY_YEAR", "valid_until"),
    "country": ("COUNTRY", "country"),
}


async def _facets(
    info: Info,
    where: ClusterFilter | None,
    as_of: date,
    search: str | None,
    scope: str | None,
    *,
    wanted: set[str],
    with_total: bool,
) -> tuple[ClusterFacets, int | None]:
    """The selected facets of a connection, and its total when `with_total`: one pipeline."""
    base = cluster_match(None, as_of, search, portfolio=scope)
    matches = {
        key: cluster_match(replace(where, **{condition: None}) if where else None, as_of)
        for name, (key, condition) in _FACETS.items()
        if name in wanted
    }
    total = cluster_match(where, as_of) if with_total else None
    rows, counted = await cluster_facets(info.context.db, base, matches, as_of, total=total)
    return (
        ClusterFacets(
            portfolio=[
                PortfolioFacet(
                    portfolio=Portfolio.from_document(
                        {"_id": r.value, "name": r.name or "", "nameKey": search_key(r.name or "")}
                    ),
                    count=r.count,
                )
                for r in rows.get("PORTFOLIO", [])
            ],
            label_level=[
                LabelLevelFacet(level=LabelLevel(r.value), count=r.count)
                for r in rows.get("LABEL_LEVEL", [])
            ],
            label_status=[
                LabelStatusFacet(status=LabelStatus(r.value), count=r.count)
                for r in rows.get("LABEL_STATUS", [])
            ],
            expiry_year=[
                ExpiryYearFacet(year=int(r.value), count=r.count)
                for r in rows.get("EXPIRY_YEAR", [])
            ],
            country=[CountryFacet(country=r.value, count=r.count) for r in rows.get("COUNTRY", [])],
        ),
        counted,
    )


async def cluster_selection(
    context: Context,
    search: str | None,
    where: ClusterWhere | None,
    order_by: list[ClusterOrder] | None,
    on: date,
    *,
    portfolio: str | None = None,
) -> tuple[dict[str, Any], ClusterFilter | None, SortPlan]:
    """The `$match`, the checked filter and the sort of a `clusters` query on the day `on`,
    in `portfolio` when given; shared with the CSV export, so both apply the same rules.
    Raises `BadUserInput` for input the types let through (unknown slugs or countries,
    search length, nesting, an orderBy no index serves), the order first: before any
    database read."""
    plan = sort_plan(_order(order_by, search), search)
    condition = await check_filter(context, where)
    match = cluster_match(condition, on, search, portfolio=portfolio)
    return match, condition, plan


def _order(order_by: list[ClusterOrder] | None, search: str | None) -> list[tuple[OrderKey, bool]]:
    default = ClusterOrderField.RELEVANCE if search_prefix(search) else ClusterOrderField.NAME
    return [
        (cast(OrderKey, order.field.name), order.direction is OrderDirection.DESC)
        for order in order_by or [ClusterOrder(field=default)]
    ]


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
    def from_document(
        cls, doc: LabelDoc | CurrentLabel | HistoryLabel, cluster: str, as_of: date | None
    ) -> Label:
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

    @resolver(description="Status of the label on `asOf`; NOT_YET_LABELLED when awarded after it.")
    def status(
        self,
        info: Info,
        as_of: Annotated[date | None, strawberry.argument(description=_AS_OF)] = None,
    ) -> LabelStatus:
        day = self._on(info, as_of)
        if day < self.awarded_on:
            return LabelStatus.NOT_YET_LABELLED
        return LabelStatus(label_status(self.valid_until, day))

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
        return Cluster.from_document(doc, self.as_of or info.context.today)


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
    label: Label | None = strawberry.field(
        description=(
            "The label in force on `asOf` (of the enclosing query; default today): the "
            "latest of the cluster's history awarded on or before it. Null when none was "
            "awarded by then (`labelStatus` NOT_YET_LABELLED). Award dates of the shipped "
            "listing are inferred (`awardedOnInferred`)."
        )
    )
    label_status: LabelStatus = strawberry.field(
        description=(
            "Status on `asOf` of the label in force, NOT_YET_LABELLED when there is none: "
            "the status `labelStatus` filters and every count by status use."
        )
    )
    version: int = strawberry.field(description=_VERSION)
    portfolio_slug: strawberry.Private[str]
    history: strawberry.Private[list[HistoryLabel]]
    as_of: strawberry.Private[date]

    @classmethod
    def from_document(cls, doc: ClusterDoc, as_of: date) -> Cluster:
        """The cluster as it stood on `as_of`: its label is the one in force then."""
        history = list(doc.get("history") or [])
        in_force = label_in_force(history, as_of, award)
        label = Label.from_document(in_force, doc["_id"], as_of) if in_force else None
        status = (
            LabelStatus.NOT_YET_LABELLED
            if in_force is None
            else LabelStatus(label_status(as_date(in_force["validUntil"]), as_of))
        )
        return cls(
            id=strawberry.ID(to_global_id("Cluster", doc["_id"])),
            slug=doc["_id"],
            name=doc["name"],
            country=doc["country"],
            website=doc["website"],
            warnings=list(doc["warnings"]),
            label=label,
            label_status=status,
            version=doc.get("version", 0),
            portfolio_slug=doc["portfolio"],
            history=history,
            as_of=as_of,
        )

    @resolver(description="The comparative portfolio the cluster is benchmarked in.")
    async def portfolio(self, info: Info) -> Portfolio:
        doc = await info.context.loaders.portfolio.load(self.portfolio_slug)
        if doc is None:
            raise LookupError(f"cluster {self.slug!r} refers to missing portfolio")
        return Portfolio.from_document(doc)

    @resolver(
        description="Every label of the cluster, latest `validUntil` first, those awarded "
        f"after `asOf` included. Counts {HISTORY_COST} in the query cost."
    )
    def labels(self) -> list[Label]:
        ordered = sorted(self.history, key=lambda h: h["level"])
        ordered.sort(key=lambda h: h["validUntil"], reverse=True)
        return [Label.from_document(h, self.slug, self.as_of) for h in ordered]

    @resolver(
        description="Benchmarking interviews of the cluster held on or before `asOf` "
        f"(default today), latest first. Counts {HISTORY_COST} in the query cost."
    )
    async def interviews(self, info: Info) -> list[Interview]:
        return [Interview.from_document(d, self.as_of) for d in await self._interviews(info)]

    @resolver(
        description="The most recent benchmarking interview held on or before `asOf` "
        "(default today), if any."
    )
    async def latest_interview(self, info: Info) -> Interview | None:
        docs = await self._interviews(info)
        return Interview.from_document(docs[0], self.as_of) if docs else None

    async def _interviews(self, info: Info) -> list[InterviewDoc]:
        """The cluster's interviews as it stood on `as_of`: none held after that day."""
        docs = await info.context.loaders.interviews_of_cluster.load(self.slug)
        return [d for d in docs if as_date(d["conductedOn"]) <= self.as_of]

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
    # The date its cluster is shown as of (the enclosing query's `asOf`; None: today).
    as_of: strawberry.Private[date | None] = None

    @classmethod
    def from_document(cls, doc: InterviewDoc, as_of: date | None = None) -> Interview:
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
            as_of=as_of,
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

    @resolver(
        description="The interviewed cluster, as it stood on the enclosing query's `asOf` "
        "(default today)."
    )
    async def cluster(self, info: Info) -> Cluster:
        doc = await info.context.loaders.cluster.load(self.cluster_slug)
        if doc is None:
            raise LookupError(f"interview {self.id} refers to a missing cluster")
        return Cluster.from_document(doc, self.as_of or info.context.today)

    @resolver(
        description="Indicator results, in catalogue order; null when withheld (see "
        "`resultsWithheld`): a real interview's individual results are confidential unless "
        f"the server publishes them. Counts {RESULTS_COST} in the query cost (one per "
        "indicator of the catalogue)."
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
