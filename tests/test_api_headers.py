"""`SafeHeaders`: `X-Content-Type-Options: nosniff` and a `Cache-Control` on every answer,
whoever produced it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from api.graphiql import GRAPHIQL_ASSETS_PATH
from api.settings import Settings
from tests.support import Api, serve

pytestmark = pytest.mark.anyio

ASSET = f"{GRAPHIQL_ASSETS_PATH}/react@18.2.0/umd/react.production.min.js"


@pytest.fixture(scope="module")
async def cors() -> AsyncIterator[Api]:
    """The app allowing one origin, with a 4096-byte body limit."""
    settings = Settings(cors_origins=("https://app.example.org",), max_body_bytes=4096)
    async with serve(settings) as served:
        yield served


async def _answers(api: Api) -> dict[str, httpx.Response]:
    http = api.http
    return {
        "healthz": await http.get("/healthz"),
        "readyz": await http.get("/readyz"),
        "graphql-get": await http.get("/graphql", params={"query": "{ portfolios { slug } }"}),
        "graphql-post": await http.post("/graphql", json={"query": "{ portfolios { slug } }"}),
        "graphql-error": await http.post("/graphql", content=b"null"),
        "graphiql": await http.get("/graphql", headers={"accept": "text/html"}),
        "static": await http.get(ASSET),
        "not-found": await http.get("/nope"),
        "method": await http.post("/healthz"),
        "too-large": await http.post("/graphql", content=b"x" * 5000),
        "preflight": await http.options(
            "/graphql",
            headers={
                "origin": "https://app.example.org",
                "access-control-request-method": "POST",
            },
        ),
    }


async def test_every_answer_has_nosniff_and_a_cache_control(cors: Api) -> None:
    for name, response in (await _answers(cors)).items():
        assert response.headers.get("x-content-type-options") == "nosniff", name
        assert response.headers.get("cache-control"), name


async def test_every_answer_varies_on_accept_and_graphql_on_authorization(cors: Api) -> None:
    """Every answer of `/graphql` (the body-size limit's 413 and the preflight included)
    varies on Accept and Authorization, each once, beside CORS's Origin; every other
    answer on Accept."""
    for name, response in (await _answers(cors)).items():
        vary = [v.strip() for v in response.headers.get("vary", "").split(",")]
        assert len(vary) == len({v.lower() for v in vary}), (name, vary)
        wanted = {"Accept", "Authorization"} if name.startswith("graph") else {"Accept"}
        if name in ("too-large", "preflight"):
            wanted = {"Accept", "Authorization"}
        assert wanted <= set(vary), (name, vary)


async def test_what_is_not_cacheable_says_no_store(cors: Api) -> None:
    answers = await _answers(cors)
    for name in ("healthz", "readyz", "graphql-post", "graphql-error", "not-found", "method"):
        assert answers[name].headers["cache-control"] == "no-store", name


async def test_static_files_are_revalidated_with_their_etag(cors: Api) -> None:
    first = await cors.http.get(ASSET)
    assert first.headers["cache-control"] == "no-cache"
    again = await cors.http.get(ASSET, headers={"if-none-match": first.headers["etag"]})
    assert again.status_code == 304


@pytest.mark.parametrize(
    "range_", ["bytes=junk", "bytes=5-1", "items=0-1", "bytes=999999999-", "bytes=0-10"]
)
@pytest.mark.parametrize("path", ["/", "/web/app.js", ASSET])
async def test_a_range_is_ignored_and_the_whole_file_sent(
    cors: Api, path: str, range_: str
) -> None:
    whole = await cors.http.get(path)
    ranged = await cors.http.get(path, headers={"range": range_})
    assert (whole.status_code, ranged.status_code) == (200, 200)
    assert ranged.content == whole.content
    assert "content-range" not in ranged.headers
