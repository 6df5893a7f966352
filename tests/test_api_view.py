"""`GraphQLView`: GET/POST rules, media types, error codes, production hardening and
error masking."""

from __future__ import annotations

import asyncio
import gc
import threading
from typing import Any

import httpx
import orjson
import pytest

from api import view
from api.database import Connection, connect
from api.settings import Settings
from schema.types import connection
from tests.support import Api, serve

pytestmark = pytest.mark.anyio


async def _post(api: Api, query: str, **kwargs: Any) -> httpx.Response:
    return await api.http.post("/graphql", json={"query": query, **kwargs})


async def test_post_query_returns_json_encoded_data(api: Api) -> None:
    response = await _post(api, '{ cluster(slug: "nov-log") { name } }')
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert body["data"] == {"cluster": {"name": "Nov@log"}}
    assert body["extensions"]["cost"] == {"requestedNodes": 1, "maxRequestedNodes": 2500}
    assert set(body["extensions"]) == {"cost", "cache", "rateLimit"}
    assert body["extensions"]["cache"] == "BYPASS"  # this app runs without the cache


async def test_get_query_works(api: Api) -> None:
    response = await api.http.get(
        "/graphql", params={"query": '{ portfolio(slug: "ict") { name } }'}
    )
    assert response.status_code == 200
    assert response.json()["data"] == {"portfolio": {"name": "ICT"}}


async def test_get_with_variables_works(api: Api) -> None:
    response = await api.http.get(
        "/graphql",
        params={
            "query": "query($s: String!) { portfolio(slug: $s) { slug } }",
            "variables": '{"s": "construction"}',
        },
    )
    assert response.json()["data"] == {"portfolio": {"slug": "construction"}}


async def test_get_mutation_is_refused_with_405(api: Api) -> None:
    response = await api.http.get("/graphql", params={"query": "mutation { anything }"})
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"


async def test_other_methods_are_refused(api: Api) -> None:
    response = await api.http.put("/graphql", json={"query": "{ portfolios { slug } }"})
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, POST"


@pytest.mark.parametrize(
    ("method", "body"),
    [
        pytest.param("GET", None, id="get"),
        pytest.param("POST", {"query": "{ portfolios { slug } }"}, id="post"),
        pytest.param("POST", {"query": "{ nope }"}, id="error"),
        pytest.param("PUT", {}, id="refused"),
    ],
)
async def test_every_answer_varies_on_accept(api: Api, method: str, body: object) -> None:
    params = {"query": "{ portfolios { slug } }"} if method == "GET" else None
    response = await api.http.request(method, "/graphql", params=params, json=body)
    assert "Accept" in response.headers["vary"].split(", ")


async def test_non_json_post_is_refused(api: Api) -> None:
    response = await api.http.post(
        "/graphql", content="{ portfolios { slug } }", headers={"content-type": "text/plain"}
    )
    assert response.status_code == 400


async def test_graphql_response_json_is_used_when_accepted(api: Api) -> None:
    headers = {"accept": "application/graphql-response+json, application/json;q=0.9"}
    ok = await api.http.post("/graphql", json={"query": "{ portfolios { slug } }"}, headers=headers)
    assert ok.status_code == 200
    assert ok.headers["content-type"] == "application/graphql-response+json"
    invalid = await api.http.post("/graphql", json={"query": "{ nope }"}, headers=headers)
    assert invalid.status_code == 400
    assert invalid.headers["content-type"] == "application/graphql-response+json"
    assert "data" not in invalid.json()


async def test_validation_errors_are_200_with_application_json(api: Api) -> None:
    response = await _post(api, "{ nope }")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert body["errors"][0]["message"].startswith("Cannot query field 'nope'")
    assert "data" not in body  # the operation never ran: no data entry at all


@pytest.mark.parametrize(
    ("body", "code"),
    [
        pytest.param({"query": "{ portfolios { slug }"}, "GRAPHQL_PARSE_FAILED", id="syntax"),
        pytest.param({"query": "{ nope }"}, "GRAPHQL_VALIDATION_FAILED", id="unknown-field"),
        pytest.param(
            {"query": "{ " + " ".join(f"a{i}: portfolios {{ slug }}" for i in range(16)) + " }"},
            "GRAPHQL_VALIDATION_FAILED",
            id="aliases",
        ),
        pytest.param(
            {
                "query": "query($n: Int) { clusters(first: $n) { totalCount } }",
                "variables": {"n": "x"},
            },
            "BAD_USER_INPUT",
            id="variable",
        ),
        pytest.param(
            {"query": "{ clusters(first: $n) { totalCount } }"},
            "GRAPHQL_VALIDATION_FAILED",
            id="undefined-variable",
        ),
        pytest.param(
            {"query": "query($n: Int!) { clusters { totalCount } }", "variables": {"n": 1}},
            "GRAPHQL_VALIDATION_FAILED",
            id="unused-variable",
        ),
        pytest.param(
            {"query": "query($n: Int!) { clusters(first: $n) { totalCount } }"},
            "BAD_USER_INPUT",
            id="missing-variable",
        ),
        pytest.param(
            {"query": "{ clusters(first: 101) { totalCount } }"}, "BAD_USER_INPUT", id="cap"
        ),
    ],
)
async def test_every_error_has_a_public_code(api: Api, body: dict[str, Any], code: str) -> None:
    response = await api.http.post("/graphql", json=body)
    assert [e["extensions"]["code"] for e in response.json()["errors"]] == [code]


