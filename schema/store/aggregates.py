"""Grouped counts over the clusters on a date: one pipeline each (`labelTimeline`, over the
label history, is in `schema.store.timeline`).

Every function takes the `$match` stage built from a `ClusterWhere` (see `schema.store.filters`),
runs exactly one aggregation, and folds the rows in Python. Pipelines stay inside the
operators that MongoDB and mongomock both implement (`$match`, `$addFields`, `$filter`,
`$arrayElemAt`, `$size`, `$facet`, `$group` with `$sum`, `$min`, `$max`, `$first`,
`$switch`, `$cond`, `$year`, `$project`), so the embedded store and a real server give
identical answers.

Everything is about the label in force on `asOf` (see `schema.rules.labels`): `in_force_stages`
picks it from the embedded `history` with the condition the filters use
(`awardedOn <= asOf <= inForceUntil`). Its status is a `$switch` on its `validUntil` whose
thresholds come from `schema.rules.labels.status_bounds`, the function the `labelStatus`
filter uses, so a count by status always equals the number of clusters a status filter
returns; a cluster with no label in force is NOT_YET_LABELLED.

Everything counted here (portfolio, level, country, end of validity) is published per
cluster in the public listing, so counts are never withheld, whatever the group size.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import partial
from typing import Any, Literal, cast

from schema.rules.labels import (
    LEVEL_RANK,
    STATUSES,
    Status,
    status_bounds,
)
from schema.store.documents import (
    CLUSTERS,
    PORTFOLIOS,
    Database,
    PortfolioDoc,
    from_stored,
    to_stored,
)

__all__ = [
    "ClusterGroupRow",
    "FacetRow",
    "GroupKey",
    "PortfolioRow",
    "cluster_facets",
    "cluster_groups",
    "group_order",
    "in_force_stages",
    "portfolio_stats",
    "status_expression",
]

GroupKey = Literal["PORTFOLIO", "LABEL_LEVEL", "LABEL_STATUS", "EXPIRY_YEAR", "COUNTRY"]

# Fields `in_force_stages` adds: the label in force (absent when none) and whether there is one.
_LABEL = "$_inForce"
_VALID_UNTIL = "$_inForce.validUntil"
_LABELLED = "$_labelled"
# As a condition: mongomock does not evaluate a bare field path given to `$cond` or `$not`.
_IS_LABELLED = {"$eq": [_LABELLED, True]}


def in_force_stages(as_of: date) -> list[dict[str, Any]]:
    """Stages adding `_inForce`, the label in force on `as_of` from the embedded history,
    and `_labelled`, whether there is one (the filters' `in_force` condition)."""
    day = to_stored(as_of)
    found = {
        "$filter": {
            # A document written without its history has no label in force (not an error).
            "input": {"$ifNull": ["$history", []]},
            "as": "h",
            "cond": {
                "$and": [{"$lte": ["$$h.awardedOn", day]}, {"$gte": ["$$h.inForceUntil", day]}]
            },
        }
    }
    return [
        {"$addFields": {"_found": found}},
        {
            "$addFields": {
                "_inForce": {"$arrayElemAt": ["$_found", 0]},
                "_labelled": {"$gt": [{"$size": "$_found"}, 0]},
            }
        },
    ]


def status_expression(valid_until: str, as_of: date, labelled: str | None = None) -> dict[str, Any]:
    """A `$switch` giving the label status on `as_of` of the date at path `valid_until`;
    NOT_YET_LABELLED first when the boolean at path `labelled` is false.

    Each branch tests `validUntil < (highest bound + 1 day)`, from the oldest status to the
    newest, with the bounds of `status_bounds`; stored dates are midnights, so this is the
    inclusive day bound, and a time of day (never written) would still fall on its day.
    """
    branches: list[dict[str, Any]] = []
    if labelled is not None:
        branches.append({"case": {"$eq": [labelled, False]}, "then": "NOT_YET_LABELLED"})
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
    db: Database,
    match: Mapping[str, Any],
    as_of: date,
    window_days: int,
    portfolios: Sequence[PortfolioDoc] | None = None,
) -> list[PortfolioRow]:
    """One row per portfolio, in name order, including portfolios no cluster matches.

    Two round trips whatever the number of portfolios: the portfolio list (unless given)
    and one pipeline over the matching clusters. Levels, ends and the window are those of each
    cluster's label in force on `as_of`.
    """
    window_start = to_stored(as_of)
    window_end = to_stored(as_of + timedelta(days=window_days + 1))
    in_window = {
        "$and": [
            _IS_LABELLED,
            {"$gte": [_VALID_UNTIL, window_start]},
            {"$lt": [_VALID_UNTIL, window_end]},
        ]
    }
    pipeline: list[dict[str, Any]] = [
        {"$match": dict(match)},
        *in_force_stages(as_of),
        {
            "$group": {
                "_id": {
                    "portfolio": "$portfolio",
                    "level": f"{_LABEL}.level",
                    "status": status_expression(_VALID_UNTIL, as_of, _LABELLED),
                },
                "count": {"$sum": 1},
                "earliest": {"$min": _VALID_UNTIL},
                "latest": {"$max": _VALID_UNTIL},
                "expiring": {"$sum": {"$cond": [in_window, 1, 0]}},
            }
        },
    ]
    if portfolios is None:
        portfolios = cast(list[PortfolioDoc], await db[PORTFOLIOS].find({}).to_list(None))
    rows = {doc["_id"]: PortfolioRow(portfolio=doc) for doc in portfolios}
    for group in await db[CLUSTERS].aggregate(pipeline).to_list(None):
        key = group["_id"]
        row = rows.get(key.get("portfolio"))
        if row is None:  # a cluster whose portfolio document is missing: not listed
            continue
        row.cluster_count += group["count"]
        if key.get("status") != "NOT_YET_LABELLED":
            row.by_level[key.get("level")] += group["count"]
        row.by_status[key.get("status")] += group["count"]
        row.expiring_within_window += group["expiring"]
        for attr, value, pick in (
            ("earliest_valid_until", from_stored(group.get("earliest")), min),
            ("latest_valid_until", from_stored(group.get("latest")), max),
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
    """The value grouped on, after `in_force_stages`: null for a label key of a cluster
    without a label in force (its status is NOT_YET_LABELLED)."""
    if key == "PORTFOLIO":
        return "$portfolio"
    if key == "LABEL_LEVEL":
        return {"$cond": [_IS_LABELLED, f"{_LABEL}.level", None]}
    if key == "LABEL_STATUS":
        return status_expression(_VALID_UNTIL, as_of, _LABELLED)
    if key == "EXPIRY_YEAR":
        # `$ifNull` first: `$year` of a missing date is an error, even in an unused branch.
        year = {"$year": {"$ifNull": [_VALID_UNTIL, to_stored(as_of)]}}
        return {"$cond": [_IS_LABELLED, year, None]}
    return "$country"


_STATUS_ORDER: dict[str, int] = {status: i for i, status in enumerate(STATUSES)}


def group_order(key: GroupKey, value: Any) -> Any:
    """Sort key of a group's value: portfolio name, level (BRONZE to GOLD), status (VALID to
    NOT_YET_LABELLED), year, country; a missing value last."""
    if key == "LABEL_LEVEL":
        return LEVEL_RANK.get(value or "", 9)
    if key == "LABEL_STATUS":
        return _STATUS_ORDER.get(value or "", 9)
    if key == "EXPIRY_YEAR":
        return value if value is not None else 99999
    return (value is None, value or "")


def _sort_key(row: ClusterGroupRow, keys: Sequence[GroupKey]) -> tuple[Any, ...]:
    values: dict[GroupKey, Any] = {
        "PORTFOLIO": row.portfolio_name,
        "LABEL_LEVEL": row.label_level,
        "LABEL_STATUS": row.label_status,
        "EXPIRY_YEAR": row.expiry_year,
        "COUNTRY": row.country,
    }
    return tuple(group_order(key, values[key]) for key in keys)


async def cluster_groups(
    db: Database, match: Mapping[str, Any], as_of: date, keys: Sequence[GroupKey]
) -> list[ClusterGroupRow]:
    """Non-empty groups of matching clusters by `keys` (duplicates ignored), one pipeline.

    With no key, exactly one group counts every matching cluster (0 if nothing matches).
    Groups are sorted by the keys in the order given (see `group_order`).
    """
    keys = list(dict.fromkeys(keys))
    group_id = {key: _group_key_expression(key, as_of) for key in keys}
    pipeline: list[dict[str, Any]] = [{"$match": dict(match)}]
    if any(key in group_id for key in ("LABEL_LEVEL", "LABEL_STATUS", "EXPIRY_YEAR")):
        pipeline += in_force_stages(as_of)
    pipeline.append(
        {
            "$group": {
                # A constant key when nothing is grouped: `{}` groups everything on both engines.
                "_id": group_id or None,
                "count": {"$sum": 1},
                "portfolioName": {"$first": "$portfolioName"},
            }
        }
    )
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


# --- facets of the cluster connection ------------------------------------------------------


@dataclass(frozen=True)
class FacetRow:
    """One value of a facet and the number of clusters with it; `name` is a portfolio's."""

    value: Any
    count: int
    name: str | None = None


async def cluster_facets(
    db: Database,
    base: Mapping[str, Any],
    matches: Mapping[GroupKey, Mapping[str, Any]],
    as_of: date,
    *,
    total: Mapping[str, Any] | None = None,
) -> tuple[dict[GroupKey, list[FacetRow]], int | None]:
    """Counts per value of each key in `matches`, over the clusters matching `base` and that
    key's own `$match` (the filter without its own condition), and the number of clusters
    matching `base` and `total` when given: one `$facet` pipeline.

    Values are sorted as `group_order` sorts groups; values with no cluster (and, for the
    label keys, clusters with no label in force) are left out.
    """
    facets: dict[str, list[dict[str, Any]]] = {}
    if total is not None:
        facets["_total"] = [
            {"$match": dict(total)},
            {"$group": {"_id": None, "count": {"$sum": 1}}},
        ]
    if not facets and not matches:
        return {}, None
    for key, match in matches.items():
        facets[key] = [
            {"$match": dict(match)},
            {
                "$group": {
                    "_id": _group_key_expression(key, as_of),
                    "count": {"$sum": 1},
                    "name": {"$first": "$portfolioName"},
                }
            },
        ]
    pipeline: list[dict[str, Any]] = [
        {"$match": dict(base)},
        *in_force_stages(as_of),
        {"$facet": facets},
    ]
    found = await db[CLUSTERS].aggregate(pipeline).to_list(None)
    counted = sum(g["count"] for g in found[0].get("_total", [])) if found else 0
    result: dict[GroupKey, list[FacetRow]] = {}
    for key in matches:
        rows = [
            FacetRow(
                value=group.get("_id"),
                count=group["count"],
                name=group.get("name") if key == "PORTFOLIO" else None,
            )
            for group in (found[0].get(key, []) if found else [])
            if group["count"] > 0 and group.get("_id") is not None
        ]
        result[key] = sorted(rows, key=partial(_facet_order, key))
    return result, (counted if total is not None else None)


def _facet_order(key: GroupKey, row: FacetRow) -> Any:
    return group_order(key, row.name if key == "PORTFOLIO" else row.value)
