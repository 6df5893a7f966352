"""mongomock's faster paths (`api.mongomock_speedups`) answer what mongomock's own answer,
in the same order: sorts on generated documents of mixed types (missing, null, numbers,
strings, booleans, datetimes, arrays, documents), pages with skip and limit, aggregates
that start with `$match`, `$in` and `$nin` filters, filters compiled once per query,
copies of what a query returns."""

from __future__ import annotations

import operator
import random
import re
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, cast

import mongomock
import pytest
from mongomock import aggregate as mongomock_aggregate
from mongomock import collection as mongomock_collection
from mongomock import filtering as mongomock_filtering

from api import mongomock_speedups

NAMES = ["Aéro", "aero", "Zeta", "zeta", "Éco", "", "10", "9", "ß", "日本"]


def _value(rng: random.Random) -> Any:
    kind = rng.randrange(10)
    if kind == 0:
        return None
    if kind == 1:
        return rng.randrange(-5, 5)
    if kind == 2:
        return rng.choice([0.5, -1.25, 3.0, 2])
    if kind == 3:
        return rng.choice([True, False])
    if kind == 4:
        return datetime(2014, 3, 1) + timedelta(days=rng.randrange(-3, 3))
    if kind == 5:
        return [rng.randrange(3), rng.randrange(3)] if rng.random() < 0.8 else []
    if kind == 6:
        return {"x": rng.randrange(3)}
    return rng.choice(NAMES)


def _documents(seed: int, mixed: bool) -> list[dict[str, Any]]:
    """200 documents; `mixed`: any type anywhere, else the types the API stores."""
    rng = random.Random(seed)
    documents = []
    for i in range(200):
        document: dict[str, Any] = {"_id": f"c{i:03d}", "portfolio": f"p{rng.randrange(4)}"}
        if mixed:
            for key in ("a", "b"):
                if rng.random() < 0.9:
                    document[key] = _value(rng)
            document["label"] = {"end": _value(rng)} if rng.random() < 0.8 else _value(rng)
        else:
            document["a"] = rng.choice(NAMES)
            document["b"] = rng.randrange(5) if rng.random() < 0.9 else None
            document["label"] = {"end": datetime(2014, 1, 1) + timedelta(days=rng.randrange(9))}
        documents.append(document)
    return documents


@pytest.fixture(autouse=True)
def installed() -> None:
    assert mongomock_speedups.install()


def _own(monkeypatch: pytest.MonkeyPatch) -> None:
    """mongomock's own paths, for the expected answers."""
    originals = mongomock_speedups.ORIGINALS
    monkeypatch.setattr(
        mongomock_collection.Cursor, "_compute_results", originals["_compute_results"]
    )
    monkeypatch.setattr(mongomock_collection.Collection, "_get_dataset", originals["_get_dataset"])
    monkeypatch.setattr(mongomock_collection.Collection, "aggregate", originals["aggregate"])
    monkeypatch.setattr(mongomock_filtering, "bson_compare", originals["bson_compare"])
    monkeypatch.setitem(mongomock_aggregate._PIPELINE_HANDLERS, "$group", originals["$group"])
    monkeypatch.setattr(mongomock_collection, "_copy_field", originals["_copy_field"])
    monkeypatch.setattr(
        mongomock_collection.Collection, "_copy_only_fields", originals["_copy_only_fields"]
    )
    operators: Any = cast(Any, mongomock_filtering)._filterer_inst._operator_map
    monkeypatch.setitem(operators, "$in", originals["$in"])
    monkeypatch.setitem(operators, "$nin", originals["$nin"])
    monkeypatch.setattr(
        mongomock_collection.Collection, "_iter_documents", originals["_iter_documents"]
    )


def _both(
    monkeypatch: pytest.MonkeyPatch, documents: list[dict[str, Any]], read: Callable[[Any], Any]
) -> tuple[Any, Any]:
    collection: Any = mongomock.MongoClient(tz_aware=False).db.c
    collection.insert_many(documents)

    def outcome() -> Any:
        try:
            return read(collection)
        except Exception as error:
            return ("raised", type(error).__name__)

    fast = outcome()
    with monkeypatch.context() as patch:
        _own(patch)
        own = outcome()
    return fast, own


SORTS = [
    [("a", 1), ("_id", 1)],
    [("a", -1), ("_id", -1)],
    [("b", 1), ("a", -1), ("_id", 1)],
    [("label.end", -1), ("_id", -1)],
    [("label.end", 1), ("_id", 1)],
    [("missing", 1), ("_id", -1)],
    [("$natural", -1)],
]


