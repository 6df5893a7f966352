"""The document cache and the document limits: a second identical request is served from
the cache without parsing or validating again, only validated documents are kept, the
cache is bounded by bytes, and a response key repeated past the limit is refused."""

from __future__ import annotations

import contextlib
import gc
import sys
import threading
import traceback
import tracemalloc
from collections.abc import Callable
from typing import Any, cast

import graphql
import pytest
from graphql import parse
from starlette.routing import Route

from api import budgets, view
from api.view import GraphQLView
from schema.build import build_schema
from schema.guards import documents, unlinked
from schema.guards.documents import (
    LIMIT_RULES,
    THREADED_DOCUMENT_CHARS,
    DocumentCache,
    estimated_bytes,
    parse_document,
)
from schema.rules.limits import (
    MAX_DUPLICATE_FIELDS,
    MAX_EXPANDED_FIELDS,
    MAX_LITERAL_DIGITS,
    MAX_TOKENS,
    MAX_TYPE_INTROSPECTIONS,
)
from tests.support import Api

pytestmark = pytest.mark.anyio


async def test_a_second_identical_request_hits_the_cache() -> None:
    schema = build_schema(production=False)
    query = "{ __typename }"
    first = await schema.execute(query)
    second = await schema.execute(query)
    assert first.errors is None
    assert second.data == first.data
    stats = schema.documents.stats
    assert (stats.misses, stats.hits, stats.stored) == (1, 1, 1)


async def test_the_app_serves_a_repeated_query_from_the_cache(api: Api) -> None:
    [view] = [r.endpoint for r in api.app.routes if isinstance(r, Route) and r.path == "/graphql"]
    documents: DocumentCache = cast(GraphQLView, view).documents
    query = '{ portfolio(slug: "ict") { name } }'
    await api.data(query)
    hits = documents.stats.hits
    await api.data(query)
    assert documents.stats.hits == hits + 1


@pytest.mark.parametrize(
    "query",
    [
        pytest.param("{ __typename ", id="does-not-parse"),
        pytest.param("{ nope }", id="does-not-validate"),
        pytest.param("{ " + "__typename " * (MAX_DUPLICATE_FIELDS + 1) + "}", id="over-a-limit"),
    ],
)
async def test_a_document_that_fails_is_not_kept(query: str) -> None:
    schema = build_schema(production=False)
    assert (await schema.execute(query)).errors
    assert (await schema.execute(query)).errors
    assert len(schema.documents) == 0
    assert schema.documents.stats.hits == 0


async def test_the_limit_rules_are_built_once() -> None:
    # The same classes for every request: nothing is rebuilt per operation.
    schema = build_schema(production=False)
    seen: set[int] = set()
    for _ in range(2):
        extensions = schema.get_extensions()
        seen.update(
            id(rule) for extension in extensions for rule in getattr(extension, "limit_rules", ())
        )
    assert seen == {id(rule) for rule in LIMIT_RULES}


def test_the_cache_is_bounded_by_bytes() -> None:
    texts = [f"{{ a{i}: __typename }}" for i in range(10)]
    size = estimated_bytes(texts[0])
    cache = DocumentCache(max_bytes=3 * size)
    for text in texts:
        cache.put(text, parse(text))
    assert len(cache) == 3
    assert cache.bytes <= cache.max_bytes
    assert texts[-1] in cache
    assert texts[0] not in cache
    assert cache.stats.evicted == 7


def test_a_document_larger_than_the_cache_is_not_kept() -> None:
    cache = DocumentCache(max_bytes=10)
    cache.put("{ __typename }", parse("{ __typename }"))
    assert len(cache) == 0


def _repeated(times: int, how: str) -> str:
    if how == "field":
        return "{ " + "__typename " * times + "}"
    if how == "alias":
        return "{ " + "n: __typename " * times + "}"
    # Half in a fragment, half in the selection set itself.
    half = times // 2
    return (
        "{ ...F " + "__typename " * (times - half) + "} "
        "fragment F on Query { " + "__typename " * half + "}"
    )


@pytest.mark.parametrize("how", ["field", "alias", "fragment"])
async def test_a_response_key_at_the_limit_is_accepted(api: Api, how: str) -> None:
    data = await api.data(_repeated(MAX_DUPLICATE_FIELDS, how))
    assert list(data.values()) == ["Query"]