async def test_a_document_too_costly_to_validate_gets_a_readable_message(api: Api) -> None:
    # Refused by the repeated-field limit before graphql-core's overlapping-fields check,
    # which would run out of its budget.
    [error] = await api.errors("{ portfolios { " + "slug " * 1000 + "} }")
    assert error["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    assert error["message"].startswith("'slug' is selected 1000 times in one selection set")


@pytest.mark.parametrize(
    ("content", "status", "code"),
    [
        pytest.param(b"{not json", 400, "BAD_REQUEST", id="bad-json"),
        pytest.param(b'[{"query": "{ __typename }"}]', 400, "BAD_REQUEST", id="batch"),
        pytest.param(b"null", 400, "BAD_REQUEST", id="null"),
        pytest.param(b'"x"', 400, "BAD_REQUEST", id="string"),
        pytest.param(b"123", 400, "BAD_REQUEST", id="number"),
        pytest.param(b"true", 400, "BAD_REQUEST", id="boolean"),
        pytest.param(b"[]", 400, "BAD_REQUEST", id="empty-batch"),
        pytest.param(b'{"query": 1}', 400, "BAD_REQUEST", id="query-number"),
        pytest.param(
            b'{"query": "{ __typename }", "variables": [1]}',
            400,
            "BAD_REQUEST",
            id="variables-list",
        ),
        pytest.param(
            b'{"query": "{ __typename }", "operationName": 123}',
            400,
            "BAD_REQUEST",
            id="operation-name-number",
        ),
        pytest.param(
            b'{"query": "{ __typename }", "operationName": ["a"]}',
            400,
            "BAD_REQUEST",
            id="operation-name-list",
        ),
    ],
)
async def test_requests_that_are_not_graphql_get_a_json_error(
    api: Api, content: bytes, status: int, code: str
) -> None:
    response = await api.http.post(
        "/graphql", content=content, headers={"content-type": "application/json"}
    )
    assert response.status_code == status
    assert response.headers["content-type"] == "application/json"
    assert response.json()["errors"][0]["extensions"]["code"] == code


async def test_an_operation_name_that_is_not_a_string_is_named_in_the_error(api: Api) -> None:
    response = await api.http.post(
        "/graphql", json={"query": "query q { __typename }", "operationName": 123}
    )
    assert response.status_code == 400
    message = response.json()["errors"][0]["message"]
    assert message == (
        "The GraphQL operation's `operationName` must be a string or null, if provided."
    )
    # null is the same as absent.
    answer = await api.http.post(
        "/graphql", json={"query": "query q { __typename }", "operationName": None}
    )
    assert answer.json()["data"] == {"__typename": "Query"}


async def test_production_refuses_introspection(production: Api) -> None:
    body = (await _post(production, "{ __schema { types { name } } }")).json()
    assert body.get("data") is None
    assert "introspection" in body["errors"][0]["message"].lower()


async def test_development_allows_introspection(api: Api) -> None:
    body = (await _post(api, "{ __schema { queryType { name } } }")).json()
    assert body["data"] == {"__schema": {"queryType": {"name": "Query"}}}


@pytest.mark.parametrize(
    "query",
    [
        pytest.param("{ clustr { id } }", id="field"),
        pytest.param('{ cluster(slgu: "x") { id } }', id="argument"),
        pytest.param("{ clusters(orderBy: [{field: NAM}]) { totalCount } }", id="enum"),
    ],
)
async def test_production_gives_no_suggestions(production: Api, api: Api, query: str) -> None:
    assert "Did you mean" in (await _post(api, query)).json()["errors"][0]["message"]
    message = (await _post(production, query)).json()["errors"][0]["message"]
    assert "Did you mean" not in message


class _BrokenDatabase:
    """Every collection read fails with a message that must never reach a client."""

    def __init__(self, db: Any) -> None:
        self._db = db

    def __getitem__(self, name: str) -> Any:
        if name == "clusters":
            raise RuntimeError("pymongo: auth failed for mongodb://admin:s3cret@db.internal")
        return self._db[name]

    def __getattr__(self, name: str) -> Any:
        return getattr(self._db, name)


async def test_an_internal_error_is_masked_with_a_public_code(
    caplog: pytest.LogCaptureFixture,
) -> None:
    def broken(settings: Settings) -> Connection:
        real = connect(settings)
        return Connection(client=real.client, db=real.db, embedded=False)  # no seeding

    async with serve(Settings(), connect=broken) as served:
        served.app.state.connection.db = _BrokenDatabase(served.app.state.connection.db)
        response = await _post(served, "{ clusters { totalCount } }")
    body = response.json()
    assert response.status_code == 200
    error = body["errors"][0]
    assert error["message"] == "Internal server error"
    assert error["extensions"] == {"code": "INTERNAL_SERVER_ERROR"}
    assert "s3cret" not in response.text
    assert "pymongo" not in response.text
    assert "s3cret" in caplog.text  # the detail is in the server log


async def test_operator_object_for_a_string_variable_is_rejected_by_typing(api: Api) -> None:
    response = await _post(
        api,
        "query($s: String!) { cluster(slug: $s) { name } }",
        variables={"s": {"$gt": ""}},
    )
    body = response.json()
    assert body.get("data") is None
    assert "String cannot represent a non string value" in body["errors"][0]["message"]


@pytest.mark.parametrize(
    ("accept", "media_type"),
    [
        pytest.param("application/graphql-response+json", "graphql-response+json", id="ours"),
        pytest.param("application/json", "json", id="json"),
        pytest.param("*/*", "json", id="any"),
        pytest.param(
            "application/json, application/graphql-response+json;q=0.5", "json", id="json-first"
        ),
        pytest.param(
            "application/graphql-response+json;q=0, application/json", "json", id="refused"
        ),
        pytest.param(
            "application/graphql-response+json;q=oops, application/json", "json", id="bad-q"
        ),
    ],
)
async def test_the_media_type_follows_the_accept_preference(
    api: Api, accept: str, media_type: str
) -> None:
    response = await api.http.post(
        "/graphql", json={"query": "{ portfolios { slug } }"}, headers={"accept": accept}
    )
    assert response.headers["content-type"] == f"application/{media_type}"


async def test_an_operation_past_the_deadline_is_a_503_and_its_work_cancelled(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    started, cancelled = asyncio.Event(), asyncio.Event()

    async def stuck(*_args: object) -> int:
        started.set()
        try:
            await asyncio.sleep(60)
        except asyncio.CancelledError:
            cancelled.set()
            raise
        return 0

    monkeypatch.setattr(connection, "count_clusters", stuck)
    monkeypatch.setattr(view, "EXECUTION_DEADLINE_SECONDS", 1.0)
    response = await api.http.post("/graphql", json={"query": "{ clusters { totalCount } }"})
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    assert response.json()["errors"][0]["extensions"]["code"] == "SERVICE_UNAVAILABLE"
    assert started.is_set()
    assert cancelled.is_set()


async def test_several_operations_without_an_operation_name_are_refused(api: Api) -> None:
    body = await api.post("query A { __typename } query B { portfolios { slug } }")
    assert "data" not in body
    assert body["errors"][0]["message"] == (
        "Must provide operation name if query contains multiple operations."
    )
    named = await api.http.post(
        "/graphql",
        json={"query": "query A { __typename } query B { __typename }", "operationName": "B"},
    )
    assert named.json()["data"] == {"__typename": "Query"}


async def test_a_long_operation_name_is_refused_without_being_echoed(api: Api) -> None:
    response = await api.http.post(
        "/graphql", json={"query": "query A { __typename }", "operationName": "x" * 50_000}
    )
    assert len(response.content) < 500
    [error] = response.json()["errors"]
    assert error["message"] == "operationName is 50000 characters; at most 256"


@pytest.mark.parametrize("name", [123, True])
async def test_an_operation_name_that_is_not_a_string_is_a_400(api: Api, name: object) -> None:
    response = await api.http.post(
        "/graphql",
        json={"query": "{ __typename }", "operationName": name},
        headers={"accept": "application/graphql-response+json"},
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"


def _decodes(monkeypatch: pytest.MonkeyPatch, marker: bytes) -> list[str]:
    """The threads on which a body holding `marker` is decoded, from now on."""
    decodes: list[str] = []
    loads = orjson.loads

    def counting(data: bytes | str) -> Any:
        if isinstance(data, bytes) and marker in data:
            decodes.append(threading.current_thread().name)
        return loads(data)

    monkeypatch.setattr(orjson, "loads", counting)  # the module `api.view` calls
    return decodes


@pytest.mark.parametrize(
    "cache_bytes", [pytest.param(0, id="uncached"), pytest.param(1 << 20, id="cached")]
)
@pytest.mark.parametrize(
    "padding", [pytest.param(0, id="small"), pytest.param(view.OFFLOADED_BODY_BYTES, id="large")]
)
async def test_a_body_is_decoded_once_and_off_the_loop_when_large(
    monkeypatch: pytest.MonkeyPatch, cache_bytes: int, padding: int
) -> None:
    """The response cache, the view's checks and Strawberry each read the body: one decode
    between them, on the worker thread (`schema.offload`) for a large body; a large body
    the cache cannot answer is decoded again once its turn has come (it waits holding its
    bytes, not thousands of objects)."""
    decodes = _decodes(monkeypatch, b"totalCount")
    body = orjson.dumps(
        {"query": "{ clusters { totalCount } }", "extensions": {"padding": "x" * padding}}
    )
    settings = Settings(anonymous_budget_per_hour=1000, response_cache_bytes=cache_bytes)
    async with serve(settings) as api:
        response = await api.http.post(
            "/graphql", content=body, headers={"content-type": "application/json"}
        )
    assert response.json()["data"] == {"clusters": {"totalCount": 88}}
    assert len(decodes) == (2 if padding and cache_bytes else 1)
    assert all(d.startswith("graphql-compute") == (padding > 0) for d in decodes)


async def test_a_large_body_that_is_not_json_is_decoded_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    decodes = _decodes(monkeypatch, b"{ __typename }")
    body = b'{"query": "{ __typename }", "padding": "' + b"x" * view.OFFLOADED_BODY_BYTES + b"'"
    settings = Settings(anonymous_budget_per_hour=1000, response_cache_bytes=1 << 20)
    async with serve(settings) as api:
        response = await api.http.post(
            "/graphql", content=body, headers={"content-type": "application/json"}
        )
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"
    assert len(decodes) == 1
    assert decodes[0].startswith("graphql-compute")


@pytest.mark.parametrize(
    "variables",
    [
        pytest.param({"w": {"or": [{"country": ["FR"]}] * 3000}}, id="too-many-clauses"),
        pytest.param({"w": {"or": [{"or": [{"country": ["FR"]}] * 99}] * 30}}, id="too-costly"),
    ],
)
async def test_a_refused_request_leaves_its_variables_to_no_reference_cycle(
    api: Api, variables: dict[str, Any]
) -> None:
    """A refusal's traceback held the frames that held the variables, in a cycle with the
    error kept in the result: 6,000 objects a request that only the garbage collector's
    walks (with the GIL held) could free."""
    query = "query($w: ClusterWhere) { clusters(where: $w) { totalCount } }"
    await api.http.post("/graphql", json={"query": query, "variables": variables})  # warm
    gc.collect()
    gc.disable()
    try:
        response = await api.http.post("/graphql", json={"query": query, "variables": variables})
        assert response.json()["errors"][0]["extensions"]["code"] in {
            "BAD_USER_INPUT",
            "COST_LIMIT_EXCEEDED",
        }
        del response
        cyclic = gc.collect()
    finally:
        gc.enable()
    assert cyclic < 1000  # the variables alone are over 6,000 objects


@pytest.mark.parametrize(
    "where",
    [
        pytest.param({"or": [{"country": ["FR"]}] * 3000}, id="long-list"),
        pytest.param({"or": [{"or": [{"country": ["FR"]}] * 99}] * 30}, id="too-many-items"),
        pytest.param(
            {"or": [{"country": ["FR", "DE", "ES"] * 5, "portfolio": ["ict"]}] * 99},
            id="admitted",
        ),
    ],
)
async def test_large_variables_are_walked_off_the_loop(
    api: Api, monkeypatch: pytest.MonkeyPatch, where: dict[str, Any]
) -> None:
    """Variables of 8 kB or more are costed on the worker thread (whatever the length of
    the text): walking 2,500 list items takes milliseconds."""
    from schema.guards import cost

    query = "query($w: ClusterWhere) { clusters(where: $w) { totalCount } }"
    await api.post(query, w={"country": ["FR"]})  # the document is known from now on
    threads: set[str] = set()
    walk = cost._check_raw_lists

    def walking(*args: Any) -> None:
        threads.add(threading.current_thread().name)
        walk(*args)

    monkeypatch.setattr(cost, "_check_raw_lists", walking)
    body = {"query": query, "variables": {"w": where}}
    assert len(orjson.dumps(body)) >= view.OFFLOADED_BODY_BYTES
    response = await api.http.post("/graphql", json=body)
    assert response.status_code == 200
    assert threads
    assert threading.main_thread().name not in threads
