"""HTTP caching of `/graphql` answers: `Cache-Control`, the ETag and 304, `Vary`."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from starlette.datastructures import Headers

from api.caching import carries_credentials, etag_of, matches
from api.settings import Settings
from tests.editing import serve_editors
from tests.support import Api, serve

pytestmark = pytest.mark.anyio

QUERY = '{ portfolio(slug: "ict") { name } }'


def sha(query: str) -> str:
    return hashlib.sha256(query.encode()).hexdigest()


async def test_a_successful_get_is_public_with_a_strong_etag_of_the_body(api: Api) -> None:
    response = await api.http.get("/graphql", params={"query": QUERY})
    assert response.status_code == 200
    assert response.headers["cache-control"] == "public, max-age=60"
    etag = response.headers["etag"]
    assert not etag.startswith("W/")
    assert etag == '"' + hashlib.sha256(response.content).hexdigest()[:32] + '"'
    assert response.headers["vary"] == "Accept, Authorization"


async def test_the_max_age_comes_from_the_setting() -> None:
    async with serve(Settings(cache_max_age=300)) as served:
        response = await served.http.get("/graphql", params={"query": QUERY})
    assert response.headers["cache-control"] == "public, max-age=300"


@pytest.mark.parametrize(
    "if_none_match",
    [
        pytest.param("{etag}", id="same"),
        pytest.param('"other", {etag}', id="in-a-list"),
        pytest.param("W/{etag}", id="weak-form"),
        pytest.param("*", id="any"),
    ],
)
async def test_a_matching_if_none_match_gets_304_without_a_body(
    api: Api, if_none_match: str
) -> None:
    first = await api.http.get("/graphql", params={"query": QUERY})
    etag = first.headers["etag"]
    again = await api.http.get(
        "/graphql",
        params={"query": QUERY},
        headers={"if-none-match": if_none_match.format(etag=etag)},
    )
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == etag
    assert again.headers["cache-control"] == "public, max-age=60"
    assert again.headers["vary"] == "Accept, Authorization"


async def test_another_etag_gets_the_whole_answer(api: Api) -> None:
    response = await api.http.get(
        "/graphql", params={"query": QUERY}, headers={"if-none-match": '"stale"'}
    )
    assert response.status_code == 200
    assert response.json()["data"] == {"portfolio": {"name": "ICT"}}


async def test_the_media_type_changes_the_etag(api: Api) -> None:
    plain = await api.http.get("/graphql", params={"query": QUERY})
    ours = await api.http.get(
        "/graphql",
        params={"query": QUERY},
        headers={"accept": "application/graphql-response+json"},
    )
    assert ours.headers["content-type"] == "application/graphql-response+json"
    assert ours.headers["cache-control"] == "public, max-age=60"
    assert ours.content == plain.content  # same bytes, told apart by Vary: Accept


@pytest.mark.parametrize(
    "query",
    [
        pytest.param("{ nope }", id="validation"),
        pytest.param("{ clusters(first: 101) { totalCount } }", id="bad-user-input"),
        pytest.param("{ portfolios { slug }", id="syntax"),
    ],
)
async def test_an_answer_with_errors_is_never_stored(api: Api, query: str) -> None:
    response = await api.http.get("/graphql", params={"query": query})
    assert response.json()["errors"]
    assert response.headers["cache-control"] == "no-store"
    assert "etag" not in response.headers


async def test_persisted_query_not_found_is_never_stored(api: Api) -> None:
    unknown = "{ portfolios { name slug } }"
    extensions = json.dumps({"persistedQuery": {"version": 1, "sha256Hash": sha(unknown)}})
    response = await api.http.get("/graphql", params={"extensions": extensions})
    assert response.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"
    assert response.headers["cache-control"] == "no-store"
    assert "etag" not in response.headers


async def test_a_persisted_query_over_get_is_cacheable_once_known(api: Api) -> None:
    query = "{ portfolios { slug } }"
    extensions = {"persistedQuery": {"version": 1, "sha256Hash": sha(query)}}
    registered = await api.http.post("/graphql", json={"query": query, "extensions": extensions})
    assert registered.headers["cache-control"] == "no-store"
    response = await api.http.get("/graphql", params={"extensions": json.dumps(extensions)})
    assert response.json()["data"]["portfolios"]
    assert response.headers["cache-control"] == "public, max-age=60"
    assert "etag" in response.headers


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        pytest.param({"authorization": "Bearer k3y"}, 401, id="unknown-key"),
        pytest.param({"cookie": "session=1"}, 200, id="cookie"),
    ],
)
async def test_a_request_with_credentials_is_never_stored(
    api: Api, headers: dict[str, str], status: int
) -> None:
    response = await api.http.get("/graphql", params={"query": QUERY}, headers=headers)
    assert response.status_code == status
    assert response.headers["cache-control"] == "no-store"
    assert "etag" not in response.headers


async def test_an_answer_to_a_valid_key_is_never_stored_nor_revalidated(tmp_path: Path) -> None:
    async with serve_editors(tmp_path) as editors:
        http = editors.api.http
        anonymous = await http.get("/graphql", params={"query": QUERY})
        etag = anonymous.headers["etag"]
        headers = {"Authorization": f"Bearer {editors.keys['reader']}", "If-None-Match": etag}
        keyed = await http.get("/graphql", params={"query": QUERY}, headers=headers)
        page = await http.get("/graphql", headers={**headers, "Accept": "text/html"})
    assert keyed.status_code == 200  # the same body, but never a 304 for a key
    assert keyed.headers["cache-control"] == "no-store"
    assert "etag" not in keyed.headers
    assert "rateLimit" in keyed.json()["extensions"]
    assert page.headers["cache-control"] == "no-store"  # GraphiQL too


async def test_a_shareable_answer_holds_no_figures_of_one_client(api: Api) -> None:
    shared = await api.http.get("/graphql", params={"query": QUERY})
    assert shared.headers["cache-control"] == "public, max-age=60"
    assert "rateLimit" not in shared.json().get("extensions", {})
    again = await api.http.get("/graphql", params={"query": QUERY})
    assert again.headers["etag"] == shared.headers["etag"]  # the body does not drift
    posted = await api.http.post("/graphql", json={"query": QUERY})
    assert "rateLimit" in posted.json()["extensions"]


async def test_an_answer_reading_the_budget_is_never_stored(api: Api) -> None:
    response = await api.http.get("/graphql", params={"query": "{ rateLimit { remaining } }"})
    assert response.status_code == 200
    assert response.json()["data"]["rateLimit"]["remaining"] >= 0
    assert response.headers["cache-control"] == "no-store"
    assert "etag" not in response.headers
    assert "rateLimit" in response.json()["extensions"]


async def test_post_is_never_stored(api: Api) -> None:
    response = await api.http.post("/graphql", json={"query": QUERY})
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    assert "etag" not in response.headers
    assert response.headers["vary"] == "Accept, Authorization"


async def test_refused_requests_are_never_stored(api: Api) -> None:
    mutation = await api.http.get("/graphql", params={"query": "mutation { x }"})
    assert mutation.status_code == 405
    assert mutation.headers["cache-control"] == "no-store"
    assert mutation.headers["vary"] == "Accept, Authorization"


async def test_graphiql_is_revalidated_on_each_use(api: Api) -> None:
    page = await api.http.get("/graphql", headers={"accept": "text/html"})
    assert page.headers["cache-control"] == "no-cache"
    again = await api.http.get(
        "/graphql", headers={"accept": "text/html", "if-none-match": page.headers["etag"]}
    )
    assert again.status_code == 304


def test_etag_matching_follows_rfc_9110() -> None:
    etag = etag_of(b"{}")
    assert matches(etag, etag)
    assert matches(f"W/{etag}", etag)
    assert matches(f'"a", {etag}', etag)
    assert matches("*", etag)
    assert not matches(None, etag)
    assert not matches('"a"', etag)
    assert not matches(etag.strip('"'), etag)  # unquoted is another tag
    # A weak ETag (an answer of the response cache) matches itself, weak or not.
    weak = f"W/{etag}"
    assert matches(weak, weak)
    assert matches(etag, weak)
    assert matches(f'"a", {weak}', weak)
    assert not matches('W/"a"', weak)


def test_credentials_are_an_authorization_header_or_cookies() -> None:
    assert carries_credentials(Headers({"Authorization": "Basic eA=="}))
    assert carries_credentials(Headers({"Cookie": "a=b"}))
    assert not carries_credentials(Headers({"Accept": "*/*"}))
