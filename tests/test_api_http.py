"""The HTTP edge: health checks, GET/POST rules, media types, body limit, CORS,
production hardening and error masking."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest

from api.app import create_app
from api.database import Connection, connect
from api.http import EXAMPLE_QUERY
from api.settings import Settings

pytestmark = pytest.mark.anyio

Client = httpx.AsyncClient


@pytest.fixture(scope="module")
def anyio_backend() -> str:
    return "asyncio"


@asynccontextmanager
async def serve(
    settings: Settings, connect: Callable[[Settings], Connection] = connect
) -> AsyncIterator[tuple[Any, Client]]:
    """The app with its lifespan running (so the embedded store is seeded), and a client."""
    app = create_app(settings, connect=connect)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
            yield app, http


@pytest.fixture(scope="module")
async def client() -> AsyncIterator[Client]:
    async with serve(Settings(max_body_bytes=4096)) as (_, http):
        yield http


@pytest.fixture(scope="module")
async def production() -> AsyncIterator[Client]:
    async with serve(Settings(environment="production")) as (_, http):
        yield http


async def _post(client: Client, query: str, **kwargs: Any) -> Any:
    return await client.post("/graphql", json={"query": query, **kwargs})


async def test_healthz_answers_while_the_process_is_up(client: Client) -> None:
    response = await client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_readyz_is_ready_when_the_database_answers(client: Client) -> None:
    response = await client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ready"}


class _Unreachable(Connection):
    async def ping(self) -> None:
        raise ConnectionError("mongodb://admin:s3cret@db.internal:27017 refused")


async def test_readyz_is_503_with_a_reason_and_no_secret_when_the_ping_fails() -> None:
    def failing(settings: Settings) -> Connection:
        real = connect(settings)
        return _Unreachable(client=real.client, db=real.db, embedded=True)

    async with serve(Settings(), failing) as (_, test_client):
        response = await test_client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["status"] == "unavailable"
    assert "reason" in response.json()
    assert "s3cret" not in response.text
    assert "mongodb://" not in response.text


async def test_post_query_returns_json_encoded_data(client: Client) -> None:
    response = await _post(client, '{ cluster(slug: "nov-log") { name } }')
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {"data": {"cluster": {"name": "Nov@log"}}}


async def test_get_query_works(client: Client) -> None:
    response = await client.get("/graphql", params={"query": '{ portfolio(slug: "ict") { name } }'})
    assert response.status_code == 200
    assert response.json() == {"data": {"portfolio": {"name": "ICT"}}}


async def test_get_with_variables_works(client: Client) -> None:
    response = await client.get(
        "/graphql",
        params={
            "query": "query($s: String!) { portfolio(slug: $s) { slug } }",
            "variables": '{"s": "construction"}',
        },
    )
    assert response.json() == {"data": {"portfolio": {"slug": "construction"}}}


async def test_get_mutation_is_refused_with_405(client: Client) -> None:
    response = await client.get("/graphql", params={"query": "mutation { anything }"})
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"


async def test_other_methods_are_refused(client: Client) -> None:
    response = await client.put("/graphql", json={"query": "{ portfolios { slug } }"})
    assert response.status_code == 405


async def test_non_json_post_is_refused(client: Client) -> None:
    response = await client.post(
        "/graphql", content="{ portfolios { slug } }", headers={"content-type": "text/plain"}
    )
    assert response.status_code == 400


async def test_graphql_response_json_is_used_when_accepted(client: Client) -> None:
    headers = {"accept": "application/graphql-response+json, application/json;q=0.9"}
    ok = await client.post("/graphql", json={"query": "{ portfolios { slug } }"}, headers=headers)
    assert ok.status_code == 200
    assert ok.headers["content-type"] == "application/graphql-response+json"
    invalid = await client.post("/graphql", json={"query": "{ nope }"}, headers=headers)
    assert invalid.status_code == 400
    assert invalid.headers["content-type"] == "application/graphql-response+json"
    assert "data" not in invalid.json()


async def test_validation_errors_are_200_with_application_json(client: Client) -> None:
    response = await _post(client, "{ nope }")
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
            {"query": "{ clusters(first: 101) { totalCount } }"}, "BAD_USER_INPUT", id="cap"
        ),
    ],
)
async def test_every_error_has_a_public_code(
    client: Client, body: dict[str, Any], code: str
) -> None:
    response = await client.post("/graphql", json=body)
    assert [e["extensions"]["code"] for e in response.json()["errors"]] == [code]


@pytest.mark.parametrize(
    ("content", "status", "code"),
    [
        pytest.param(b"{not json", 400, "BAD_REQUEST", id="bad-json"),
        pytest.param(b'[{"query": "{ __typename }"}]', 400, "BAD_REQUEST", id="batch"),
    ],
)
async def test_requests_that_are_not_graphql_get_a_json_error(
    client: Client, content: bytes, status: int, code: str
) -> None:
    response = await client.post(
        "/graphql", content=content, headers={"content-type": "application/json"}
    )
    assert response.status_code == status
    assert response.headers["content-type"] == "application/json"
    assert response.json()["errors"][0]["extensions"]["code"] == code


async def test_oversized_body_is_413(client: Client) -> None:
    padding = "#" * 5000
    response = await client.post("/graphql", json={"query": "{ portfolios { slug } }" + padding})
    assert response.status_code == 413


async def test_oversized_streamed_body_without_length_is_413(client: Client) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"query": "{ portfolios { slug } }'
        for _ in range(10):
            yield b" " * 1000
        yield b'"}'

    response = await client.post(
        "/graphql", content=chunks(), headers={"content-type": "application/json"}
    )
    assert response.status_code == 413


async def test_body_at_the_limit_is_accepted(client: Client) -> None:
    body = b'{"query": "{ portfolios { slug } }"}'
    body = body[:-1] + b" " * (4096 - len(body)) + b"}"
    assert len(body) == 4096
    response = await client.post(
        "/graphql", content=body, headers={"content-type": "application/json"}
    )
    assert response.status_code == 200


async def test_graphiql_opens_on_the_example_query(client: Client) -> None:
    response = await client.get("/graphql", headers={"accept": "text/html"})
    assert response.status_code == 200
    assert "graphiql" in response.text.lower()
    assert "query ValidClusters" in response.text
    assert EXAMPLE_QUERY.splitlines()[0] in response.text


async def test_production_hides_graphiql(production: Client) -> None:
    response = await production.get("/graphql", headers={"accept": "text/html"})
    assert response.status_code == 404


async def test_production_refuses_introspection(production: Client) -> None:
    body = (await _post(production, "{ __schema { types { name } } }")).json()
    assert body.get("data") is None
    assert "introspection" in body["errors"][0]["message"].lower()


async def test_development_allows_introspection(client: Client) -> None:
    body = (await _post(client, "{ __schema { queryType { name } } }")).json()
    assert body == {"data": {"__schema": {"queryType": {"name": "Query"}}}}


@pytest.mark.parametrize(
    "query",
    [
        pytest.param("{ clustr { id } }", id="field"),
        pytest.param('{ cluster(slgu: "x") { id } }', id="argument"),
        pytest.param("{ clusters(orderBy: [{field: NAM}]) { totalCount } }", id="enum"),
    ],
)
async def test_production_gives_no_suggestions(
    production: Client, client: Client, query: str
) -> None:
    assert "Did you mean" in (await _post(client, query)).json()["errors"][0]["message"]
    message = (await _post(production, query)).json()["errors"][0]["message"]
    assert "Did you mean" not in message


async def test_cors_allows_only_the_configured_origins() -> None:
    settings = Settings(cors_origins=("https://app.example.org",))
    async with serve(settings) as (_, test_client):
        allowed = await test_client.options(
            "/graphql",
            headers={
                "origin": "https://app.example.org",
                "access-control-request-method": "POST",
            },
        )
        other = await test_client.post(
            "/graphql",
            json={"query": "{ portfolios { slug } }"},
            headers={"origin": "https://evil.example.com"},
        )
    assert allowed.headers["access-control-allow-origin"] == "https://app.example.org"
    assert "access-control-allow-origin" not in other.headers


async def test_no_cors_headers_by_default(client: Client) -> None:
    response = await client.post(
        "/graphql",
        json={"query": "{ portfolios { slug } }"},
        headers={"origin": "https://app.example.org"},
    )
    assert "access-control-allow-origin" not in response.headers


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

    async with serve(Settings(), broken) as (app, test_client):
        app.state.connection.db = _BrokenDatabase(app.state.connection.db)
        response = await _post(test_client, "{ clusters { totalCount } }")
    body = response.json()
    assert response.status_code == 200
    error = body["errors"][0]
    assert error["message"] == "Internal server error"
    assert error["extensions"] == {"code": "INTERNAL_SERVER_ERROR"}
    assert "s3cret" not in response.text
    assert "pymongo" not in response.text
    assert "s3cret" in caplog.text  # the detail is in the server log


async def test_operator_object_for_a_string_variable_is_rejected_by_typing(client: Client) -> None:
    response = await _post(
        client,
        "query($s: String!) { cluster(slug: $s) { name } }",
        variables={"s": {"$gt": ""}},
    )
    body = response.json()
    assert body.get("data") is None
    assert "String cannot represent a non string value" in body["errors"][0]["message"]
