"""Every directory query is served by a declared index in index order.

The shapes are enumerated from what the store can emit: `ClusterFilter` fields (alone and
in pairs, one value and several; label conditions are `$elemMatch` on the history),
search, the portfolio scope of `Portfolio.clusters`, every order `orderBy` accepts (found
by offering `sort_plan` every list of one to three keys, repeats included) in every
direction, forwards and backwards, with and without a cursor in every segment (RELEVANCE
with a search reads two), and the `hasPreviousPage` probes. Each is held against `INDEXES`
by the equality-sort-range rule: some index must be equality fields of the query, then
exactly the sort (or the sort reversed), so MongoDB reads it in order, never sorting in
memory. On a real server (`mongodb` marker) the shapes go through `explain`.

The API accepts no other order (`schema.store.clusters.ORDERS`): the test fails if an
accepted order, in any direction, with any filter, goes without an index.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import pytest

from schema.errors import BadUserInput
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


def _accepted(keys: tuple[OrderKey, ...]) -> bool:
    try:
        sort_plan([(key, False) for key in keys], "nov log")
    except BadUserInput:
        return False
    return True


# Every list of one to three keys, repeats included, offered to the store's check.
CANDIDATES: list[tuple[OrderKey, ...]] = [
    keys for length in (1, 2, 3) for keys in itertools.product(ORDER_KEYS, repeat=length)
]
# The orders `orderBy` accepts: the ones enumerated below.
ACCEPTED = [keys for keys in CANDIDATES if _accepted(keys)]


def _directions(order: tuple[OrderKey, ...]) -> Iterator[list[tuple[OrderKey, bool]]]:
    for directions in itertools.product((False, True), repeat=len(order)):
        yield list(zip(order, directions, strict=True))


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
        for keys in ACCEPTED:
            for order in _directions(keys):
                yield from _shapes_of(f"{fname}|{search}|{scope}", match, order, search)


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


def test_the_api_accepts_exactly_the_declared_orders() -> None:
    assert sorted(ACCEPTED) == sorted(ORDERS)
    # Every key alone, and two pairs; no key twice, no three keys, RELEVANCE alone.
    assert {keys for keys in ACCEPTED if len(keys) == 1} == {(key,) for key in ORDER_KEYS}
    assert {keys for keys in ACCEPTED if len(keys) > 1} == {
        ("PORTFOLIO", "NAME"),
        ("PORTFOLIO", "VALID_UNTIL"),
    }


def test_the_enumeration_covers_the_store() -> None:
    assert len(ALL_SHAPES) > 10000
    assert {shape.order for shape in ALL_SHAPES} == set(ORDERS)
    # Both directions of each key: a pair in all four combinations.
    sorts = {(shape.order, tuple(d for _, d in shape.sort[:-1])) for shape in ALL_SHAPES}
    assert (("PORTFOLIO", "NAME"), (1, -1)) in sorts
    assert (("PORTFOLIO", "NAME"), (-1, 1)) in sorts


def test_every_accepted_order_is_read_in_index_order() -> None:
    # With every filter, search, scope, direction and cursor: no exception.
    assert [shape.name for shape in ALL_SHAPES if not serving_indexes(shape)] == []


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


@pytest.mark.parametrize(
    "order",
    [
        pytest.param([("NAME", False), ("COUNTRY", False)], id="pair"),
        pytest.param([("NAME", False), ("PORTFOLIO", False)], id="pair-reversed"),
        pytest.param([("PORTFOLIO", False), ("NAME", True), ("COUNTRY", False)], id="three"),
        pytest.param([("NAME", False), ("NAME", True)], id="twice"),
        pytest.param([("RELEVANCE", False), ("NAME", False)], id="relevance-then"),
    ],
)
def test_an_order_no_index_serves_is_refused(order: list[tuple[OrderKey, bool]]) -> None:
    keys = ", ".join(key for key, _ in order)
    with pytest.raises(BadUserInput) as refused:
        sort_plan(order, "pole")
    assert refused.value.message == (
        f"orderBy [{keys}] is not supported: use one key, or PORTFOLIO then NAME, "
        "or PORTFOLIO then VALID_UNTIL"
    )


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
