"""Grouped counts over the clusters on a date: one pipeline each (`labelTimeline`, over the
label history, is in `schema.store.timeline`).

Every function takes the `$match` stage built from a `ClusterWhere` (see
`schema.store.filters`), runs exactly one aggregation, and folds the rows in Python. On the
embedded store (`db.in_process`), `portfolio_stats` and `cluster_groups` instead read the
few fields they need with one projected `find` and compute the same groups in Python (see
`_in_force`), since mongomock interprets every expression of a pipeline for every document;
a stored value that path does not read sends the request to the pipeline. Pipelines stay
inside the operators that MongoDB and mongomock both implement (`$match`, `$addFields`,
`$filter`, `$arrayElemAt`, `$size`, `$facet`, `$group` with `$sum`, `$min`, `$max`,
`$first`, `$switch`, `$cond`, `$year`, `$project`), so the embedded store and a real server
give identical answers.

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
from datetime import date, datetime, timedelta
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
    for status, below in _status_thresholds(as_of):
        branches.append({"case": {"$lt": [valid_until, below]}, "then": status})
    return {"$switch": {"branches": branches, "default": "VALID"}}


def _status_thresholds(as_of: date) -> list[tuple[Status, datetime]]:
    """`(status, end)` from the oldest status to the newest: a validUntil before `end` (and
    not before an earlier entry's) has `status` on `as_of`; a later one is VALID."""
    thresholds: list[tuple[Status, datetime]] = []
    for status in ("EXPIRED", "RENEWABLE", "EXPIRING_SOON"):
        _, highest = status_bounds(status, as_of)
        assert highest is not None  # only VALID is open-ended above
        thresholds.append((status, to_stored(highest + timedelta(days=1))))
    return thresholds


# --- the same, in Python, for the in-process store -------------------------------------------
#
# The embedded store (`db.in_process`) interprets a pipeline expression by expression for
# every document and copies each whole document into it; there, the aggregates read the
# few fields they need with a projected `find` and compute the same groups in Python with
# the rules the stages above express. A document these functions do not know how to read
# the way the pipeline would (a history that is not a list of entries with dates, a label
# field of another type) raises `_Unsupported`, and the pipeline answers instead.

# The fields of a cluster the aggregates read.
_PROJECTION = {"portfolio": 1, "portfolioName": 1, "country": 1, "history": 1}
# A field absent from a document: grouped apart from null, as `$group` does.
_MISSING: Any = object()


class _Unsupported(Exception):
    """A stored value the in-process path does not read: the pipeline answers instead."""


@dataclass(frozen=True)
class _InForce:
    """What the stages of `in_force_stages` and `status_expression` give for one cluster."""

    labelled: bool
    level: str | None = None
    valid_until: datetime | None = None
    status: str = "NOT_YET_LABELLED"


def _in_force(doc: Mapping[str, Any], day: datetime, thresholds: Sequence[Any]) -> _InForce:
    """The first history entry with `awardedOn <= day <= inForceUntil` (the `$filter` and
    `$arrayElemAt` of `in_force_stages`) and its status (`status_expression`)."""
    history = doc.get("history")
    if history is None:  # `$ifNull`: no history, no label in force
        return _InForce(labelled=False)
    if type(history) is not list:
        raise _Unsupported
    for entry in history:
        if type(entry) is not dict:
            raise _Unsupported
        awarded, until = entry.get("awardedOn"), entry.get("inForceUntil")
        if type(awarded) is not datetime or type(until) is not datetime:
            raise _Unsupported
        if awarded <= day <= until:
            level, valid_until = entry.get("level"), entry.get("validUntil")
            if type(level) is not str or type(valid_until) is not datetime:
                raise _Unsupported
            status = "VALID"
            for name, below in thresholds:
                if valid_until < below:
                    status = name
                    break
            return _InForce(True, level, valid_until, status)
    return _InForce(labelled=False)


def _plain(doc: Mapping[str, Any], key: str) -> Any:
    """A top-level string field as `$group` tells it apart: missing (`_MISSING`), null or a
    string; another type raises `_Unsupported`."""
    value = doc.get(key, _MISSING)
    if value is _MISSING or value is None or type(value) is str:
        return value
    raise _Unsupported


async def _projected_clusters(db: Database, match: Mapping[str, Any]) -> list[dict[str, Any]]:
    return await db[CLUSTERS].find(dict(match), _PROJECTION).to_list(None)


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
    if getattr(db, "in_process", False):
        try:
            return _portfolio_rows_in_process(
                portfolios, await _projected_clusters(db, match), as_of, window_start, window_end
            )
        except _Unsupported:
            pass  # the pipeline reads what the projection did not: a further round trip
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
    return _by_name(rows)


def _by_name(rows: Mapping[Any, PortfolioRow]) -> list[PortfolioRow]:
    return sorted(rows.values(), key=lambda r: (r.portfolio["name"], r.portfolio["_id"]))


def _portfolio_rows_in_process(
    portfolios: Sequence[PortfolioDoc],
    clusters: Sequence[Mapping[str, Any]],
    as_of: date,
    window_start: datetime,
    window_end: datetime,
) -> list[PortfolioRow]:
    """`portfolio_stats`'s rows from the projected clusters, computed in Python."""
    day, thresholds = to_stored(as_of), _status_thresholds(as_of)
    rows = {doc["_id"]: PortfolioRow(portfolio=doc) for doc in portfolios}
    ends: dict[str, list[datetime]] = {}
    for doc in clusters:
        portfolio = _plain(doc, "portfolio")
        label = _in_force(doc, day, thresholds)
        row = rows.get(portfolio) if type(portfolio) is str else None
        if row is None:  # a cluster whose portfolio document is missing: not listed
            continue
        row.cluster_count += 1
        row.by_status[label.status] += 1
        if label.labelled and label.level is not None and label.valid_until is not None:
            row.by_level[label.level] += 1
            ends.setdefault(portfolio, []).append(label.valid_until)
            if window_start <= label.valid_until < window_end:
                row.expiring_within_window += 1
    for portfolio, found in ends.items():
        rows[portfolio].earliest_valid_until = min(found).date()
        rows[portfolio].latest_valid_until = max(found).date()
    return _by_name(rows)


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
    # Then every field, so that groups the keys' order ties (two portfolios of one name,
    # missing and null values, unknown levels) come in one order whatever the engine's.
    ties = (
        row.portfolio,
        row.label_level,
        row.label_status,
        row.expiry_year,
        row.country,
        row.portfolio_name,
    )
    return (
        *(group_order(key, values[key]) for key in keys),
        *((value is None, str(value) if value is not None else "") for value in ties),
        row.count,
    )


async def cluster_groups(
    db: Database, match: Mapping[str, Any], as_of: date, keys: Sequence[GroupKey]
) -> list[ClusterGroupRow]:
    """Non-empty groups of matching clusters by `keys` (duplicates ignored), one pipeline.

    With no key, exactly one group counts every matching cluster (0 if nothing matches).
    Groups are sorted by the keys in the order given (see `group_order`).
    """
    keys = list(dict.fromkeys(keys))
    if getattr(db, "in_process", False):
        try:
            rows = _cluster_groups_in_process(await _projected_clusters(db, match), as_of, keys)
            return _ordered_groups(rows, keys)
        except _Unsupported:
            pass  # the pipeline reads what the projection did not: a further round trip
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
    return _ordered_groups(rows, keys)


def _ordered_groups(rows: list[ClusterGroupRow], keys: Sequence[GroupKey]) -> list[ClusterGroupRow]:
    # mongomock returns a zero-count group for a constant key over no documents; MongoDB
    # returns nothing. Both become: no empty groups, and always one total without keys.
    rows = [row for row in rows if row.count > 0]
    if not keys and not rows:
        rows = [ClusterGroupRow(count=0)]
    return sorted(rows, key=lambda row: _sort_key(row, keys))


def _cluster_groups_in_process(
    clusters: Sequence[Mapping[str, Any]], as_of: date, keys: Sequence[GroupKey]
) -> list[ClusterGroupRow]:
    """`cluster_groups`'s groups from the projected clusters, computed in Python: the same
    key values as `_group_key_expression`, a missing field grouped apart from null."""
    day, thresholds = to_stored(as_of), _status_thresholds(as_of)
    labels = any(key in keys for key in ("LABEL_LEVEL", "LABEL_STATUS", "EXPIRY_YEAR"))
    groups: dict[tuple[Any, ...], list[Any]] = {}  # key -> [count, first portfolioName]
    for doc in clusters:
        label = _in_force(doc, day, thresholds) if labels else None
        values = []
        for key in keys:
            if key == "PORTFOLIO":
                values.append(_plain(doc, "portfolio"))
            elif key == "COUNTRY":
                values.append(_plain(doc, "country"))
            elif label is None:
                raise AssertionError(key)  # `labels` is true for the other keys
            elif key == "LABEL_LEVEL":
                values.append(label.level)
            elif key == "LABEL_STATUS":
                values.append(label.status)
            else:
                values.append(label.valid_until.year if label.valid_until else None)
        group = groups.get(tuple(values))
        if group is None:
            groups[tuple(values)] = [1, doc.get("portfolioName")]
        else:
            group[0] += 1
    rows = []
    for group_values, (count, name) in groups.items():
        found = {
            key: (None if value is _MISSING else value)
            for key, value in zip(keys, group_values, strict=True)
        }
        rows.append(
            ClusterGroupRow(
                count=count,
                portfolio=found.get("PORTFOLIO"),
                portfolio_name=name if "PORTFOLIO" in keys else None,
                label_level=found.get("LABEL_LEVEL"),
                label_status=found.get("LABEL_STATUS"),
                expiry_year=found.get("EXPIRY_YEAR"),
                country=found.get("COUNTRY"),
            )
        )
    return rows


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
