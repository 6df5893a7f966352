"""Automatic persisted queries: the store's rules, and the protocol over HTTP."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest
from cross_web import HTTPException
from strawberry.http import GraphQLRequestData

from api.persisted import PersistedQueries, PersistedQueryNotFound
from tests.support import Api

QUERY = '{ portfolio(slug: "ict") { name } }'


def sha(query: str) -> str:
    return hashlib.sha256(query.encode("utf-8")).hexdigest()


def request(query: str | None, extension: Any) -> GraphQLRequestData:
    extensions = None if extension is None else {"persistedQuery": extension}
    return GraphQLRequestData(
        query=query, variables=None, operation_name=None, extensions=extensions
    )


def test_a_request_without_the_extension_passes_through() -> None:
    store = PersistedQueries()
    plain = request(QUERY, None)
    assert store.resolve(plain) is plain
    assert len(store) == 0


def test_a_query_sent_with_its_hash_is_remembered_once_validated() -> None:
    store = PersistedQueries()
    extension = {"version": 1, "sha256Hash": sha(QUERY)}
    with pytest.raises(PersistedQueryNotFound):
        store.resolve(request(None, extension))
    sent = store.resolve(request(QUERY, extension))
    assert sent.query == QUERY
    with pytest.raises(PersistedQueryNotFound):  # not before it has validated
        store.resolve(request(None, extension))
    store.confirm(sent, validated=True)
    assert store.resolve(request(None, extension)).query == QUERY


def test_a_query_that_does_not_validate_is_not_remembered() -> None:
    store = PersistedQueries()
    extension = {"version": 1, "sha256Hash": sha("{ nope")}
    store.confirm(store.resolve(request("{ nope", extension)), validated=False)
    assert len(store) == 0


@pytest.mark.parametrize(
    ("query", "extension", "message"),
    [
        pytest.param(QUERY + " ", {"version": 1, "sha256Hash": sha(QUERY)}, "does not match"),
        pytest.param(None, {"version": 2, "sha256Hash": sha(QUERY)}, "version 1"),
        pytest.param(None, {"version": 1, "sha256Hash": "abc"}, "64 lowercase hex"),
        pytest.param(None, {"version": 1, "sha256Hash": sha(QUERY).upper()}, "64 lowercase hex"),
        pytest.param(None, "yes", "version 1"),
    ],
)
def test_a_malformed_extension_is_a_400(query: str | None, extension: Any, message: str) -> None:
    with pytest.raises(HTTPException) as raised:
        PersistedQueries().resolve(request(query, extension))
    assert raised.value.status_code == 400
    assert message in raised.value.reason


def test_the_least_recently_used_query_is_dropped_beyond_the_bound() -> None:
    store = PersistedQueries(max_entries=2)
    queries = ["{ a }", "{ b }", "{ c }"]
    for query in queries[:2]:
        sent = request(query, {"version": 1, "sha256Hash": sha(query)})
        store.confirm(store.resolve(sent), validated=True)
    store.resolve(request(None, {"version": 1, "sha256Hash": sha("{ a }")}))  # a is used
    sent = request("{ c }", {"version": 1, "sha256Hash": sha("{ c }")})
    store.confirm(store.resolve(sent), validated=True)
    assert len(store) == 2
    with pytest.raises(PersistedQueryNotFound):
        store.resolve(request(None, {"version": 1, "sha256Hash": sha("{ b }")}))
    assert store.resolve(request(None, {"version": 1, "sha256Hash": sha("{ a }")})).query


@pytest.mark.anyio
async def test_the_protocol_over_http(api: Api) -> None:
    query = '{ portfolio(slug: "construction") { name } }'
    extensions = {"persistedQuery": {"version": 1, "sha256Hash": sha(query)}}
    params = {"extensions": json.dumps(extensions)}
    json_accept = {"accept": "application/json"}
    graphql_accept = {"accept": "application/graphql-response+json"}

    for headers in (json_accept, graphql_accept):
        unknown = await api.http.get("/graphql", params=params, headers=headers)
        assert unknown.status_code == 200  # clients read the code from the body
        assert unknown.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"

    sent = await api.http.post("/graphql", json={"query": query, "extensions": extensions})
    assert sent.json()["data"] == {"portfolio": {"name": "Construction"}}

    by_hash = await api.http.get("/graphql", params=params, headers={"accept": "*/*"})
    assert by_hash.status_code == 200
    assert by_hash.headers["content-type"] == "application/json"  # not GraphiQL
    assert by_hash.json()["data"] == {"portfolio": {"name": "Construction"}}


@pytest.mark.anyio
@pytest.mark.parametrize(
    "query",
    [
        pytest.param("{ portfolios { name ", id="does-not-parse"),
        pytest.param("{ portfolios { nope } }", id="does-not-validate"),
    ],
)
async def test_a_document_that_fails_is_not_stored_over_http(api: Api, query: str) -> None:
    extensions = {"persistedQuery": {"version": 1, "sha256Hash": sha(query)}}
    sent = await api.http.post("/graphql", json={"query": query, "extensions": extensions})
    assert sent.json()["errors"]
    again = await api.http.post("/graphql", json={"extensions": extensions})
    assert again.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"
