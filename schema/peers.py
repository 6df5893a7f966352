"""Interview-derived statistics: indicator statistics per group and peer-group benchmarks.

Which interview counts: each cluster's latest interview (greatest `conductedOn`) among the
included ones; with `include_sample=False` sample interviews are skipped, so a cluster's
latest real interview is used. A cluster's value for an indicator is the one in that
interview, or none when that interview lacks it (no fallback to an older interview).

Confidentiality: interview results are confidential, so every statistic over fewer than
`min_group_size` values is withheld (see `schema.stats.is_withheld`). The group's size `n`
stays visible; the values derived from members do not. A narrowing filter only makes a
group smaller, so it cannot bring a withheld statistic back.

Each function is a fixed number of round trips: the indicator catalogue and one pipeline
(`$lookup` of interviews, `$sort`, `$group` with `$first`) whatever the number of groups.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal

from schema.documents import CLUSTERS, INDICATORS, INTERVIEWS, NUMERIC_UNITS, Database
from schema.stats import (
    NumericSummary,
    Quartiles,
    distribution,
    is_withheld,
    percentile_rank,
    quartiles,
    share_true,
    summarize,
    traffic_light,
)

__all__ = [
    "ALL",
    "BenchmarkRow",
    "IndicatorGroupRow",
    "LatestResults",
    "PeerGroup",
    "PeerKey",
    "benchmark",
    "indicator_stats",
    "latest_interviews",
    "load_peer_groups",
]

ALL = "ALL"
Light = Literal["RED", "YELLOW", "GREEN"]
# Units a benchmark can order: the numeric ones, and BOOL read as 0 (false) / 1 (true).
COMPARABLE_UNITS = NUMERIC_UNITS | {"BOOL"}


@dataclass(frozen=True)
class LatestResults:
    cluster: str
    portfolio: str
    portfolio_name: str
    catalogue_version: str
    conducted_on: date | None
    is_sample: bool
    values: Mapping[str, Any]  # code -> stored value


async def latest_interviews(
    db: Database,
    match: Mapping[str, Any],
    *,
    include_sample: bool,
    code: str | None = None,
) -> list[LatestResults]:
    """The latest included interview of every matching cluster that has one; one pipeline.

    With `code`, only that indicator's result is carried back from the database.
    """
    pipeline: list[dict[str, Any]] = [
        {"$match": dict(match)},
        {"$project": {"portfolio": 1, "portfolioName": 1}},
        {
            "$lookup": {
                "from": INTERVIEWS,
                "localField": "_id",
                "foreignField": "cluster",
                "as": "iv",
            }
        },
        {"$unwind": "$iv"},
    ]
    if not include_sample:
        pipeline.append({"$match": {"iv.isSample": False}})
    pipeline += [
        {"$sort": {"_id": 1, "iv.conductedOn": -1}},
        {
            "$group": {
                "_id": "$_id",
                "portfolio": {"$first": "$portfolio"},
                "portfolioName": {"$first": "$portfolioName"},
                "version": {"$first": "$iv.catalogueVersion"},
                "conductedOn": {"$first": "$iv.conductedOn"},
                "isSample": {"$first": "$iv.isSample"},
                "results": {"$first": "$iv.results"},
            }
        },
    ]
    if code is not None:
        only = {"$filter": {"input": "$results", "as": "r", "cond": {"$eq": ["$$r.code", code]}}}
        pipeline.append(
            {
                "$project": {
                    "portfolio": 1,
                    "portfolioName": 1,
                    "version": 1,
                    "conductedOn": 1,
                    "isSample": 1,
                    "results": only,
                }
            }
        )
    rows = await db[CLUSTERS].aggregate(pipeline).to_list(None)
    return [
        LatestResults(
            cluster=row["_id"],
            portfolio=row.get("portfolio") or "",
            portfolio_name=row.get("portfolioName") or "",
            catalogue_version=row.get("version") or "",
            conducted_on=_day(row.get("conductedOn")),
            is_sample=bool(row.get("isSample")),
            values={r["code"]: r.get("value") for r in row.get("results") or ()},
        )
        for row in sorted(rows, key=lambda r: str(r["_id"]))
    ]


def _day(value: Any) -> date | None:
    return value.date() if isinstance(value, datetime) else None


def _number(value: Any) -> float | None:
    """A stored value as a number for ordering: bools as 0/1; None for anything else."""
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, int | float):
        return float(value)
    return None


def _label(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


# --- indicatorStats ------------------------------------------------------------------------


@dataclass
class IndicatorGroupRow:
    n: int
    withheld: bool
    includes_sample: bool
    portfolio: str | None = None
    portfolio_name: str | None = None
    summary: NumericSummary | None = None
    share_true: float | None = None
    distribution: list[tuple[str, int]] | None = None


async def find_indicator(db: Database, code: str) -> dict[str, Any] | None:
    """The catalogue entry for `code` in the newest catalogue version that has it."""
    docs = await db[INDICATORS].find({"code": code}).to_list(None)
    return max(docs, key=lambda d: str(d.get("catalogueVersion")), default=None)


def _group_row(
    indicator: Mapping[str, Any], members: Sequence[LatestResults], k: int
) -> IndicatorGroupRow:
    code, unit = indicator["code"], indicator["unit"]
    present = [m for m in members if m.values.get(code) is not None]
    row = IndicatorGroupRow(
        n=len(present),
        withheld=is_withheld(len(present), k),
        includes_sample=any(m.is_sample for m in present),
    )
    if row.withheld:
        return row
    values = [m.values[code] for m in present]
    if unit == "BOOL":
        row.share_true = share_true([bool(v) for v in values])
    elif unit in NUMERIC_UNITS:
        numbers = [n for n in map(_number, values) if n is not None]
        row.summary = summarize(numbers) if numbers else None
    if unit in ("RATING", "ENUM"):
        row.distribution = distribution(_label(v) for v in values)
    elif unit == "LIST":
        row.distribution = distribution(_label(item) for v in values for item in v)
    return row


async def indicator_stats(
    db: Database,
    indicator: Mapping[str, Any],
    match: Mapping[str, Any],
    *,
    by_portfolio: bool,
    include_sample: bool,
    min_group_size: int,
) -> list[IndicatorGroupRow]:
    """Statistics of one indicator over the latest interviews of the matching clusters.

    Without grouping there is exactly one row (n may be 0). By portfolio, one row per
    portfolio with at least one matching cluster that has an included interview, in
    portfolio name order. Only interviews of the indicator's catalogue version count.
    """
    members = [
        m
        for m in await latest_interviews(
            db, match, include_sample=include_sample, code=indicator["code"]
        )
        if m.catalogue_version == indicator["catalogueVersion"]
    ]
    if not by_portfolio:
        return [_group_row(indicator, members, min_group_size)]
    groups: dict[str, list[LatestResults]] = defaultdict(list)
    for m in members:
        groups[m.portfolio].append(m)
    rows = []
    for slug, group in groups.items():
        row = _group_row(indicator, group, min_group_size)
        row.portfolio, row.portfolio_name = slug, group[0].portfolio_name
        rows.append(row)
    return sorted(rows, key=lambda r: (r.portfolio_name or "", r.portfolio or ""))


# --- benchmark -----------------------------------------------------------------------------

# A peer group: ("ALL", None) or ("PORTFOLIO", slug); plus whether sample interviews count.
PeerKey = tuple[str, str | None, bool]


@dataclass
class PeerGroup:
    """Latest interviews of a peer group, with each indicator's values sorted once."""

    members: dict[str, LatestResults]
    catalogue: dict[tuple[str, str], Mapping[str, Any]]  # (version, code) -> indicator
    values: dict[tuple[str, str], list[float]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        collected: dict[tuple[str, str], list[float]] = defaultdict(list)
        for member in self.members.values():
            for code, value in member.values.items():
                number = _number(value)
                if number is not None:
                    collected[(member.catalogue_version, code)].append(number)
        self.values = {key: sorted(numbers) for key, numbers in collected.items()}


async def load_peer_groups(db: Database, keys: Sequence[PeerKey]) -> list[PeerGroup]:
    """DataLoader batch function: every requested peer group in two round trips.

    One pipeline fetches the latest interviews of every cluster in any requested portfolio
    (or of all clusters when ALL is asked), per sample setting; the catalogue is the other.
    """
    catalogue: dict[tuple[str, str], Mapping[str, Any]] = {
        (doc["catalogueVersion"], doc["code"]): doc
        for doc in await db[INDICATORS].find({}).to_list(None)
    }
    fetched: dict[bool, list[LatestResults]] = {}
    for include_sample in sorted({key[2] for key in keys}):
        wanted = [key for key in keys if key[2] == include_sample]
        slugs = sorted({slug for kind, slug, _ in wanted if kind != ALL and slug is not None})
        match = {} if any(kind == ALL for kind, _, _ in wanted) else {"portfolio": {"$in": slugs}}
        fetched[include_sample] = await latest_interviews(db, match, include_sample=include_sample)
    groups = []
    for kind, slug, include_sample in keys:
        members = {
            m.cluster: m for m in fetched[include_sample] if kind == ALL or m.portfolio == slug
        }
        groups.append(PeerGroup(members=members, catalogue=catalogue))
    return groups


@dataclass
class BenchmarkRow:
    indicator: Mapping[str, Any]
    value: float
    n: int
    withheld: bool
    quartiles: Quartiles | None = None
    mean: float | None = None
    percentile_rank: float | None = None
    rating: Light | None = None


def benchmark(group: PeerGroup, cluster: str, min_group_size: int) -> list[BenchmarkRow] | None:
    """The cluster's orderable indicators against its peer group; None without an interview.

    The cluster is a member of its own peer group, so `n` includes it. Indicators of an
    unordered unit (ENUM, LIST) are left out; rows follow the catalogue's numbering.
    """
    own = group.members.get(cluster)
    if own is None:
        return None
    rows = []
    for code, raw in own.values.items():
        indicator = group.catalogue.get((own.catalogue_version, code))
        value = _number(raw)
        if indicator is None or value is None or indicator["unit"] not in COMPARABLE_UNITS:
            continue
        peers = group.values.get((own.catalogue_version, code), [])
        row = BenchmarkRow(
            indicator=indicator,
            value=value,
            n=len(peers),
            withheld=is_withheld(len(peers), min_group_size),
        )
        if not row.withheld:
            row.quartiles = quartiles(peers)
            row.mean = sum(peers) / len(peers)
            row.percentile_rank = percentile_rank(value, peers)
            row.rating = traffic_light(value, row.quartiles, indicator.get("higherIsBetter"))
        rows.append(row)
    return sorted(rows, key=lambda r: int(r.indicator.get("number", 0)))


@dataclass(frozen=True)
class RatingSummary:
    compared: int  # indicators with a percentile rank (not withheld)
    green: int
    yellow: int
    red: int
    mean_percentile_rank: float | None


def summarize_ratings(rows: Iterable[BenchmarkRow]) -> RatingSummary:
    """Counts of each light and the mean percentile rank over rows that are not withheld."""
    shown = [row for row in rows if not row.withheld]
    ranks = [row.percentile_rank for row in shown if row.percentile_rank is not None]
    return RatingSummary(
        compared=len(shown),
        green=sum(1 for row in shown if row.rating == "GREEN"),
        yellow=sum(1 for row in shown if row.rating == "YELLOW"),
        red=sum(1 for row in shown if row.rating == "RED"),
        mean_percentile_rank=sum(ranks) / len(ranks) if ranks else None,
    )
