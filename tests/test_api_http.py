"""The HTTP edge: health checks, GET/POST rules, media types, body limit, CORS,
production hardening and error masking."""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from api.database import Connection, connect
from api.http import EXAMPLE_QUERY, GRAPHIQL_ASSETS_PATH
from api.settings import Settings
from tests.support import Api, serve

pytestmark = pytest.mark.anyio


@pytest.fixture(scope="module")
async def limited() -> AsyncIterator[Api]:
    """The app with a 4096-byte request body limit."""
    async with serve(Settings(max_body_bytes=4096)) as served:
        yield served


@pytest.fixture(scope="module")
async def production() -> AsyncIterator[Api]:
    async with serve(Settings(environment="production")) as served:
        yield served


async def _post(api: Api, query: str, **kwargs: Any) -> httpx.Response:
    return await api.http.post("/graphql", json={"query": query, **kwargs})


async def test_healthz_answers_while_the_process_is_up(api: Api) -> None:
    response = await api.http.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_readyz_is_ready_when_the_database_answers(api: Api) -> None:
    response = await api.http.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ready"}


class _Unreachable(Connection):
    async def ping(self) -> None:
        raise ConnectionError("mongodb://admin:s3cret@db.internal:27017 refused")


async def test_readyz_is_503_with_a_reason_and_no_secret_when_the_ping_fails() -> None:
    def failing(settings: Settings) -> Connection:
        real = connect(settings)
        return _Unreachable(client=real.client, db=real.db, embedded=True)

    async with serve(Settings(), connect=failing) as served:
        response = await served.http.get("/readyz")
    assert response.status_code == 503
    assert response.json()["status"] == "unavailable"
    assert "reason" in response.json()
    assert "s3cret" not in response.text
    assert "mongodb://" not in response.text


async def test_post_query_returns_json_encoded_data(api: Api) -> None:
    response = await _post(api, '{ cluster(slug: "nov-log") { name } }')
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {
        "data": {"cluster": {"name": "Nov@log"}},
        "extensions": {"cost": {"requestedNodes": 0, "maxRequestedNodes": 2500}},
    }


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
            {"query": "{ clusters(first: 101) { totalCount } }"}, "BAD_USER_INPUT", id="cap"
        ),
    ],
)
async def test_every_error_has_a_public_code(api: Api, body: dict[str, Any], code: str) -> None:
    response = await api.http.post("/graphql", json=body)
    assert [e["extensions"]["code"] for e in response.json()["errors"]] == [code]


async def test_a_document_too_costly_to_validate_gets_a_readable_message(api: Api) -> None:
    # graphql-core stops comparing overlapping fields after a fixed budget.
    [error] = await api.errors("{ portfolios { " + "slug " * 1000 + "} }")
    assert error["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    assert error["message"].startswith("validation aborted: the document selects too many")


@pytest.mark.parametrize(
    ("content", "status", "code"),
    [
        pytest.param(b"{not json", 400, "BAD_REQUEST", id="bad-json"),
        pytest.param(b'[{"query": "{ __typename }"}]', 400, "BAD_REQUEST", id="batch"),
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


async def test_oversized_body_is_413(limited: Api) -> None:
    padding = "#" * 5000
    response = await limited.http.post(
        "/graphql", json={"query": "{ portfolios { slug } }" + padding}
    )
    assert response.status_code == 413


async def test_oversized_streamed_body_without_length_is_413(limited: Api) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"query": "{ portfolios { slug } }'
        for _ in range(10):
            yield b" " * 1000
        yield b'"}'

    response = await limited.http.post(
        "/graphql", content=chunks(), headers={"content-type": "application/json"}
    )
    assert response.status_code == 413


async def test_body_at_the_limit_is_accepted(limited: Api) -> None:
    body = b'{"query": "{ portfolios { slug } }"}'
    body = body[:-1] + b" " * (4096 - len(body)) + b"}"
    assert len(body) == 4096
    response = await limited.http.post(
        "/graphql", content=body, headers={"content-type": "application/json"}
    )
    assert response.status_code == 200


async def test_graphiql_opens_on_the_example_query(api: Api) -> None:
    response = await api.http.get("/graphql", headers={"accept": "text/html"})
    assert response.status_code == 200
    assert "graphiql" in response.text.lower()
    assert "query ValidClusters" in response.text
    assert EXAMPLE_QUERY.splitlines()[0] in response.text


_ASSET = re.compile(r'(?:src|href)="(?P<url>[^"]+)"\s+integrity="sha384-(?P<sha>[^"]+)"')


async def test_graphiql_loads_nothing_from_other_hosts(api: Api) -> None:
    page = (await api.http.get("/graphql", headers={"accept": "text/html"})).text
    assets = list(_ASSET.finditer(re.sub(r"\s+", " ", page)))
    assert len(assets) == 7  # React, ReactDOM, js-cookie, GraphiQL and its explorer plugin
    assert "unpkg.com" not in page
    for asset in assets:
        assert asset["url"].startswith(GRAPHIQL_ASSETS_PATH + "/")
        served = await api.http.get(asset["url"])
        assert served.status_code == 200, asset["url"]
        # The browser checks Subresource Integrity: the bytes must match the page's hash.
        digest = base64.b64encode(hashlib.sha384(served.content).digest()).decode()
        assert digest == asset["sha"], asset["url"]


async def test_production_serves_no_graphiql_assets(production: Api) -> None:
    url = f"{GRAPHIQL_ASSETS_PATH}/react@18.2.0/umd/react.production.min.js"
    assert (await production.http.get(url)).status_code == 404


async def test_production_hides_graphiql(production: Api) -> None:
    response = await production.http.get("/graphql", headers={"accept": "text/html"})
    assert response.status_code == 404


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


async def test_cors_allows_only_the_configured_origins() -> None:
    settings = Settings(cors_origins=("https://app.example.org",))
    async with serve(settings) as served:
        allowed = await served.http.options(
            "/graphql",
            headers={
                "origin": "https://app.example.org",
                "access-control-request-method": "POST",
            },
        )
        other = await served.http.post(
            "/graphql",
            json={"query": "{ portfolios { slug } }"},
            headers={"origin": "https://evil.example.com"},
        )
    assert allowed.headers["access-control-allow-origin"] == "https://app.example.org"
    assert "access-control-allow-origin" not in other.headers


async def test_no_cors_headers_by_default(api: Api) -> None:
    response = await api.http.post(
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
