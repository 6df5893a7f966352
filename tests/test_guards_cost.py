"""Query cost: requested nodes counted through connections, lists, fragments and variables;
the limit refuses one past it, before any database read."""

from __future__ import annotations

from typing import Any

import pytest
from graphql import parse

from schema.build import build_schema
from schema.guards.cost import requested_nodes
from schema.rules.limits import DEFAULT_PAGE_SIZE, LIST_ESTIMATE, MAX_REQUESTED_NODES
from tests.support import Api

SCHEMA = build_schema(production=False)._schema


def cost(query: str, variables: dict[str, Any] | None = None, name: str | None = None) -> int:
    return requested_nodes(SCHEMA, parse(query), name, variables or {})


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        pytest.param("{ portfolios { name } }", 0, id="no-connection"),
        pytest.param("{ clusters { totalCount } }", DEFAULT_PAGE_SIZE, id="default-page"),
        pytest.param("{ clusters(first: 7) { nodes { name } } }", 7, id="first"),
        pytest.param("{ clusters(last: 9) { edges { node { name } } } }", 9, id="last"),
        pytest.param(
            "{ clusters(first: 10) { nodes { portfolio { clusters(first: 5) { totalCount } } } } }",
            10 + 10 * 5,
            id="nested-connection",
        ),
        pytest.param(
            "{ portfolios { clusters(first: 3) { totalCount } } }",
            LIST_ESTIMATE * 3,
            id="under-a-list",
        ),
        pytest.param(
            '{ nodes(ids: ["a", "b"]) { ... on Portfolio { clusters(first: 4) { totalCount } } } }',
            2 + 2 * 4,
            id="nodes-and-inline-fragment",
        ),
        pytest.param(
            "{ clusters(first: 2) { nodes { ...P } } } "
            "fragment P on Cluster { portfolio { clusters(first: 6) { totalCount } } }",
            2 + 2 * 6,
            id="fragment-spread",
        ),
        pytest.param(
            "{ clusters { nodes { ...A } } } fragment A on Cluster { ...B } "
            "fragment B on Cluster { ...A }",
            DEFAULT_PAGE_SIZE,
            id="fragment-cycle-terminates",
        ),
    ],
)
def test_requested_nodes(query: str, expected: int) -> None:
    assert cost(query) == expected


def test_variables_set_the_page_size() -> None:
    query = "query($n: Int) { clusters(first: $n) { totalCount } }"
    assert cost(query, {"n": 42}) == 42
    assert cost(query, {}) == DEFAULT_PAGE_SIZE


def test_only_the_named_operation_counts() -> None:
    query = (
        "query A { clusters(first: 3) { totalCount } } "
        "query B { clusters(first: 8) { totalCount } }"
    )
    assert (cost(query, name="A"), cost(query, name="B"), cost(query, name="C")) == (3, 8, 0)


def _at_cost(extra: int) -> str:
    """An operation costing MAX_REQUESTED_NODES + extra (extra >= 0), with few aliases."""
    parts = ["portfolios { clusters(first: 100) { totalCount } }"]  # LIST_ESTIMATE * 100
    left = MAX_REQUESTED_NODES + extra - LIST_ESTIMATE * 100
    n = 0
    while left > 0:
        take = min(left, 100)
        parts.append(f'p{n}: portfolio(slug: "ict") {{ clusters(first: {take}) {{ totalCount }} }}')
        left -= take
        n += 1
    return "{ " + " ".join(parts) + " }"


@pytest.mark.anyio
async def test_cost_at_the_limit_runs_and_is_reported(api: Api) -> None:
    query = _at_cost(0)
    assert cost(query) == MAX_REQUESTED_NODES
    body = await api.post(query)
    assert "errors" not in body
    assert body["extensions"]["cost"] == {
        "requestedNodes": MAX_REQUESTED_NODES,
        "maxRequestedNodes": MAX_REQUESTED_NODES,
    }


@pytest.mark.anyio
async def test_one_past_the_limit_is_refused_before_any_read(api: Api) -> None:
    query = _at_cost(1)
    assert cost(query) == MAX_REQUESTED_NODES + 1
    api.calls.clear()
    body = await api.post(query)
    assert sum(api.calls.values()) == 0
    assert "data" not in body  # refused before execution
    [error] = body["errors"]
    assert error["extensions"]["code"] == "COST_LIMIT_EXCEEDED"
    assert str(MAX_REQUESTED_NODES + 1) in error["message"]


@pytest.mark.anyio
async def test_nested_pages_of_a_hundred_are_refused(api: Api) -> None:
    errors = await api.errors(
        "{ clusters(first: 100) { nodes { portfolio { clusters(first: 100) { totalCount } } } } }"
    )
    assert [e["extensions"]["code"] for e in errors] == ["COST_LIMIT_EXCEEDED"]