@pytest.mark.parametrize("mixed", [False, True], ids=["stored-types", "mixed-types"])
@pytest.mark.parametrize("sort", SORTS, ids=lambda s: ",".join(f"{k}:{d}" for k, d in s))
@pytest.mark.parametrize(("skip", "limit"), [(0, 0), (0, 21), (7, 21), (190, 21), (5, 0)])
@pytest.mark.parametrize("seed", range(3))
def test_a_sorted_page_is_the_same(
    monkeypatch: pytest.MonkeyPatch,
    mixed: bool,
    sort: list[tuple[str, int]],
    skip: int,
    limit: int,
    seed: int,
) -> None:
    def read(collection: Any) -> list[Any]:
        return list(collection.find({}).sort(sort).skip(skip).limit(limit))

    fast, own = _both(monkeypatch, _documents(seed, mixed), read)
    assert fast == own


@pytest.mark.parametrize("mixed", [False, True], ids=["stored-types", "mixed-types"])
def test_a_filtered_projected_page_and_its_count_are_the_same(
    monkeypatch: pytest.MonkeyPatch, mixed: bool
) -> None:
    def read(collection: Any) -> tuple[list[Any], list[Any], int]:
        cursor = collection.find({"portfolio": {"$in": ["p1", "p2"]}}, {"a": 1, "label": 1})
        page = list(cursor.sort([("a", 1), ("_id", 1)]).skip(3).limit(10))
        whole = list(collection.find({"portfolio": "p1"}))
        return page, whole, collection.count_documents({"portfolio": "p1"})

    fast, own = _both(monkeypatch, _documents(11, mixed), read)
    assert fast == own


def test_a_page_copies_its_documents(monkeypatch: pytest.MonkeyPatch) -> None:
    collection: Any = mongomock.MongoClient(tz_aware=False).db.c
    collection.insert_many(_documents(5, False))
    [first] = collection.find({}).sort([("a", 1), ("_id", 1)]).limit(1)
    first["a"] = "changed"
    [again] = collection.find({}).sort([("a", 1), ("_id", 1)]).limit(1)
    assert again["a"] != "changed"


PIPELINES = [
    [{"$match": {"portfolio": "p1"}}, {"$sort": {"_id": 1}}],
    [
        {"$match": {"b": {"$gte": 2}}},
        {"$group": {"_id": "$portfolio", "n": {"$sum": 1}}},
        {"$sort": {"_id": 1}},
    ],
    [{"$match": {"$or": [{"a": "Zeta"}, {"b": None}]}}, {"$project": {"a": 1}}],
    [{"$group": {"_id": "$portfolio", "n": {"$sum": 1}}}, {"$sort": {"_id": -1}}],
    [{"$match": {}}],
]


GROUPS: list[list[Any]] = [
    [{"$group": {"_id": "$a", "n": {"$sum": 1}, "first": {"$first": "$_id"}}}],
    [
        {
            "$group": {
                "_id": {"a": "$a", "end": "$label.end"},
                "n": {"$sum": 1},
                "ids": {"$push": "$_id"},
                "low": {"$min": "$b"},
            }
        }
    ],
    [{"$group": {"_id": {"$cond": [{"$gte": ["$b", 2]}, "$portfolio", None]}, "n": {"$sum": 1}}}],
    [{"$group": {"_id": None, "n": {"$sum": 1}, "last": {"$last": "$_id"}}}],
    [
        {"$facet": {"by": [{"$group": {"_id": "$portfolio", "n": {"$sum": 1}}}]}},
    ],
]


@pytest.mark.parametrize("mixed", [False, True], ids=["stored-types", "mixed-types"])
@pytest.mark.parametrize("pipeline", PIPELINES + GROUPS, ids=range(len(PIPELINES + GROUPS)))
def test_an_aggregate_is_the_same(
    monkeypatch: pytest.MonkeyPatch, pipeline: list[Any], mixed: bool
) -> None:
    def read(collection: Any) -> list[Any]:
        return list(collection.aggregate(pipeline))

    fast, own = _both(monkeypatch, _documents(7, mixed), read)
    assert fast == own


def test_bson_comparison_is_the_same() -> None:
    rng = random.Random(3)
    values = [_value(rng) for _ in range(60)] + [float("nan"), 1, 1.0, True, 0, False, "1"]
    own = mongomock_speedups.ORIGINALS["bson_compare"]
    fast: Any = mongomock_filtering.bson_compare
    for op in (operator.lt, operator.le, operator.eq, operator.ne, operator.ge, operator.gt):
        for a in values:
            for b in values:
                expected = own(op, a, b)
                assert fast(op, a, b) == expected, (op, a, b)


