"""Indicator statistics over the latest interview of each cluster.

Which interview counts: each cluster's latest interview (greatest `conductedOn`) among the
included ones; with `include_sample=False` sample interviews are skipped, so a cluster's
latest real interview is used. A cluster's value for an indicator is the one in that
interview, or none when that interview lacks it (no fallback to an older interview).

Confidentiality: interview results are confidential, so every statistic over fewer than
`min_group_size` values is withheld (see `schema.rules.stats.is_withheld`). The group's size `n`
stays visible; the values derived from members do not. A narrowing filter only makes a
group smaller, so it cannot bring a withheld statistic back.

`indicator_stats` is three round trips whatever the number of groups: the catalogue entry,
the matching clusters, and one pipeline on the interviews (`$sort` on the natural-key
index, `$group` with `$last`), joined in Python: linear in the number of clusters on
MongoDB and on the embedded store alike (a `$lookup` per cluster was quadratic there).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from schema.rules.ratings import LatestResults
from schema.rules.stats import (
    NumericSummary,
    as_number,
    distribution,
    is_withheld,
    share_true,
    summarize,
)
from schema.rules.vocabulary import NUMERIC_UNITS
from schema.store.documents import (
    CLUSTERS,
    INTERVIEWS,
    Database,
    IndicatorDoc,
    from_stored,
)

__all__ = [
    "IndicatorGroupRow",
    "LatestResults",
    "indicator_stats",
    "latest_interviews",
]


# Up to this many matching clusters, the interviews pipeline is limited to them by `$in`;
# beyond, it reads every cluster's latest interview and the join keeps the matching ones.
IN_LIMIT = 1000


async def latest_interviews(
    db: Database,
    match: Mapping[str, Any],
    *,
    include_sample: bool,
    code: str | None = None,
) -> list[LatestResults]:
    """The latest included interview of every matching cluster that has one.

    Two reads, each linear: the matching clusters (`find` with the `$match`), and each
    cluster's latest interview computed on the interviews side (`$sort` on `cluster`,
    `conductedOn`, served by the interviews' natural-key index, then `$group` with
    `$last`), joined in Python. With `code`, only that indicator's result is carried back.
    """
    projection = {"portfolio": 1, "portfolioName": 1}
    found_clusters = await db[CLUSTERS].find(dict(match), projection).to_list(None)
    clusters = {doc["_id"]: doc for doc in found_clusters}
    if not clusters:
        return []
    stage: dict[str, Any] = {} if include_sample else {"isSample": False}
    if match and len(clusters) <= IN_LIMIT:
        stage["cluster"] = {"$in": sorted(clusters)}
    if getattr(db, "in_process", False):
        found = _latest_by_find(db, stage, code)
    else:
        found = db[INTERVIEWS].aggregate(_latest_pipeline(stage, code))
    rows = []
    async for row in found:
        cluster = clusters.get(row["_id"])
        if cluster is None:
            continue
        rows.append(
            LatestResults(
                cluster=row["_id"],
                portfolio=cluster.get("portfolio") or "",
                portfolio_name=cluster.get("portfolioName") or "",
                catalogue_version=row.get("version") or "",
                conducted_on=from_stored(row.get("conductedOn")),
                is_sample=bool(row.get("isSample")),
                values={r["code"]: r.get("value") for r in row.get("results") or ()},
            )
        )
    return sorted(rows, key=lambda r: str(r.cluster))


def _latest_pipeline(stage: dict[str, Any], code: str | None) -> list[dict[str, Any]]:
    pipeline: list[dict[str, Any]] = [{"$match": stage}] if stage else []
    pipeline += [
        {"$sort": {"cluster": 1, "conductedOn": 1}},
        {
            "$group": {
                "_id": "$cluster",
                "version": {"$last": "$catalogueVersion"},
                "conductedOn": {"$last": "$conductedOn"},
                "isSample": {"$last": "$isSample"},
                "results": {"$last": "$results"},
            }
        },
    ]
    if code is not None:
        only = {"$filter": {"input": "$results", "as": "r", "cond": {"$eq": ["$$r.code", code]}}}
        pipeline.append(
            {"$project": {"version": 1, "conductedOn": 1, "isSample": 1, "results": only}}
        )
    return pipeline


async def _latest_by_find(
    db: Database, stage: dict[str, Any], code: str | None
) -> AsyncIterator[dict[str, Any]]:
    """The pipeline's rows, from a `find` in the same order folded in Python: for the
    in-process store, whose `aggregate` copies every whole document of the collection
    and evaluates `$filter` element by element, where a projection copies only what is
    asked for (`$elemMatch`: the one result of `code`)."""
    results: Any = 1 if code is None else {"$elemMatch": {"code": code}}
    projection = {"cluster": 1, "conductedOn": 1, "catalogueVersion": 1, "isSample": 1}
    cursor = db[INTERVIEWS].find(stage, {**projection, "results": results})
    latest: dict[str, dict[str, Any]] = {}
    for doc in await cursor.sort([("cluster", 1), ("conductedOn", 1)]).to_list(None):
        latest[doc["cluster"]] = doc  # ascending: the last one seen is the latest
    for cluster, doc in latest.items():
        yield {
            "_id": cluster,
            "version": doc.get("catalogueVersion"),
            "conductedOn": doc.get("conductedOn"),
            "isSample": doc.get("isSample"),
            "results": doc.get("results") or [],
        }


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


def _group_row(
    indicator: IndicatorDoc, members: Sequence[LatestResults], k: int
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
        numbers = [n for n in map(as_number, values) if n is not None]
        row.summary = summarize(numbers) if numbers else None
    if unit in ("RATING", "ENUM"):
        row.distribution = distribution(_label(v) for v in values)
    elif unit == "LIST":
        row.distribution = distribution(_label(item) for v in values for item in v)
    return row


async def indicator_stats(
    db: Database,
    indicator: IndicatorDoc,
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
