"""`BodySizeLimit`: request bodies over the limit get 413, whether they declare a length
or not."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from api.settings import Settings
from tests.support import Api, serve

pytestmark = pytest.mark.anyio


@pytest.fixture(scope="module")
async def limited() -> AsyncIterator[Api]:
    """The app with a 4096-byte request body limit."""
    async with serve(Settings(max_body_bytes=4096)) as served:
        yield served


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


async def test_a_bad_content_length_is_400_with_a_json_error(limited: Api) -> None:
    response = await limited.http.post(
        "/graphql",
        content=b'{"query": "{ portfolios { slug } }"}',
        headers={"content-type": "application/json", "content-length": "many"},
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"


async def test_an_oversized_query_string_is_414_with_a_json_error(limited: Api) -> None:
    query = "{ portfolios { slug } }" + "#" * 5000
    response = await limited.http.get("/graphql", params={"query": query})
    assert response.status_code == 414
    assert response.json()["errors"][0]["extensions"]["code"] == "URI_TOO_LONG"


async def test_a_query_string_at_the_limit_is_accepted(limited: Api) -> None:
    query = "{ portfolios { slug } }"
    padding = 4096 - len("query=") - len("%7B+portfolios+%7B+slug+%7D+%7D")
    response = await limited.http.get("/graphql", params={"query": query + " " * padding})
    assert len(response.request.url.query) == 4096
    assert response.status_code == 200