IN_FILTERS: list[dict[str, Any]] = [
    {"portfolio": {"$in": ["p1", "p3"]}},
    {"portfolio": {"$nin": ["p1", "p3"]}},
    {"a": {"$in": ["Zeta", "", "10"]}},
    {"a": {"$nin": ["Zeta", "", "10"]}},
    {"a": {"$in": ["Zeta", None]}},
    {"a": {"$in": ["Zeta", 2, True]}},
    {"a": {"$in": ["zeta", re.compile("^Z")]}},
    {"a": {"$in": []}},
    {"missing": {"$in": ["p1"]}},
    {"missing": {"$nin": ["p1"]}},
    {"label.end": {"$in": ["p1"]}},
    {"$or": [{"a": {"$in": ["Zeta"]}}, {"portfolio": {"$in": ["p0", "p2"]}}]},
    {"_id": {"$in": [f"c{i:03d}" for i in range(0, 200, 3)]}, "a": {"$nin": ["ß"]}},
]


@pytest.mark.parametrize("mixed", [False, True], ids=["stored-types", "mixed-types"])
@pytest.mark.parametrize("query", IN_FILTERS, ids=range(len(IN_FILTERS)))
def test_an_in_filter_is_the_same(
    monkeypatch: pytest.MonkeyPatch, query: dict[str, Any], mixed: bool
) -> None:
    def read(collection: Any) -> tuple[list[Any], list[Any]]:
        found = list(collection.find(query))
        aggregated = list(collection.aggregate([{"$match": query}, {"$project": {"a": 1}}]))
        return found, aggregated

    fast, own = _both(monkeypatch, _documents(13, mixed), read)
    assert fast == own


def test_an_in_list_changed_between_queries_is_read_again() -> None:
    collection: Any = mongomock.MongoClient(tz_aware=False).db.c
    collection.insert_many(_documents(17, False))
    wanted: list[Any] = ["p1"]
    first = {d["_id"] for d in collection.find({"portfolio": {"$in": wanted}})}
    wanted[0] = "p2"
    second = {d["_id"] for d in collection.find({"portfolio": {"$in": wanted}})}
    wanted.append(1)
    third = {d["_id"] for d in collection.find({"portfolio": {"$in": wanted}})}
    assert first
    assert second
    assert first.isdisjoint(second)
    assert second == third == {d["_id"] for d in collection.find({"portfolio": "p2"})}


def test_a_returned_document_is_a_copy_at_every_depth() -> None:
    collection: Any = mongomock.MongoClient(tz_aware=False).db.c
    stored = {"_id": 1, "h": [{"d": datetime(2020, 1, 1), "n": [1, 2]}], "m": {"k": "v"}}
    collection.insert_one(stored)
    reads: list[Callable[[], Any]] = [
        lambda: collection.find_one({}),
        lambda: collection.find_one({}, {"h": 1, "m": 1}),
        lambda: next(collection.aggregate([{"$match": {}}])),
    ]
    for read in reads:
        found = read()
        assert found == stored
        found["h"][0]["n"].append(3)
        found["h"][0]["d"] = None
        found["m"]["k"] = "changed"
        assert collection.find_one({}) == stored


@pytest.mark.parametrize("mixed", [False, True], ids=["stored-types", "mixed-types"])
def test_a_projection_is_the_same(monkeypatch: pytest.MonkeyPatch, mixed: bool) -> None:
    def one(collection: Any, projection: Any) -> Any:
        try:
            return list(collection.find({}, projection))
        except Exception as error:
            return ("raised", type(error).__name__)

    def read(collection: Any) -> list[Any]:
        return [
            one(collection, projection)
            for projection in (
                None,
                {},
                {"a": 1, "label": 1},
                {"label": True, "a": 1, "missing": 1},
                {"label.end": 1},
                {"a": 0},
                {"_id": 0, "b": 1},
                {"_id": False, "b": 0},
                {"a": 1, "b": 0},
                {"b": 1, "_id": 1},
                {"label": {"$elemMatch": {"end": {"$gte": 1}}}},
                {"a": 1, "h": {"$elemMatch": {"x": {"$gte": 1}}}, "_id": 0},
                {"h": {"$slice": 1}, "b": 1},
                {"a": 1, "h": {"$elemMatch": {"x": 2}, "$slice": 1}},
                {"a": 2},
                {"a": "yes"},
            )
        ]

    documents = _documents(19, mixed)
    rng = random.Random(19)
    for document in documents[::3]:
        document["h"] = [{"x": rng.randrange(3)} for _ in range(rng.randrange(4))]
    fast, own = _both(monkeypatch, documents, read)
    assert fast == own
    # The same values: in the same order, of the same types.
    assert repr(fast) == repr(own)


# --- filters compiled once per query -----------------------------------------------------

