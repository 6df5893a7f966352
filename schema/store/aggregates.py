"""Grouped counts over the cluster listing and the label history.

Every function takes the `$match` stage built from a `ClusterWhere` (see `schema.store.filters`),
runs one aggregation (`labelTimeline`: two finds, clusters then their labels, joined in
Python), and folds the rows in Python. Pipelines stay inside the
operators that MongoDB and mongomock both implement (`$match`, `$group` with `$sum`,
`$min`, `$max`, `$first`, `$switch`, `$year`, `$project`), so the
embedded store and a real server give identical answers.

Label status is computed inside the pipeline by a `$switch` on `label.validUntil` whose
thresholds come from `schema.rules.labels.status_bounds`, the function the `status` filter uses,
so a count by status always equals the number of clusters a status filter returns.

Everything counted here (portfolio, level, country, end of validity) is published per
cluster in the public listing, so counts are never withheld, whatever the group size.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, Literal, cast

from schema.rules.labels import STATUSES, Status, add_years, status_bounds
from schema.store.documents import (
    CLUSTERS,
    LABELS,
    PORTFOLIOS,
    Database,
    PortfolioDoc,
    from_stored,
    to_stored,
)

__all__ = [
    "ClusterGroupRow",
    "GroupKey",
    "Interval",
    "PeriodRow",
    "PortfolioRow",
    "cluster_groups",
    "label_timeline",
    "portfolio_stats",
    "status_expression",
]

GroupKey = Literal["PORTFOLIO", "LABEL_LEVEL", "LABEL_STATUS", "EXPIRY_YEAR", "COUNTRY"]
Interval = Literal["YEAR", "MONTH"]

_VALID_UNTIL = "$label.validUntil"


def status_expression(valid_until: str, as_of: date) -> dict[str, Any]:
    """A `$switch` giving the label status on `as_of` of the date at path `valid_until`.

    Each branch tests `validUntil < (highest bound + 1 day)`, from the oldest status to the
    newest, with the bounds of `status_bounds`; stored dates are midnights, so this is the
    inclusive day bound, and a time of day (never written) would still fall on its day.
    """
    branches = []
    for status in ("EXPIRED", "RENEWABLE", "EXPIRING_SOON"):
        _, highest = status_bounds(status, as_of)
        assert highest is not None  # only VALID is open-ended above
        branches.append(
            {
                "case": {"$lt": [valid_until, to_stored(highest + timedelta(days=1))]},
                "then": status,
            }
        )
    return {"$switch": {"branches": branches, "default": "VALID"}}


# --- portfolioStats ------------------------------------------------------------------------


@dataclass
class PortfolioRow:
    portfolio: PortfolioDoc
    cluster_count: int = 0
    by_level: Counter[str] = field(default_factory=Counter)
    by_status: Counter[str] = field(default_factory=Counter)
    earliest_valid_until: date | None = None
    latest_valid_until: date | None = None
    expiring_within_window: int = 0


async def portfolio_stats(
    db: Database, match: Mapping[str, Any], as_of: date, window_days: int
) -> list[PortfolioRow]:
    """One row per portfolio, in name order, including portfolios no cluster matches.

    Two round trips whatever the number of portfolios: the portfolio list and one
    pipeline over the matching clusters.
    """
    window_start = to_stored(as_of)
    window_end = to_stored(as_of + timedelta(days=window_days + 1))
    in_window = {
        "$and": [
            {"$gte": [_VALID_UNTIL, window_start]},
            {"$lt": [_VALID_UNTIL, window_end]},
        ]
    }
    pipeline: list[dict[str, Any]] = [
        {"$match": dict(match)},
        {
            "$group": {
                "_id": {
                    "portfolio": "$portfolio",
                    "level": "$label.level",
                    "status": status_expression(_VALID_UNTIL, as_of),
                },
                "count": {"$sum": 1},
                "earliest": {"$min": _VALID_UNTIL},
                "latest": {"$max": _VALID_UNTIL},
                "expiring": {"$sum": {"$cond": [in_window, 1, 0]}},
            }
        },
    ]
    portfolios = cast(list[PortfolioDoc], await db[PORTFOLIOS].find({}).to_list(None))
    rows = {doc["_id"]: PortfolioRow(portfolio=doc) for doc in portfolios}
    for group in await db[CLUSTERS].aggregate(pipeline).to_list(None):
        key = group["_id"]
        row = rows.get(key.get("portfolio"))
        if row is None:  # a cluster whose portfolio document is missing: not listed
            continue
        row.cluster_count += group["count"]
        row.by_level[key.get("level")] += group["count"]
        row.by_status[key.get("status")] += group["count"]
        row.expiring_within_window += group["expiring"]
        for attr, value, pick in (
            ("earliest_valid_until", from_stored(group["earliest"]), min),
            ("latest_valid_until", from_stored(group["latest"]), max),
        ):
            current = getattr(row, attr)
            if value is not None:
                setattr(row, attr, value if current is None else pick(current, value))
    return sorted(rows.values(), key=lambda r: (r.portfolio["name"], r.portfolio["_id"]))


# --- clustersAggregate ---------------------------------------------------------------------


@dataclass(frozen=True)
class ClusterGroupRow:
    count: int
    portfolio: str | None = None
    portfolio_name: str | None = None
    label_level: str | None = None
    label_status: Status | None = None
    expiry_year: int | None = None
    country: str | None = None


def _group_key_expression(key: GroupKey, as_of: date) -> Any:
    if key == "PORTFOLIO":
        return "$portfolio"
    if key == "LABEL_LEVEL":
        return "$label.level"
    if key == "LABEL_STATUS":
        return status_expression(_VALID_UNTIL, as_of)
    if key == "EXPIRY_YEAR":
        return {"$year": _VALID_UNTIL}
    return "$country"


_LEVEL_ORDER = {"BRONZE": 0, "SILVER": 1, "GOLD": 2}
_STATUS_ORDER = {status: i for i, status in enumerate(STATUSES)}


def _sort_key(row: ClusterGroupRow, keys: Sequence[GroupKey]) -> tuple[Any, ...]:
    parts: list[Any] = []
    for key in keys:
        if key == "PORTFOLIO":
            parts.append(row.portfolio_name or "")
        elif key == "LABEL_LEVEL":
            parts.append(_LEVEL_ORDER.get(row.label_level or "", 9))
        elif key == "LABEL_STATUS":
            parts.append(_STATUS_ORDER.get(row.label_status or "EXPIRED", 9))
        elif key == "EXPIRY_YEAR":
            parts.append(row.expiry_year or 0)
        else:
            parts.append(row.country or "")
    return tuple(parts)


async def cluster_groups(
    db: Database, match: Mapping[str, Any], as_of: date, keys: Sequence[GroupKey]
) -> list[ClusterGroupRow]:
    """Non-empty groups of matching clusters by `keys` (duplicates ignored), one pipeline.

    With no key, exactly one group counts every matching cluster (0 if nothing matches).
    Groups are sorted by the keys in the order given: portfolio name, level (BRONZE to
    GOLD), status (VALID to EXPIRED), year, country.
    """
    keys = list(dict.fromkeys(keys))
    group_id = {key: _group_key_expression(key, as_of) for key in keys}
    pipeline: list[dict[str, Any]] = [
        {"$match": dict(match)},
        {
            "$group": {
                # A constant key when nothing is grouped: `{}` groups everything on both engines.
                "_id": group_id or None,
                "count": {"$sum": 1},
                "portfolioName": {"$first": "$portfolioName"},
            }
        },
    ]
    rows = []
    for group in await db[CLUSTERS].aggregate(pipeline).to_list(None):
        # A missing field groups as an absent key on mongomock and as null on MongoDB.
        key = group["_id"] or {}
        grouped_portfolio = "PORTFOLIO" in keys
        rows.append(
            ClusterGroupRow(
                count=group["count"],
                portfolio=key.get("PORTFOLIO") if grouped_portfolio else None,
                portfolio_name=group.get("portfolioName") if grouped_portfolio else None,
                label_level=key.get("LABEL_LEVEL"),
                label_status=key.get("LABEL_STATUS"),
                expiry_year=key.get("EXPIRY_YEAR"),
                country=key.get("COUNTRY"),
            )
        )
    # mongomock returns a zero-count group for a constant key over no documents; MongoDB
    # returns nothing. Both become: no empty groups, and always one total without keys.
    rows = [row for row in rows if row.count > 0]
    if not keys and not rows:
        rows = [ClusterGroupRow(count=0)]
    return sorted(rows, key=lambda row: _sort_key(row, keys))


# --- labelTimeline -------------------------------------------------------------------------


@dataclass
class PeriodRow:
    start: date
    end: date  # last day of the period
    expiring: int = 0
    awarded: int = 0
    awarded_inferred: int = 0
    clusters_valid_at_end: int = 0


def _period_start(day: date, interval: Interval) -> date:
    return day.replace(month=1, day=1) if interval == "YEAR" else day.replace(day=1)


def _next_period(start: date, interval: Interval) -> date:
    if interval == "YEAR":
        return add_years(start, 1)
    return date(start.year + start.month // 12, start.month % 12 + 1, 1)


async def label_timeline(
    db: Database, match: Mapping[str, Any], interval: Interval
) -> list[PeriodRow]:
    """Labels awarded and expiring per period, and clusters holding a valid label at its end.

    Uses every label in the history of the matching clusters (renewals and earlier labels
    included), fetched in two reads (the clusters, then their labels). Periods run without
    gaps from the earliest award to the latest end; a label is valid at a period's end when
    `awardedOn <= last day <= validUntil`.
    """
    # Two linear reads joined in Python: a `$lookup` is one query per cluster, which the
    # embedded store answers by scanning every label each time.
    ids = {doc["_id"] async for doc in db[CLUSTERS].find(dict(match), {"_id": 1})}
    query: dict[str, Any] = {"cluster": {"$in": sorted(ids)}} if len(ids) <= 1000 else {}
    fields = {"_id": 0, "cluster": 1, "validUntil": 1, "awardedOn": 1, "awardedOnInferred": 1}
    labels = []
    async for doc in db[LABELS].find(query if match else {}, fields):
        if doc.get("cluster") not in ids:
            continue
        end, start = from_stored(doc.get("validUntil")), from_stored(doc.get("awardedOn"))
        if end is not None and start is not None:
            labels.append((doc["cluster"], start, end, bool(doc.get("awardedOnInferred"))))
    if not labels:
        return []
    first = _period_start(min(min(start, end) for _, start, end, _ in labels), interval)
    last = _period_start(max(max(start, end) for _, start, end, _ in labels), interval)
    periods: dict[date, PeriodRow] = {}
    cursor = first
    while cursor <= last:
        following = _next_period(cursor, interval)
        periods[cursor] = PeriodRow(start=cursor, end=following - timedelta(days=1))
        cursor = following
    for _, start, end, inferred in labels:
        awarded = periods[_period_start(start, interval)]
        awarded.awarded += 1
        awarded.awarded_inferred += inferred
        periods[_period_start(end, interval)].expiring += 1
    rows = list(periods.values())
    ends = [row.end for row in rows]
    # Clusters valid at each period end, by a difference array over the merged validity
    # intervals of each cluster (a renewal overlapping its predecessor counts once).
    delta = [0] * (len(rows) + 1)
    by_cluster: dict[str, list[tuple[date, date]]] = {}
    for cluster, start, end, _ in labels:
        by_cluster.setdefault(cluster, []).append((start, end))
    for intervals in by_cluster.values():
        for start, end in _merge(intervals):
            lo, hi = bisect_left(ends, start), bisect_right(ends, end)
            delta[lo] += 1
            delta[hi] -= 1
    running = 0
    for i, row in enumerate(rows):
        running += delta[i]
        row.clusters_valid_at_end = running
    return rows


def _merge(intervals: list[tuple[date, date]]) -> list[tuple[date, date]]:
    merged: list[tuple[date, date]] = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged
