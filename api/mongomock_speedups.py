"""Nine of mongomock's costs removed, so that the embedded store grows linearly and pages
stay cheap at tens of thousands of clusters. Same answers, in the same order.

mongomock (4.x) answers `find(...).sort(...).limit(n)` by deep-copying every matching
document before it applies the limit; sorts with a Python comparison object per key
(`filtering.BsonComparable`, about 10 µs a comparison); re-slices its whole result list for
every document a cursor yields (quadratic in the result: an aggregate over 10,000 clusters
copied 10,000 lists of up to 10,000 entries); runs an aggregate's leading `$match` over
copies of every document; `$group` sorts every document by its group key with those
comparison objects; copies every returned value with a `copy.copy` call per field, and
parses a projection again for every document; and
tests a `$in` value against every item of the list, with a type check of each item, per
document; and interprets a query's filter anew for every document. `install()` replaces:

- `Cursor._compute_results`: a cursor with a limit copies only the documents of its page
  (skip, then limit), and a cursor without skip or limit returns its list as it is;
- `Collection._get_dataset`: a sort on values of one BSON type family each (missing and
  null, numbers, strings, booleans, naive datetimes), with no array on the path, sorts on
  plain Python keys in BSON order (MongoDB compares strings by their UTF-8 bytes, the
  order of their code points, as Python does); any other value makes that sort key fall
  back to mongomock's own comparison;
- `Collection.aggregate`: a pipeline that starts with `$match` filters with that stage
  (the same `filter_applies` the stage would use) before the documents are copied;
- `filtering.bson_compare`: two values of one plain type (string, number, boolean,
  datetime) are compared by the operator at once, where mongomock reaches the same
  comparison after classifying both;
- the `$group` stage: documents go to their group by a hash of the key, and only the
  groups are sorted (mongomock's output order) instead of every document;
- `collection._copy_field`: strings, numbers, booleans, null and naive datetimes, all
  immutable, are returned as they are, dictionaries and lists rebuilt as mongomock does;
- `Collection._copy_only_fields`: a projection that only includes top-level fields (and
  `_id`, and `$elemMatch` or `$slice` of top-level fields) copies them in one pass over the
  document, where mongomock re-parses the projection into a nested spec per document;
- the `$in` and `$nin` query operators: a string tested against a list of strings only is
  looked up in the list's set, built once while the list is unchanged;
- `Collection._iter_documents`: a filter made of `$and`/`$or`/`$nor`, equality, `$in` of
  strings, `$type: "string"`, `$exists` and range comparisons on strings, numbers and
  naive datetimes is compiled once per query into a predicate, which decides each
  document whose values on the path are plain and of the operand's type; any other
  document (an array on the path, a null, NaN, a value of another type) is decided by
  mongomock's `filter_applies`, and any other filter goes to mongomock whole.

It checks the version it was written against and changes nothing on another; the tests
compare every replaced path with mongomock's own on generated documents of mixed types
(tests/test_api_mongomock_speedups.py). It is installed with the embedded store
(`api.embedded.embedded_client`), which the test double shares.
"""

from __future__ import annotations

import itertools
import operator
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from typing import Any, cast

import mongomock
from mongomock import aggregate as mongomock_aggregate
from mongomock import collection as mongomock_collection
from mongomock import filtering as mongomock_filtering

# mongomock has no type hints: its functions are called through these.
_filtering: Any = mongomock_filtering
_aggregate_module: Any = mongomock_aggregate
_collection_module: Any = mongomock_collection

__all__ = ["ORIGINALS", "install"]

# mongomock's own functions, as `install` found them (the tests compare against them).
ORIGINALS: dict[str, Callable[..., Any]] = {
    "_compute_results": mongomock_collection.Cursor._compute_results,
    "_get_dataset": mongomock_collection.Collection._get_dataset,
    "aggregate": mongomock_collection.Collection.aggregate,
    "bson_compare": _filtering.bson_compare,
    "$group": _aggregate_module._PIPELINE_HANDLERS["$group"],
    "_copy_field": _collection_module._copy_field,
    "_copy_only_fields": mongomock_collection.Collection._copy_only_fields,
    "$in": _filtering._filterer_inst._operator_map["$in"],
    "$nin": _filtering._filterer_inst._operator_map["$nin"],
    "_iter_documents": mongomock_collection.Collection._iter_documents,
}
# Types whose values `bson_compare` compares with the operator itself when both sides
# are of the one type (its own code reaches the same `op(a, b)` after a type dispatch).
_PLAIN_TYPES = frozenset({str, int, float, bool, datetime})
_SUPPORTED_MAJOR = "4."


def install() -> bool:
    """Put the faster paths in place (once); False, changing nothing, on a mongomock
    other than 4.x."""
    if not str(getattr(mongomock, "__version__", "")).startswith(_SUPPORTED_MAJOR):
        return False
    setattr(mongomock_collection.Cursor, "_compute_results", _compute_results)  # noqa: B010
    setattr(mongomock_collection.Collection, "_get_dataset", _get_dataset)  # noqa: B010
    setattr(mongomock_collection.Collection, "aggregate", _aggregate)  # noqa: B010
    _filtering.bson_compare = _bson_compare
    _aggregate_module._PIPELINE_HANDLERS["$group"] = _group_stage
    _collection_module._copy_field = _copy_field
    setattr(mongomock_collection.Collection, "_copy_only_fields", _copy_only_fields)  # noqa: B010
    _filtering._filterer_inst._operator_map["$in"] = _in_op
    _filtering._filterer_inst._operator_map["$nin"] = _nin_op
    setattr(mongomock_collection.Collection, "_iter_documents", _iter_documents)  # noqa: B010
    return True


def _compute_results(self: Any, with_limit_and_skip: bool = False) -> list[Any]:
    if not with_limit_and_skip or (not self._skip and not self._limit):
        return ORIGINALS["_compute_results"](self, False)  # type: ignore[no-any-return]
    limit = self._limit or 0
    if limit > 0 and not self.collection.codec_options.tz_aware:
        # The page alone, copied once per query of this cursor (`_factory` changes with it).
        if getattr(self, "_page_factory", None) is not self._factory:
            start = self._skip or 0
            self._page = list(itertools.islice(self._factory(), start, start + limit))
            self._page_factory = self._factory
        return self._page  # type: ignore[no-any-return]
    return ORIGINALS["_compute_results"](self, True)  # type: ignore[no-any-return]


def _plain_key(path: Sequence[str], document: Any) -> tuple[int, Any] | None:
    """The sort key of `document` at `path` in BSON type order, or None when the value is
    not one this module sorts (an array on the path, a document, a tz-aware datetime, NaN,
    another BSON type)."""
    value = document
    for part in path:
        if not isinstance(value, dict):
            return None
        value = value.get(part)
        if value is None:
            return (1, 0)  # missing and null sort together, first
    if isinstance(value, bool):
        return (8, value)
    if isinstance(value, int | float):
        return None if value != value else (2, value)
    if isinstance(value, str):
        return (3, value)
    if isinstance(value, datetime) and value.tzinfo is None:
        return (9, value)
    return None


def _get_dataset(self: Any, spec: Any, sort: Any, fields: Any, as_class: Any) -> Iterator[Any]:
    if not sort:
        yield from ORIGINALS["_get_dataset"](self, spec, sort, fields, as_class)
        return
    keys = list(sort.items() if isinstance(sort, dict) else sort)
    documents = list(self._iter_documents(spec))
    for sort_key, direction in reversed(keys):
        if sort_key == "$natural":
            if direction < 0:
                documents.reverse()
            continue
        if sort_key.startswith("$"):
            raise NotImplementedError(f"Sorting by {sort_key} is not implemented in mongomock yet")
        path = sort_key.split(".")
        plain = [_plain_key(path, document) for document in documents]
        if None in plain:

            def bson_key(document: Any, key: str = sort_key) -> Any:
                return _filtering.resolve_sort_key(key, document)

            documents.sort(key=bson_key, reverse=direction < 0)
        else:
            ranked = cast(list[tuple[int, Any]], plain)
            order = sorted(range(len(documents)), key=ranked.__getitem__, reverse=direction < 0)
            documents = [documents[i] for i in order]
    for document in documents:
        yield self._copy_only_fields(document, fields, as_class)


def _aggregate(self: Any, pipeline: list[Any], session: Any = None, **kwargs: Any) -> Any:
    first = pipeline[0] if pipeline else None
    if isinstance(first, dict) and list(first) == ["$match"]:
        matched = list(self.find(first["$match"]))
        return _aggregate_module.process_pipeline(matched, self.database, pipeline[1:], session)
    return ORIGINALS["aggregate"](self, pipeline, session, **kwargs)


def _bson_compare(op: Any, a: Any, b: Any, can_compare_types: bool = True) -> Any:
    if type(a) is type(b) and type(a) in _PLAIN_TYPES:
        return op(a, b)
    return ORIGINALS["bson_compare"](op, a, b, can_compare_types)


class _Unhashable(Exception):
    pass


def _frozen(value: Any) -> Any:
    """`value` as a hashable key that tells apart what a `$group` tells apart (booleans
    from numbers, strings from dates); `_Unhashable` for what this does not know."""
    if value is None:
        return ("null",)
    if isinstance(value, bool):
        return ("bool", value)
    if isinstance(value, int | float):
        return ("number", value)
    if isinstance(value, str):
        return ("string", value)
    if isinstance(value, datetime):
        return ("date", value)
    if isinstance(value, dict):
        return ("object", tuple((k, _frozen(v)) for k, v in value.items()))
    if isinstance(value, list | tuple):
        return ("array", tuple(_frozen(v) for v in value))
    raise _Unhashable


def _group_stage(in_collection: list[Any], database: Any, options: dict[str, Any]) -> Any:
    """mongomock's `$group`, with documents put in their groups by a hash of the key
    instead of a sort of every document by it (its comparison objects cost about 10 µs a
    comparison); the groups come out in the order mongomock's sort gave them."""
    key_expression = options["_id"]
    if not key_expression:
        return ORIGINALS["$group"](in_collection, database, options)
    groups: dict[Any, tuple[Any, list[Any]]] = {}
    try:
        for document in in_collection:
            try:
                key = _aggregate_module._parse_expression(
                    key_expression, document, ignore_missing_keys=True
                )
            except KeyError:
                key = None
            frozen = _frozen(key)
            if frozen in groups:
                groups[frozen][1].append(document)
            else:
                groups[frozen] = (key, [document])
    except _Unhashable:
        return ORIGINALS["$group"](in_collection, database, options)
    ordered = sorted(groups.values(), key=lambda group: _filtering.BsonComparable(group[0]))
    out = []
    for key, documents in ordered:
        accumulated = _aggregate_module._accumulate_group(options, documents)
        accumulated["_id"] = key
        out.append(accumulated)
    return out


# Values `_copy_field` returns as they are: immutable, so a copy is the same value (mongomock
# calls `copy.copy` on each, which returns the object itself for all but `datetime`).
_IMMUTABLE_TYPES = frozenset({str, int, float, bool, type(None), datetime})


def _copy_field(obj: Any, container: Any) -> Any:
    """mongomock's copy of a stored value (every document a query returns is one), without
    a `copy.copy` call per immutable scalar; other types go to mongomock's own."""
    kind = type(obj)
    if kind in _IMMUTABLE_TYPES:
        return obj
    if kind is dict:
        new = container()
        for key, value in obj.items():
            new[key] = _copy_field(value, container)
        return new
    if kind is list:
        return [_copy_field(item, container) for item in obj]
    return ORIGINALS["_copy_field"](obj, container)


# The sets of the `$in` lists seen last, by id: (the list, its items then, their set).
_IN_SETS: dict[int, tuple[list[Any], list[Any], frozenset[str]]] = {}
_IN_SETS_MAX = 16


def _string_set(values: list[Any]) -> frozenset[str] | None:
    """The set of `values` when every one is a `str`, else None; kept while the list is
    unchanged, so that a filter applied to every document builds it once."""
    entry = _IN_SETS.get(id(values))
    if entry is not None and entry[0] is values and entry[1] == values:
        return entry[2]
    if not all(type(value) is str for value in values):
        return None
    if len(_IN_SETS) >= _IN_SETS_MAX:
        _IN_SETS.clear()
    members = frozenset(values)
    _IN_SETS[id(values)] = (values, list(values), members)
    return members


def _in_op(doc_val: Any, search_val: Any) -> Any:
    """`$in` of a string in a list of strings by a set lookup; mongomock's own tests the
    string against every item (and every item for a regular expression) per document."""
    if type(doc_val) is str and type(search_val) is list:
        members = _string_set(search_val)
        if members is not None:
            return doc_val in members
    return ORIGINALS["$in"](doc_val, search_val)


def _nin_op(doc_val: Any, search_val: Any) -> Any:
    return not _in_op(doc_val, search_val)


def _inclusion(fields: Any) -> tuple[frozenset[str], Any, dict[str, Any]] | None:
    """`(fields included, the _id setting, projection operators)` of a projection that
    includes top-level fields only (1 or True), or None for any other projection."""
    if type(fields) is not dict or not fields:
        return None
    included, operators, modes = set(), {}, set()
    id_value: Any = 1
    for key, value in fields.items():
        if key == "_id":
            id_value = value
        elif type(key) is not str or "." in key or key.startswith("$"):
            return None
        elif type(value) is dict:
            if not value or not set(value) <= {"$elemMatch", "$slice"}:
                return None
            operators[key] = value
        else:
            included.add(key)
            modes.add(value)
    if len(modes) != 1 or type(value := modes.pop()) not in (int, bool) or value != 1:
        return None
    return frozenset(included), id_value, operators


def _copy_only_fields(self: Any, doc: Any, fields: Any, container: Any) -> Any:
    """mongomock's projection of `doc` (the same fields, in the same order, copied the
    same way) for a projection `_inclusion` reads; mongomock's own for any other."""
    plan = _inclusion(fields)
    if plan is None:
        return ORIGINALS["_copy_only_fields"](self, doc, fields, container)
    included, id_value, operators = plan
    copy_field = _collection_module._copy_field
    doc_copy = container()
    for key, value in doc.items():
        if key in included:
            doc_copy[key] = copy_field(value, container)
    if id_value == 0:
        doc_copy.pop("_id", None)
    elif "_id" in doc:
        doc_copy["_id"] = doc["_id"]
    if operators:
        self._apply_projection_operators(operators, doc, doc_copy)
    return doc_copy


# --- filters compiled once per query ----------------------------------------------------
# mongomock interprets a filter from scratch for every document (`filter_applies`): for a
# directory page, a fifth of the request. `_iter_documents` compiles the filter once into
# a predicate over the common forms, which answers True or False where the document's
# values make the answer plain, and None (then mongomock's own `filter_applies` decides)
# wherever MongoDB's rules have more to say: an array on the path, values of another type
# than the filter's (BSON's type brackets), null, any other operator.

Predicate = Callable[[Any], bool | None]
_NOTHING = object()
_COMPARISONS: dict[str, Callable[[Any, Any], bool]] = {
    "$gt": operator.gt,
    "$gte": operator.ge,
    "$lt": operator.lt,
    "$lte": operator.le,
    "$eq": operator.eq,
}


def _family(value: Any) -> type | None:
    """The plain type family of `value` a compiled test decides for, or None."""
    kind = type(value)
    if kind is str:
        return str
    if kind is int or (kind is float and value == value):  # NaN: BSON's own rules
        return float
    if kind is datetime and value.tzinfo is None:
        return datetime
    return None


def _value_at(parts: tuple[str, ...], document: Any) -> Any:
    """The value at `parts`, `_NOTHING` when missing, or None when a list (or anything but
    a dictionary) is on the way or at the end: undecided."""
    value = document
    for part in parts:
        if type(value) is not dict:
            return None
        value = value.get(part, _NOTHING)
        if value is _NOTHING:
            return _NOTHING
    if value is None or type(value) is list:
        return None
    return value