@pytest.mark.parametrize("how", ["field", "alias", "fragment"])
async def test_a_response_key_past_the_limit_is_refused(api: Api, how: str) -> None:
    [error] = await api.errors(_repeated(MAX_DUPLICATE_FIELDS + 1, how))
    assert error["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    assert f"selected {MAX_DUPLICATE_FIELDS + 1} times" in error["message"]


async def test_five_hundred_repeats_are_refused_before_the_full_validation(api: Api) -> None:
    [error] = await api.errors("{ " + "__typename " * 500 + "}")
    assert "selected 500 times" in error["message"]


def _padded(query: str) -> str:
    """`query` made long enough to be parsed and validated on a worker thread."""
    return query + " " * THREADED_DOCUMENT_CHARS


@pytest.mark.parametrize(
    "query",
    [
        pytest.param('{ portfolio(slug: "ict") { name } }', id="valid"),
        pytest.param("{ portfolios { name } } }", id="does-not-parse"),
        pytest.param("{ nope }", id="does-not-validate"),
        pytest.param("{ " + "__typename " * (MAX_DUPLICATE_FIELDS + 1) + "}", id="over-a-limit"),
        pytest.param("{ " + "__typename " * (MAX_TOKENS + 1) + "}", id="too-many-tokens"),
    ],
)
async def test_a_long_document_is_answered_as_a_short_one(api: Api, query: str) -> None:
    short = await api.http.post("/graphql", json={"query": query})
    long = await api.http.post("/graphql", json={"query": _padded(query)})
    assert long.status_code == short.status_code
    short_body, long_body = short.json(), long.json()
    assert long_body.get("data") == short_body.get("data")
    assert [e["message"] for e in long_body.get("errors", [])] == [
        e["message"] for e in short_body.get("errors", [])
    ]
    assert [e["extensions"]["code"] for e in long_body.get("errors", [])] == [
        e["extensions"]["code"] for e in short_body.get("errors", [])
    ]


async def test_a_long_new_document_is_parsed_and_validated_off_the_event_loop(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    threads: dict[str, set[int]] = {"parse": set(), "validate": set()}

    def recorded(name: str, function: Callable[..., Any]) -> Callable[..., Any]:
        def call(*args: Any, **kwargs: Any) -> Any:
            threads[name].add(threading.get_ident())
            return function(*args, **kwargs)

        return call

    parse_first = recorded("parse", documents.parse_document)
    monkeypatch.setattr(documents, "parse_document", parse_first)
    monkeypatch.setattr(view, "parse_document", parse_first)  # parsed there first
    monkeypatch.setattr(documents, "validate", recorded("validate", graphql.validate))
    # A document no other test sends, so that the cache does not hold it.
    data = await api.data(_padded('{ off: portfolio(slug: "ict") { slug name } }'))
    assert data["off"]["slug"] == "ict"
    loop = threading.get_ident()  # the test's thread runs the app's event loop
    assert threads["parse"]
    assert threads["validate"]
    assert loop not in threads["parse"] | threads["validate"]
    # Both on the one worker thread that every loop shares (`schema.offload`).
    assert len(threads["parse"] | threads["validate"]) == 1


def _doubling_fragments(levels: int) -> str:
    """Fragments that each spread the previous one twice: `levels` of them expand to
    2**levels fields in a few dozen characters per level."""
    fragments = ["fragment f0 on Cluster { name }"]
    fragments += [
        f"fragment f{n} on Cluster {{ ...f{n - 1} ...f{n - 1} }}" for n in range(1, levels)
    ]
    return f"{{ clusters(first: 1) {{ nodes {{ ...f{levels - 1} }} }} }} " + " ".join(fragments)


def test_the_expansion_is_counted_once_per_fragment() -> None:
    assert documents.expanded_fields(parse(_doubling_fragments(3))) == 2 + 4
    assert documents.expanded_fields(parse(_doubling_fragments(40))) == MAX_EXPANDED_FIELDS + 1
    cycle = "{ clusters { nodes { ...a } } } fragment a on Cluster { name ...b } "
    cycle += "fragment b on Cluster { ...a }"
    assert documents.expanded_fields(parse(cycle)) == 3  # clusters, nodes, name


@pytest.mark.parametrize("levels", [18, 60])
async def test_fragments_that_double_are_refused_before_any_rule_walks_them(
    api: Api, monkeypatch: pytest.MonkeyPatch, levels: int
) -> None:
    walks: list[str] = []

    def walked(name: str, answer: Any) -> Callable[..., Any]:
        def walk(*_args: Any, **_kwargs: Any) -> Any:
            walks.append(name)
            return answer

        return walk

    monkeypatch.setattr(documents, "validate", walked("validate", []))
    monkeypatch.setattr(budgets, "requested_nodes", walked("cost", 0))
    [error] = await api.errors(_doubling_fragments(levels))
    assert error["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    assert f"more than {MAX_EXPANDED_FIELDS} fields" in error["message"]
    assert walks == []


async def test_introspection_expands_within_the_limit(api: Api) -> None:
    query = graphql.get_introspection_query(descriptions=True)
    assert documents.expanded_fields(parse(query)) <= MAX_EXPANDED_FIELDS
    data = await api.data(query)
    assert data["__schema"]["queryType"]["name"] == "Query"


async def test_the_schema_is_introspected_once_per_document(api: Api) -> None:
    assert await api.data("{ __schema { queryType { name } } }")
    [error] = await api.errors(
        "{ a: __schema { queryType { name } } b: __schema { types { name } } }"
    )
    assert error["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    assert "`__schema` may be selected once" in error["message"]


@pytest.mark.parametrize("count", [MAX_TYPE_INTROSPECTIONS, MAX_TYPE_INTROSPECTIONS + 1])
async def test_types_are_introspected_at_most_ten_times_per_document(api: Api, count: int) -> None:
    """Introspection costs nothing: fifteen `__type` of the largest type were 199 kB."""
    selections = [f't{i}: __type(name: "Query") {{ name fields {{ name }} }}' for i in range(count)]
    # Fragments count too, wherever they are spread.
    query = "{ ...F } fragment F on Query { " + " ".join(selections) + " }"
    if count <= MAX_TYPE_INTROSPECTIONS:
        data = await api.data(query)
        assert len(data) == count
        assert data["t0"]["name"] == "Query"
        return
    [error] = await api.errors(query)
    assert error["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    assert error["message"] == "`__type` may be selected at most 10 times per document"


@pytest.mark.parametrize("digits", [MAX_LITERAL_DIGITS, 5000])
async def test_an_integer_literal_of_thousands_of_digits_gets_a_short_message(
    api: Api, digits: int
) -> None:
    """graphql-core answered Python's own message ("... use sys.set_int_max_str_digits()")
    followed by the whole literal."""
    [error] = await api.errors("{ clusters(first: %s) { totalCount } }" % ("9" * digits))
    assert error["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    if digits <= MAX_LITERAL_DIGITS:  # graphql-core's own refusal
        assert "non 32-bit signed integer" in error["message"]
        return
    assert error["message"] == (
        "an integer literal of 5,000 digits; an Int holds at most 10 and a Float at most 309"
    )


# --- `parse_document`: graphql-core's parse, leaving no reference cycles ---

_VALID = "query Q($n: Int = 3) { a: clusters(first: $n) { nodes { ...F } } } " + (
    "fragment F on Cluster { name label { level } }"
)
_INVALID = [
    pytest.param("{ " + " ".join(f"f{i}" for i in range(MAX_TOKENS + 10)) + " }", id="tokens"),
    pytest.param("{ clusters { nodes { name } }", id="unclosed"),
    pytest.param("{ a(x: ) }", id="bad-argument"),
    pytest.param("{" * 5000 + "}" * 5000, id="nested-too-deeply"),
]


def test_a_parsed_document_is_graphql_cores_with_its_locations() -> None:
    ours, theirs = parse_document(_VALID, max_tokens=MAX_TOKENS), parse(_VALID)
    assert graphql.print_ast(ours) == graphql.print_ast(theirs)
    assert ours.to_dict(locations=True) == theirs.to_dict(locations=True)


@pytest.mark.parametrize("text", _INVALID)
def test_a_syntax_error_is_graphql_cores(text: str) -> None:
    with pytest.raises(graphql.GraphQLError) as ours:
        parse_document(text, max_tokens=MAX_TOKENS)
    with pytest.raises(graphql.GraphQLError) as theirs:
        parse(text, max_tokens=MAX_TOKENS)
    assert (ours.value.message, ours.value.locations) == (
        theirs.value.message,
        theirs.value.locations,
    )
    # Raised without the parser's frames, which would hold every token read.
    frames = [f.f_code.co_filename for f, _ in traceback.walk_tb(ours.value.__traceback__)]
    assert frames
    assert not [f for f in frames if f.endswith(("parser.py", "lexer.py"))], frames
    assert [f for f, _ in traceback.walk_tb(theirs.value.__traceback__)]  # graphql-core's keep them


def test_a_parsed_document_keeps_no_token() -> None:
    document = parse_document(_VALID, max_tokens=MAX_TOKENS)
    locations = [
        node.loc
        for node in _nodes(document)
        if isinstance(node, graphql.language.Node) and node.loc is not None
    ]
    assert len(locations) > 20
    assert all(loc.start_token is None and loc.end_token is None for loc in locations)
    assert not any(isinstance(o, graphql.Token) for loc in locations for o in gc.get_referents(loc))


def _nodes(node: object) -> list[object]:
    found = [node]
    if isinstance(node, graphql.language.Node):
        for key in node.keys:
            value = getattr(node, key)
            for child in value if isinstance(value, tuple | list) else [value]:
                found += _nodes(child)
    return found


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("{ __typename }", id="smallest"),
        pytest.param("{clusters(first:1){nodes{id slug name country}}}", id="dense"),
        pytest.param(_VALID, id="fragment"),
        pytest.param(
            "{ "
            + " ".join(
                f'a{i}: clusters(where: {{country: ["AT", "DE"]}}) {{ '
                "totalCount nodes { id name label { level validUntil } portfolio { slug } } }"
                for i in range(15)
            )
            + " }",
            id="aliases",
        ),
    ],
)
def test_the_cache_over_estimates_a_documents_memory(text: str) -> None:
    gc.collect()
    tracemalloc.start()
    try:
        document = parse_document(text, max_tokens=MAX_TOKENS)
        held, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert document.definitions
    assert held <= estimated_bytes(text)


@pytest.mark.parametrize("text", [pytest.param(_VALID, id="valid"), *_INVALID])
def test_parsing_leaves_nothing_for_the_garbage_collector(text: str) -> None:
    """graphql-core's tokens link both ways: every parse, kept or failed, was a chain of
    reference cycles freed only by a full collection (which holds the GIL)."""

    def parse_and_drop(parser: Callable[..., Any]) -> int:
        gc.collect()
        gc.disable()
        try:
            with contextlib.suppress(graphql.GraphQLError):
                parser(text, max_tokens=MAX_TOKENS)
            return gc.collect()
        finally:
            gc.enable()

    assert parse_and_drop(parse_document) == 0
    assert parse_and_drop(parse) > 0  # what the test guards against


_VALIDATED = [
    pytest.param(
        "query($w: ClusterWhere, $n: Int = 3) { clusters(where: $w, first: $n) { "
        "nodes { ...F portfolio { name } } } } fragment F on Cluster { name slug }",
        id="valid",
    ),
    pytest.param(
        "{ clusters { nodes { nope } } "
        "a: clusters(first: 1) { totalCount } a: portfolios { slug } }",
        id="invalid",
    ),
    pytest.param("query($x: Int) { " + "nope " * 120 + "}", id="aborted"),
]


@pytest.mark.parametrize("text", _VALIDATED)
def test_validating_leaves_nothing_for_the_garbage_collector(
    text: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """graphql-core's visitors hold their own bound methods: every validation left its rules
    and all they held in reference cycles (`schema.guards.unlinked`)."""
    schema = build_schema(production=False)._schema
    document = parse(text)

    def validate_and_drop() -> int:
        for rules in (documents.LIMIT_RULES, graphql.specified_rules):
            graphql.validate(schema, document, rules)  # warm: first-use caches are kept
        gc.collect()
        gc.disable()
        try:
            for rules in (documents.LIMIT_RULES, graphql.specified_rules):
                graphql.validate(schema, document, rules)
            return gc.collect()
        finally:
            gc.enable()

    assert validate_and_drop() == 0
    for name in ("graphql.validation.validate", "graphql.validation.validation_context"):
        module = sys.modules[name]
        monkeypatch.setattr(module, "visit", module.visit.__wrapped__)
    assert validate_and_drop() > 0  # what the test guards against


def test_unlinking_is_installed_once() -> None:
    module = sys.modules["graphql.validation.validate"]
    wrapped = module.visit
    unlinked.install()
    assert module.visit is wrapped
    assert getattr(wrapped.__wrapped__, "unlinks", False) is False


async def test_an_unknown_fragment_is_named(api: Api) -> None:
    [error] = await api.errors("{ clusters { nodes { ...Z } } }")
    assert error["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    assert error["message"] == "Unknown fragment 'Z'."
