"""The app around the view: health checks and CORS."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from starlette.requests import Request
from starlette.routing import Route

from api.database import Connection, connect
from api.settings import Settings
from tests.support import Api, serve

pytestmark = pytest.mark.anyio


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


ORIGIN = "https://app.example.org"


@pytest.fixture(scope="module")
async def cors() -> AsyncIterator[Api]:
    """The app allowing `ORIGIN`, with a 4096-byte body limit and a route that fails."""
    async with serve(Settings(cors_origins=(ORIGIN,), max_body_bytes=4096)) as served:
        served.app.router.routes.append(Route("/boom", _boom))
        yield served


async def _boom(request: Request) -> None:
    raise RuntimeError("a bug")


async def test_a_preflight_allows_the_headers_apollo_client_sends(cors: Api) -> None:
    sent = "authorization, content-type, apollographql-client-name, x-apollo-operation-name"
    response = await cors.http.options(
        "/graphql",
        headers={
            "origin": ORIGIN,
            "access-control-request-method": "POST",
            "access-control-request-headers": sent,
        },
    )
    assert response.status_code == 200
    allowed = {
        h.strip().lower() for h in response.headers["access-control-allow-headers"].split(",")
    }
    assert set(sent.split(", ")) <= allowed


async def test_a_preflight_refuses_a_header_not_configured(cors: Api) -> None:
    response = await cors.http.options(
        "/graphql",
        headers={
            "origin": ORIGIN,
            "access-control-request-method": "POST",
            "access-control-request-headers": "x-secret-debug",
        },
    )
    assert response.status_code == 400


@pytest.mark.parametrize(
    ("method", "path", "content", "status"),
    [
        pytest.param("POST", "/graphql", b"x" * 5000, 413, id="body-limit"),
        pytest.param("POST", "/graphql", b"null", 400, id="bad-body"),
        pytest.param("GET", "/nope", b"", 404, id="not-found"),
        pytest.param("POST", "/healthz", b"", 405, id="method"),
        pytest.param("GET", "/boom", b"", 500, id="unhandled"),
    ],
)
async def test_errors_carry_cors_headers_so_a_browser_can_read_them(
    cors: Api, method: str, path: str, content: bytes, status: int
) -> None:
    response = await cors.http.request(
        method,
        path,
        content=content,
        headers={"origin": ORIGIN, "content-type": "application/json"},
    )
    assert response.status_code == status
    assert response.headers["access-control-allow-origin"] == ORIGIN
    assert response.json()["errors"][0]["extensions"]["code"]


async def test_the_etag_is_readable_by_a_cross_origin_script(cors: Api) -> None:
    response = await cors.http.get(
        "/graphql", params={"query": "{ portfolios { slug } }"}, headers={"origin": ORIGIN}
    )
    assert response.headers["access-control-allow-origin"] == ORIGIN
    assert "etag" in response.headers["access-control-expose-headers"].lower()
    assert set(response.headers["vary"].split(", ")) >= {"Accept", "Authorization", "Origin"}