_OPERANDS: list[Any] = [
    "Zeta",
    "",
    "10",
    1,
    2.0,
    0.5,
    -3,
    True,
    None,
    float("nan"),
    datetime(2014, 3, 1),
    [1, 2],
    {"x": 1},
]


def _field_search(rng: random.Random) -> Any:
    kind = rng.randrange(9)
    operand = rng.choice(_OPERANDS)
    if kind == 0:
        return operand
    if kind == 1:
        return {"$in": rng.sample(NAMES, rng.randrange(1, 4))}
    if kind == 2:
        return {"$in": [rng.choice(NAMES), rng.choice(_OPERANDS)]}
    if kind == 3:
        return {"$type": rng.choice(["string", "number", "date"])}
    if kind == 4:
        return {"$exists": rng.choice([True, False])}
    if kind == 5:
        low, high = rng.choice(_OPERANDS), rng.choice(_OPERANDS)
        return {rng.choice(["$gt", "$gte"]): low, rng.choice(["$lt", "$lte"]): high}
    if kind == 6:
        return {rng.choice(["$gt", "$gte", "$lt", "$lte", "$eq"]): operand}
    if kind == 7:
        return {"$ne": operand}
    return {"$type": "string", "$in": rng.sample(NAMES, 2)}


def _filter(rng: random.Random, depth: int = 0) -> dict[str, Any]:
    if depth < 2 and rng.random() < 0.3:
        clauses = [_filter(rng, depth + 1) for _ in range(rng.randrange(1, 4))]
        return {rng.choice(["$and", "$or", "$nor"]): clauses}
    fields = rng.sample(["a", "b", "label.end", "label", "portfolio", "_id", "missing.x"], 2)
    return {field: _field_search(rng) for field in fields[: rng.randrange(1, 3)]}


def _odd_documents() -> list[dict[str, Any]]:
    """Values the compiled tests leave to mongomock: NaN, arrays on the path, nulls."""
    return [
        {"_id": "n1", "a": float("nan"), "b": float("nan")},
        {"_id": "n2", "a": ["Zeta", "10"], "label": [{"end": 1}, {"end": "Zeta"}]},
        {"_id": "n3", "a": None, "label": None},
        {"_id": "n4", "label": "Zeta", "b": [True, 2.0]},
        {"_id": "n5", "a": {"x": 1}, "b": datetime(2014, 3, 1)},
    ]


@pytest.mark.parametrize("mixed", [False, True], ids=["stored-types", "mixed-types"])
@pytest.mark.parametrize("seed", range(8))
def test_a_compiled_filter_matches_what_mongomock_matches(
    monkeypatch: pytest.MonkeyPatch, seed: int, mixed: bool
) -> None:
    rng = random.Random(seed)
    queries = [_filter(rng) for _ in range(60)]
    documents = _documents(seed, mixed) + _odd_documents()

    def read(collection: Any) -> list[Any]:
        out: list[Any] = []
        for query in queries:
            try:
                out.append(([d["_id"] for d in collection.find(query)], query))
                out.append(collection.count_documents(query))
            except Exception as error:
                out.append(("raised", type(error).__name__, repr(query)))
        return out

    fast, own = _both(monkeypatch, documents, read)
    assert fast == own


def test_the_compiled_filter_decides_the_common_forms_alone(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The directory's filters are decided without mongomock's interpreter on the types
    the API stores (so the faster path is the one taken), and an array, a null or a value
    of another type than the operand's goes to it."""
    calls: list[Any] = []
    own: Callable[[Any, Any], Any] = cast(Any, mongomock_filtering).filter_applies

    def counted(spec: Any, document: Any) -> Any:
        calls.append(document.get("_id"))
        return own(spec, document)

    monkeypatch.setattr(mongomock_filtering, "filter_applies", counted)
    collection: Any = mongomock.MongoClient(tz_aware=False).db.c
    collection.insert_many(_documents(3, False))
    query = {
        "$and": [{"a": {"$type": "string"}}, {"_id": {"$type": "string"}}],
        "portfolio": {"$in": ["p1", "p2"]},
        "label.end": {"$gte": datetime(2014, 1, 3), "$lt": datetime(2014, 1, 7)},
    }
    found = list(collection.find(query))
    assert found
    assert calls == []
    collection.insert_many(_odd_documents())
    calls.clear()
    list(collection.find({"a": {"$type": "string"}}))
    assert sorted(calls) == ["n2", "n3", "n5"]  # an array, a null, a document
    calls.clear()
    list(collection.find({"a": {"$gte": "Zeta"}}))
    assert sorted(calls) == ["n1", "n2", "n3", "n5"]  # NaN: not of the operand's type