def _field_test(search: Any) -> Callable[[Any], bool | None] | None:
    """A test of one field's value for `search` (a plain value, or operators), or None."""
    if not isinstance(search, dict):
        family = _family(search)
        if family is None:
            return None

        def equal(value: Any) -> bool | None:
            if value is _NOTHING:
                return False
            if _family(value) is not family:
                return None
            return bool(value == search)

        return equal
    if not search:
        return None
    tests: list[Callable[[Any], bool | None]] = []
    for name, operand in search.items():
        if name == "$in":
            if not isinstance(operand, list) or not all(type(v) is str for v in operand):
                return None
            strings = frozenset(operand)

            def member(value: Any, strings: frozenset[str] = strings) -> bool | None:
                if value is _NOTHING:
                    return False
                return value in strings if type(value) is str else None

            tests.append(member)
        elif name == "$type":
            if operand != "string":
                return None

            def string(value: Any) -> bool | None:
                if value is _NOTHING:
                    return False
                return type(value) is str or (None if type(value) is dict else False)

            tests.append(string)
        elif name == "$exists":
            if type(operand) is not bool:
                return None

            def exists(value: Any, wanted: bool = operand) -> bool | None:
                return (value is not _NOTHING) == wanted

            tests.append(exists)
        elif name in _COMPARISONS:
            family = _family(operand)
            if family is None:
                return None

            def compare(
                value: Any,
                operand: Any = operand,
                family: type = family,
                test: Callable[[Any, Any], bool] = _COMPARISONS[name],
            ) -> bool | None:
                if value is _NOTHING:
                    return False
                if _family(value) is not family:
                    return None
                return bool(test(value, operand))

            tests.append(compare)
        else:
            return None
    if len(tests) == 1:
        return tests[0]

    def every(value: Any) -> bool | None:
        return _all(test(value) for test in tests)

    return every


def _all(results: Iterator[bool | None] | Sequence[bool | None]) -> bool | None:
    undecided = False
    for result in results:
        if result is False:
            return False
        if result is None:
            undecided = True
    return None if undecided else True


def _any(results: Iterator[bool | None] | Sequence[bool | None]) -> bool | None:
    undecided = False
    for result in results:
        if result is True:
            return True
        if result is None:
            undecided = True
    return None if undecided else False


def _logical(key: str, clauses: list[Predicate]) -> Predicate:
    def every(d: Any) -> bool | None:
        return _all(c(d) for c in clauses)

    def some(d: Any) -> bool | None:
        return _any(c(d) for c in clauses)

    def none(d: Any) -> bool | None:
        found = some(d)
        return None if found is None else not found

    return {"$and": every, "$or": some}.get(key, none)


def _compile(spec: Any) -> Predicate | None:
    """`spec` as a predicate (see above), or None when it has a form this does not cover."""
    if not isinstance(spec, dict):
        return None
    parts: list[Predicate] = []
    for key, search in spec.items():
        if key in ("$and", "$or", "$nor"):
            if not isinstance(search, list) or not search:
                return None
            inner = [_compile(clause) for clause in search]
            if any(p is None for p in inner):
                return None
            clauses = cast(list[Predicate], inner)
            parts.append(_logical(key, clauses))
            continue
        if not isinstance(key, str) or key.startswith("$") or not key:
            return None
        test = _field_test(search)
        if test is None:
            return None
        path = tuple(key.split("."))

        def field(d: Any, path: tuple[str, ...] = path, test: Any = test) -> bool | None:
            value = _value_at(path, d)
            return None if value is None else test(value)

        parts.append(field)
    if len(parts) == 1:
        return parts[0]
    return lambda d: _all(p(d) for p in parts)


def _iter_documents(self: Any, spec: Any) -> Iterator[Any]:
    predicate = _compile(spec) if spec else None
    if predicate is None or self._store.is_empty:
        return cast(Iterator[Any], ORIGINALS["_iter_documents"](self, spec))
    applies = _filtering.filter_applies

    def decided(document: Any) -> bool:
        result = predicate(document)
        return bool(applies(spec, document)) if result is None else result

    return (document for document in list(self._store.documents) if decided(document))
