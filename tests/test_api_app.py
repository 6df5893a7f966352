"""The app around the view: health checks and CORS."""

from __future__ import annotations

import pytest

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
