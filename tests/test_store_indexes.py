"""Every directory query is served by a declared index in index order, but the orders
listed in `KNOWN_UNSERVED`.

The shapes are enumerated from what the store can emit: `ClusterFilter` fields (alone and
in pairs, one value and several; label conditions are `$elemMatch` on the history),
search, the portfolio scope of `Portfolio.clusters`, every order of one or two keys
(`orderBy` takes a list; RELEVANCE only first) in every direction, forwards and backwards,
with and without a cursor in every segment (RELEVANCE with a search reads two), and the
`hasPreviousPage` probes. Each is held against `INDEXES` by the equality-sort-range rule:
some index must be equality fields of the query, then exactly the sort (or the sort
reversed), so MongoDB reads it in order, never sorting in memory. On a real server
(`mongodb` marker) the served shapes go through `explain`.

Orders of two keys other than `schema.store.clusters.ORDERS` are accepted but sorted in
memory (an index for each would be dozens more): `KNOWN_UNSERVED` names each of them, and
the test fails if one more order, or one fewer, goes without an index.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import pytest

from schema.store.clusters import ORDER_KEYS, ORDERS, OrderKey, sort_plan
from schema.store.documents import CLUSTERS, Database
from schema.store.filters import ClusterFilter, cluster_match
from schema.store.indexes import INDEXES, ensure_indexes
from schema.store.pages import PageArgs, SortKey, encode_cursor, page_queries, page_query
from seed.generate import generated_input
from seed.loader import load

ON = date(2014, 2, 20)

FILTERS: dict[str, ClusterFilter | None] = {
    "none": None,
    "portfolio": ClusterFilter(portfolio=["ict"]),
    "portfolios": ClusterFilter(portfolio=["ict", "biotechnology"]),
    "level": ClusterFilter(label_level=["GOLD"]),
    "status": ClusterFilter(label_status=["VALID", "EXPIRING_SOON"]),
    "not-yet": ClusterFilter(label_status=["NOT_YET_LABELLED"]),
    "valid-until": ClusterFilter(valid_until=(date(2014, 1, 1), date(2016, 1, 1))),
    "country": ClusterFilter(country=["DE"]),
    "and": ClusterFilter(and_=[ClusterFilter(portfolio=["ict"]), ClusterFilter(country=["FR"])]),
    "or": ClusterFilter(or_=[ClusterFilter(country=["DE"]), ClusterFilter(portfolio=["ict"])]),
    "not": ClusterFilter(not_=ClusterFilter(portfolio=["ict"])),
}
SINGLE = [name for name in FILTERS if name not in ("none", "and", "or", "not")]


def _combined(a: ClusterFilter, b: ClusterFilter) -> ClusterFilter:
    return ClusterFilter(and_=[a, b])


def _filters() -> Iterator[tuple[str, ClusterFilter | None]]:
    yield from FILTERS.items()
    for a, b in itertools.combinations(SINGLE, 2):
        first, second = FILTERS[a], FILTERS[b]
        assert first is not None
        assert second is not None
        yield f"{a}+{b}", _combined(first, second)


def _pairs() -> Iterator[tuple[OrderKey, ...]]:
    """Every order of one or two distinct keys the API accepts (RELEVANCE only first)."""
    keys = list(ORDER_KEYS)
    yield from ((key,) for key in keys)
    for first, second in itertools.permutations(keys, 2):
        if second != "RELEVANCE":
            yield first, second


def _directions(order: tuple[OrderKey, ...]) -> Iterator[list[tuple[OrderKey, bool]]]:
    for directions in itertools.product((False, True), repeat=len(order)):
        yield list(zip(order, directions, strict=True))


# Orders no index reads in order: sorted in memory by MongoDB, each way. Every pair of keys
# but PORTFOLIO then NAME or VALID_UNTIL, and RELEVANCE then NAME (which is RELEVANCE).
KNOWN_UNSERVED: frozenset[tuple[str, ...]] = frozenset(
    {
        ("NAME", "VALID_UNTIL"),
        ("NAME", "PORTFOLIO"),
        ("NAME", "AWARDED_ON"),
        ("NAME", "COUNTRY"),
        ("NAME", "LABEL_LEVEL"),
        ("VALID_UNTIL", "NAME"),
        ("VALID_UNTIL", "PORTFOLIO"),
        ("VALID_UNTIL", "AWARDED_ON"),
        ("VALID_UNTIL", "COUNTRY"),
        ("VALID_UNTIL", "LABEL_LEVEL"),
        ("PORTFOLIO", "AWARDED_ON"),
        ("PORTFOLIO", "COUNTRY"),
        ("PORTFOLIO", "LABEL_LEVEL"),
        ("AWARDED_ON", "NAME"),
        ("AWARDED_ON", "VALID_UNTIL"),
        ("AWARDED_ON", "PORTFOLIO"),
        ("AWARDED_ON", "COUNTRY"),
        ("AWARDED_ON", "LABEL_LEVEL"),
        ("COUNTRY", "NAME"),  # served when both keys go the same way (in_country_by_name)
        ("COUNTRY", "VALID_UNTIL"),
        ("COUNTRY", "PORTFOLIO"),
        ("COUNTRY", "AWARDED_ON"),
        ("COUNTRY", "LABEL_LEVEL"),
        ("LABEL_LEVEL", "NAME"),
        ("LABEL_LEVEL", "VALID_UNTIL"),
        ("LABEL_LEVEL", "PORTFOLIO"),
        ("LABEL_LEVEL", "AWARDED_ON"),
        ("LABEL_LEVEL", "COUNTRY"),
        ("RELEVANCE", "VALID_UNTIL"),
        ("RELEVANCE", "PORTFOLIO"),
        ("RELEVANCE", "AWARDED_ON"),
        ("RELEVANCE", "COUNTRY"),
        ("RELEVANCE", "LABEL_LEVEL"),
    }
)


@dataclass(frozen=True)
class Shape:
    name: str
    order: tuple[str, ...]
    filter: dict[str, Any]
    sort: list[tuple[str, int]]


def _sample(keys: list[SortKey]) -> dict[str, Any]:
    """A stored cluster to make a cursor of, for the keys of an order."""
    doc: dict[str, Any] = {
        "_id": "m",
        "label": {"validUntil": datetime(2014, 1, 1), "awardedOn": datetime(2011, 1, 1)},
    }
    doc.update(nameKey="m", portfolioName="M", country="FR")
    doc["label"]["levelRank"] = 2
    return doc


def _shapes_of(
    label: str, match: dict[str, Any], order: list[tuple[OrderKey, bool]], search: str | None
) -> Iterator[Shape]:
    plan = sort_plan(order, search)
    sample = _sample(plan.keys)
    cursors = [
        encode_cursor(plan.keys, sample, segment=segment, segments=plan.segments)
        for segment in range(len(plan.segments))
    ]
    arguments = [PageArgs(20, None, None, None), PageArgs(None, None, 20, None)]
    for cursor in cursors:
        arguments += [PageArgs(20, cursor, None, None), PageArgs(None, None, 20, cursor)]
    for args in arguments:
        for segment, query in enumerate(page_queries(match, plan.keys, args, plan.segments)):
            name = f"{label}|{order}|{args}|segment {segment}"
            yield Shape(name, tuple(key for key, _ in order), query.filter, query.sort)
            if query.behind is not None:
                yield Shape(
                    f"{name}|behind",
                    tuple(key for key, _ in order),
                    query.behind,
                    query.behind_sort,
                )


def shapes() -> Iterator[Shape]:
    for (fname, where), search, scope in itertools.product(
        _filters(), (None, "nov log"), (None, "ict")
    ):
        match = cluster_match(where, ON, search, portfolio=scope)
        for keys in _pairs():
            if keys not in ORDERS and keys not in KNOWN_UNSERVED and len(keys) > 1:
                continue  # RELEVANCE then NAME: checked below with the unserved ones
            if keys in KNOWN_UNSERVED and (fname, scope) != ("none", None):
                continue  # unserved whatever the filter: one filter is enough to show it
            for order in _directions(keys):
                yield from _shapes_of(f"{fname}|{search}|{scope}", match, order, search)
    for search in (None, "nov log"):
        match = cluster_match(None, ON, search)
        for order in _directions(("RELEVANCE", "NAME")):
            yield from _shapes_of(f"none|{search}|None", match, order, search)


def _clauses(query: dict[str, Any]) -> Iterator[dict[str, Any]]:
    if set(query) == {"$and"}:
        for clause in query["$and"]:
            yield from _clauses(clause)
    elif query:
        yield query


def equality_fields(query: dict[str, Any]) -> set[str]:
    """Fields the query holds equal to one value or to one of a list (`$in`): MongoDB
    reads an index prefix of them in sort order (several values merge sorted runs)."""
    fields = set()
    for clause in _clauses(query):
        for field, condition in clause.items():
            if field.startswith("$"):
                continue
            if not isinstance(condition, dict) or set(condition) == {"$in"}:
                fields.add(field)
    return fields


def serving_indexes(shape: Shape) -> list[tuple[str, int]]:
    """(index name, number of equality fields it leads with) for every index that reads
    the shape in its sort order."""
    equal = equality_fields(shape.filter)
    reverse = [(field, -direction) for field, direction in shape.sort]
    found = []
    for model in INDEXES[CLUSTERS]:
        keys = list(model.document["key"].items())
        for prefix in range(len(keys) + 1):
            if not {field for field, _ in keys[:prefix]} <= equal:
                break
            rest = keys[prefix : prefix + len(shape.sort)]
            if rest in (shape.sort, reverse):
                found.append((model.document["name"], prefix))
    return found


ALL_SHAPES = list(shapes())


def test_the_enumeration_covers_the_store() -> None:
    assert len(ALL_SHAPES) > 5000
    orders = {shape.order for shape in ALL_SHAPES}
    assert set(ORDERS) <= orders
    assert orders >= KNOWN_UNSERVED
    # Every key alone, and every pair in which RELEVANCE comes first if at all.
    keys = len(ORDER_KEYS)
    assert len(orders) == keys + keys * (keys - 1) - (keys - 1)


def test_every_shape_is_read_in_index_order_but_the_known_exceptions() -> None:
    unserved = {shape.order for shape in ALL_SHAPES if not serving_indexes(shape)}
    assert unserved == KNOWN_UNSERVED
    # ORDERS (and RELEVANCE then NAME) are served with every filter, search and cursor.
    served = [shape for shape in ALL_SHAPES if shape.order not in KNOWN_UNSERVED]
    assert [shape.name for shape in served if not serving_indexes(shape)] == []
    # An unserved order is unserved in every direction and on every side of a cursor, but
    # COUNTRY then NAME when both go the same way: `in_country_by_name` reads it.
    partly = {
        (shape.order, tuple(direction for _, direction in shape.sort))
        for shape in ALL_SHAPES
        if shape.order in KNOWN_UNSERVED and serving_indexes(shape)
    }
    assert partly == {(("COUNTRY", "NAME"), (1, 1, 1)), (("COUNTRY", "NAME"), (-1, -1, -1))}


def test_every_order_of_orders_is_offered_and_served() -> None:
    assert not set(ORDERS) & KNOWN_UNSERVED


@pytest.mark.parametrize(
    ("where", "order", "index"),
    [
        pytest.param("portfolio", "NAME", "in_portfolio_by_name", id="portfolio+name"),
        pytest.param(
            "portfolio", "VALID_UNTIL", "in_portfolio_by_valid_until", id="portfolio+valid-until"
        ),
        pytest.param("country", "NAME", "in_country_by_name", id="country+name"),
    ],
)
def test_equality_filters_lead_their_index(where: str, order: OrderKey, index: str) -> None:
    for descending in (False, True):
        keys = sort_plan([(order, descending)]).keys
        match = cluster_match(FILTERS[where], ON)
        query = page_query(match, keys, PageArgs(20, None, None, None))
        shape = Shape(where, (order,), query.filter, query.sort)
        assert (index, 1) in serving_indexes(shape)


def test_every_declared_cluster_index_serves_some_shape() -> None:
    used = {name for shape in ALL_SHAPES for name, _ in serving_indexes(shape)}
    declared = {model.document["name"] for model in INDEXES[CLUSTERS]}
    # The loader's lookups, and the history's indexes, for the `$elemMatch` of the label
    # conditions (a range: never a sort).
    assert declared - used == {
        "natural_key_unique",
        "by_history_valid_until",
        "by_history_level",
    }


def test_the_tie_breaker_follows_the_last_key() -> None:
    keys = sort_plan([("VALID_UNTIL", True)]).keys
    query = page_query({}, keys, PageArgs(20, None, None, None))
    assert query.sort == [("label.validUntil", -1), ("_id", -1)]
    backwards = page_query({}, keys, PageArgs(None, None, 20, None))
    assert backwards.sort == [("label.validUntil", 1), ("_id", 1)]


def test_an_order_no_index_serves_is_still_accepted() -> None:
    plan = sort_plan([("NAME", False), ("PORTFOLIO", False)])
    assert [key.path for key in plan.keys] == ["nameKey", "portfolioName"]
    assert ("NAME", "PORTFOLIO") in KNOWN_UNSERVED


# --- on a real server ----------------------------------------------------------------------


def _stages(plan: dict[str, Any]) -> Iterator[str]:
    yield plan.get("stage", "")
    for child in ("inputStage", "queryPlan"):
        if isinstance(plan.get(child), dict):
            yield from _stages(plan[child])
    for sub in plan.get("inputStages", []):
        yield from _stages(sub)


@pytest.mark.anyio
@pytest.mark.mongodb
async def test_explain_shows_an_index_scan_and_no_blocking_sort(mongodb: Database) -> None:
    await load(mongodb, generated_input(300, sample_interviews=False))
    await ensure_indexes(mongodb)
    # One shape per (filter, order, direction, cursor side): the search and scope
    # variants change only the residual filter.
    seen: set[str] = set()
    for shape in ALL_SHAPES:
        if shape.order in KNOWN_UNSERVED:
            continue  # sorted in memory, as listed
        key = shape.name.split("|")[0] + "|".join(shape.name.split("|")[3:])
        if key in seen:
            continue
        seen.add(key)
        explained = await mongodb[CLUSTERS].find(shape.filter).sort(shape.sort).limit(21).explain()
        stages = list(_stages(explained["queryPlanner"]["winningPlan"]))
        assert "IXSCAN" in stages, (shape.name, stages)
        assert "SORT" not in stages, (shape.name, stages)


@pytest.mark.anyio
async def test_ensure_indexes_drops_the_ones_no_query_uses(db: Database) -> None:
    await db[CLUSTERS].create_index([("label.level", 1)], name="by_label_level")
    await ensure_indexes(db)
    await ensure_indexes(db)  # idempotent
    names = {index["name"] async for index in db[CLUSTERS].list_indexes()}
    assert names == {"_id_"} | {model.document["name"] for model in INDEXES[CLUSTERS]}
