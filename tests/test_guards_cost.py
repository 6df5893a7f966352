"""Query cost: requested nodes counted through connections, lists, fragments, variables and
defaults, weighted fields and list inputs; the limit refuses one past it, before any
database read."""

from __future__ import annotations

from typing import Any

import pytest
from graphql import GraphQLError, parse

from schema.build import build_schema
from schema.guards.cost import requested_nodes
from schema.rules.limits import (
    AGGREGATE_COST,
    BENCHMARK_COST,
    DEFAULT_PAGE_SIZE,
    FACETS_COST,
    HISTORY_COST,
    LIST_ESTIMATE,
    MAX_INPUT_LIST_LENGTH,
    MAX_REQUESTED_NODES,
    TIMELINE_COST,
    TIMELINE_GROUPED_FACTOR,
    TIMELINE_PERIODS,
    TOTAL_COUNT_COST,
)
from tests.support import Api

SCHEMA = build_schema(production=False)._schema


def cost(query: str, variables: dict[str, Any] | None = None, name: str | None = None) -> int:
    return requested_nodes(SCHEMA, parse(query), name, variables or {})


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        pytest.param("{ portfolios { name } }", LIST_ESTIMATE, id="a-list-of-objects"),
        pytest.param("{ __schema { types { fields { name } } } }", 0, id="introspection"),
        pytest.param(
            "{ clusters { totalCount } }", DEFAULT_PAGE_SIZE + TOTAL_COUNT_COST, id="default-page"
        ),
        pytest.param("{ clusters(first: 7) { nodes { name } } }", 7, id="first"),
        pytest.param("{ clusters(last: 9) { edges { node { name } } } }", 9, id="last"),
        pytest.param(
            "{ clusters(first: 10) { nodes { portfolio { clusters(first: 5) { totalCount } } } } }",
            10 + 10 * (1 + 5 + TOTAL_COUNT_COST),  # each cluster's portfolio counts one
            id="nested-connection",
        ),
        pytest.param(
            "{ portfolios { clusters(first: 3) { totalCount } } }",
            LIST_ESTIMATE * (1 + 3 + TOTAL_COUNT_COST),
            id="under-a-list",
        ),
        pytest.param(
            '{ nodes(ids: ["a", "b"]) { ... on Portfolio { clusters(first: 4) { totalCount } } } }',
            2 + 2 + 2 * (4 + TOTAL_COUNT_COST),  # two IDs: two list items, two objects
            id="nodes-and-inline-fragment",
        ),
        pytest.param(
            "{ clusters(first: 2) { nodes { ...P } } } "
            "fragment P on Cluster { portfolio { clusters(first: 6) { totalCount } } }",
            2 + 2 * (1 + 6 + TOTAL_COUNT_COST),
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
    query = "query($n: Int) { clusters(first: $n) { nodes { name } } }"
    assert cost(query, {"n": 42}) == 42
    assert cost(query, {"n": 42.0}) == 42  # an integral float is coerced to Int
    assert cost(query, {}) == DEFAULT_PAGE_SIZE


def test_a_variables_default_sets_the_page_size() -> None:
    query = "query($n: Int = 100) { clusters(first: $n) { nodes { name } } }"
    assert cost(query) == 100
    assert cost(query, {"n": 3}) == 3


def test_a_variable_that_does_not_coerce_costs_nothing() -> None:
    # Execution refuses it before any resolver runs.
    assert cost("query($n: Int) { clusters(first: $n) { nodes { name } } }", {"n": "x"}) == 0


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        pytest.param(
            "{ clusters(first: 2) { nodes { benchmark { overall { green } } } } }",
            2 + 2 * BENCHMARK_COST,
            id="benchmark",
        ),
        pytest.param(
            "{ a: portfolioStats { clusterCount } b: labelTimeline { year } "
            "c: clustersAggregate(groupBy: []) { count } "
            'd: indicatorStats(code: "x") { n } }',
            4 * AGGREGATE_COST,
            id="aggregates",
        ),
        pytest.param(
            "{ clusters(first: 10) { totalCount facets { country { count } } } }",
            10 + TOTAL_COUNT_COST + FACETS_COST,
            id="facets",
        ),
        pytest.param(
            "{ portfolios { clusters(first: 1) { facets { labelLevel { count } } } } }",
            LIST_ESTIMATE * (1 + 1 + FACETS_COST),
            id="facets-per-connection",
        ),
        pytest.param(
            "{ labelTimeline(interval: MONTH) { year } }",
            TIMELINE_COST["MONTH"],
            id="timeline-by-month",
        ),
        pytest.param(
            "{ labelTimeline(interval: DAY, groupBy: [PORTFOLIO]) { year } }",
            TIMELINE_COST["DAY"] * TIMELINE_GROUPED_FACTOR["DAY"] + 1,
            id="timeline-by-day-grouped",
        ),
        pytest.param(
            "{ labelTimeline(interval: MONTH, groupBy: [PORTFOLIO]) { year } }",
            TIMELINE_COST["MONTH"] * TIMELINE_GROUPED_FACTOR["MONTH"] + 1,
            id="timeline-by-month-grouped",
        ),
        pytest.param(
            "{ labelTimeline(interval: MONTH) "
            "{ portfolio { clusters(first: 3) { totalCount } } } }",
            # Each period's portfolio is a node: it counts one, with a page under it.
            TIMELINE_COST["MONTH"] + TIMELINE_PERIODS["MONTH"] * (1 + 3 + TOTAL_COUNT_COST),
            id="timeline-periods-are-parents",
        ),
        pytest.param(
            "{ labelTimeline(interval: DAY, groupBy: [PORTFOLIO]) "
            "{ portfolio { clusters(first: 1) { nodes { name } } } } }",
            TIMELINE_COST["DAY"] * TIMELINE_GROUPED_FACTOR["DAY"]
            + 1
            + TIMELINE_PERIODS["DAY"] * LIST_ESTIMATE * (1 + 1),
            id="timeline-by-day-grouped-with-a-page-per-period",
        ),
        pytest.param(
            "{ clustersAggregate(groupBy: [PORTFOLIO, COUNTRY]) { count } }",
            AGGREGATE_COST + 2,
            id="list-argument-items",
        ),
        pytest.param(
            '{ clusters(first: 1, where: {or: [{country: ["A", "B"]}, {portfolio: ["c"]}]}) '
            "{ nodes { name } } }",
            1 + 2 + 3,  # two clauses, three values
            id="where-items",
        ),
    ],
)
def test_weighted_fields_and_inputs(query: str, expected: int) -> None:
    assert cost(query) == expected


@pytest.mark.parametrize(
    ("fields", "each"),
    [
        pytest.param("latestInterview { results { code } }", 1 + 36, id="results"),
        pytest.param("latestInterview { conductedOn }", 1, id="latest-interview"),
        pytest.param("labels { level }", 5, id="labels"),
        pytest.param("interviews { conductedOn }", 5, id="interviews"),
        pytest.param("labels { level } interviews { conductedOn }", 10, id="both"),
    ],
)
def test_a_clusters_history_and_results_count_what_they_return(fields: str, each: int) -> None:
    """A page of 100 costs 100 plus its clusters' results (36 each: one per indicator)
    and histories (5 each); fifteen such pages of histories were admitted at 1,500 and
    took seconds together."""
    page = f"clusters(first: 100) {{ nodes {{ name {fields} }} }}"
    assert cost(f"{{ {page} }}") == 100 * (1 + each)
    aliases = " ".join(f"a{i}: {page}" for i in range(15))
    assert cost(f"{{ {aliases} }}") == 15 * 100 * (1 + each) > MAX_REQUESTED_NODES
    assert cost(f"{{ a: {page} }}") == 100 * (1 + each)


def test_the_timeline_interval_from_a_variable_is_weighted() -> None:
    query = "query($i: TimelineInterval!) { labelTimeline(interval: $i) { year } }"
    assert cost(query, {"i": "DAY"}) == TIMELINE_COST["DAY"]
    assert cost(query, {"i": "YEAR"}) == TIMELINE_COST["YEAR"] == AGGREGATE_COST


def test_a_node_reached_below_a_weighted_field_counts() -> None:
    """A cluster's labels (5) cover the labels, not the clusters, interviews and clusters
    again reached from each of them (a list of unknown length: 20 labels)."""
    query = (
        "{ clusters(first: 1) { nodes { labels { level cluster { latestInterview { %s } } } } } }"
    )
    assert cost(query % "conductedOn") == 1 + HISTORY_COST + LIST_ESTIMATE * 2
    assert cost(query % "cluster { slug }") == 1 + HISTORY_COST + LIST_ESTIMATE * 3
    # What the weight covers stays covered: a benchmark's rows are no nodes.
    assert cost("{ clusters(first: 1) { nodes { benchmark { overall { green } } } } }") == 51


def test_a_page_selected_twice_counts_twice() -> None:
    page = "{ clusters(first: 10) { %s } }"
    assert cost(page % "nodes { name }") == cost(page % "edges { node { name } }") == 10
    assert cost(page % "edges { cursor node { name } } nodes { name }") == 20
    assert cost(page % "a: nodes { name } b: nodes { slug } c: nodes { id }") == 30


def test_every_connection_field_counts_once_per_connection() -> None:
    # totalCount and pageInfo resolve once per page, not once per item of it.
    query = "{ clusters(first: 10) { totalCount pageInfo { hasNextPage } nodes { name } } }"
    assert cost(query) == 10 + TOTAL_COUNT_COST + 1


@pytest.mark.parametrize(
    ("fields", "each"),
    [
        pytest.param("name", 0, id="scalars"),
        pytest.param("name label { level }", 1, id="label"),
        pytest.param("portfolio { name } label { level }", 2, id="portfolio-and-label"),
        pytest.param("latestInterview { cluster { name } }", 2, id="nested-objects"),
        pytest.param("benchmark { overall { green } indicators { code } }", 50, id="covered"),
    ],
)
def test_every_object_counts_one_each_time_it_resolves(fields: str, each: int) -> None:
    """A page of 100 clusters costs 100 and each object its clusters open one more, so
    fifteen pages of 100 with their latest interview (3,000) are refused; a weighted field
    (`benchmark`) counts the objects of its answer in its weight."""
    page = f"clusters(first: 100) {{ nodes {{ {fields} }} }}"
    assert cost(f"{{ {page} }}") == 100 * (1 + each)
    fifteen = " ".join(
        f"a{i}: clusters(first: 100) {{ nodes {{ slug latestInterview {{ conductedOn }} }} }}"
        for i in range(15)
    )
    assert cost(f"{{ {fifteen} }}") == 3000 > MAX_REQUESTED_NODES


def _where(items: int) -> dict[str, Any]:
    return {"or": [{"country": ["XX"]}] * items}


def test_a_list_at_the_limit_is_counted() -> None:
    query = "query($w: ClusterWhere) { clusters(first: 0, where: $w) { nodes { name } } }"
    at_limit = {"country": ["XX"] * MAX_INPUT_LIST_LENGTH}
    assert cost(query, {"w": at_limit}) == MAX_INPUT_LIST_LENGTH
    # 99 filters in an `or`, with their values: the most filters one `where` may combine.
    assert cost(query, {"w": _where(99)}) == 2 * 99


def test_a_where_variable_of_too_many_filters_is_refused_before_coercion() -> None:
    query = "query($w: [ClusterWhere!]) { clusters(first: 0, where: {or: $w}) { totalCount } }"
    with pytest.raises(GraphQLError, match="more than 100 filters"):
        cost("query($w: ClusterWhere) { clusters(where: $w) { totalCount } }", {"w": _where(100)})
    # A list of filters is measured as a whole too.
    with pytest.raises(GraphQLError, match="more than 100 filters"):
        cost(query, {"w": [{"or": [{}] * 60}, {"or": [{}] * 60}]})


def test_a_list_past_the_limit_is_refused() -> None:
    query = "query($w: ClusterWhere) { clusters(where: $w) { totalCount } }"
    with pytest.raises(GraphQLError) as refused:
        cost(query, {"w": _where(MAX_INPUT_LIST_LENGTH + 1)})
    assert refused.value.extensions == {"code": "BAD_USER_INPUT"}
    assert "$w.or lists 101 items" in refused.value.message  # checked before coercion


def test_more_list_items_in_all_than_the_cost_limit_are_refused_before_coercion(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from schema.guards import cost as cost_module

    query = "{ clusters(first: 0) { totalCount } }"
    # 25 lists of 100: 2,500 items, as many as the cost allows (unused variables are
    # measured too: the check runs on the JSON as it came).
    at_limit = {f"l{i}": ["x"] * 100 for i in range(25)}
    assert cost(query, at_limit) == 10
    coerced: list[object] = []

    def coercing(*args: Any, **kwargs: Any) -> list[object]:
        coerced.append(args)
        return []

    monkeypatch.setattr(cost_module, "get_variable_values", coercing)
    with pytest.raises(GraphQLError) as refused:
        cost(query, {**at_limit, "one more": ["x"]})
    assert refused.value.extensions == {"code": "COST_LIMIT_EXCEEDED"}
    assert f"more than {MAX_REQUESTED_NODES} list items" in refused.value.message
    assert coerced == []  # refused before graphql-core coerced anything


def test_a_literal_list_past_the_limit_is_refused() -> None:
    values = ", ".join(f'"C{i}"' for i in range(MAX_INPUT_LIST_LENGTH + 1))
    with pytest.raises(GraphQLError) as refused:
        cost(f"{{ clusters(where: {{country: [{values}]}}) {{ totalCount }} }}")
    assert "clusters.where.country lists 101 items" in refused.value.message


def test_only_the_named_operation_counts() -> None:
    query = (
        "query A { clusters(first: 3) { nodes { name } } } "
        "query B { clusters(first: 8) { nodes { name } } }"
    )
    assert (cost(query, name="A"), cost(query, name="B"), cost(query, name="C")) == (3, 8, 0)


def _at_cost(extra: int) -> str:
    """An operation costing MAX_REQUESTED_NODES + extra (extra >= 0), with few aliases."""
    # The portfolios (LIST_ESTIMATE) and a page of 100 under each.
    parts = ["portfolios { clusters(first: 100) { nodes { name } } }"]
    left = MAX_REQUESTED_NODES + extra - LIST_ESTIMATE * (1 + 100)
    n = 0
    while left > 0:
        take = min(left - 1, 100)  # the portfolio itself counts one
        parts.append(
            f'p{n}: portfolio(slug: "ict") {{ clusters(first: {take}) {{ nodes {{ name }} }} }}'
        )
        left -= 1 + take
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


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("query", "variables", "code"),
    [
        pytest.param(
            "query($n: Int = 100) { clusters(first: $n) { nodes { portfolio { "
            "clusters(first: $n) { totalCount } } } } }",
            {},
            "COST_LIMIT_EXCEEDED",
            id="page-size-from-a-default",
        ),
        pytest.param(
            "query($n: Int) { clusters(first: $n) { nodes { portfolio { "
            "clusters(first: $n) { totalCount } } } } }",
            {"n": 100.0},
            "COST_LIMIT_EXCEEDED",
            id="page-size-from-a-float",
        ),
        pytest.param(
            "query($w: ClusterWhere) { "
            + " ".join(f"a{i}: clusters(where: $w) {{ totalCount }}" for i in range(5))
            + " }",
            {"w": _where(3000)},
            "BAD_USER_INPUT",
            id="three-thousand-clauses",
        ),
        pytest.param(
            "{ "
            + " ".join(
                f"a{i}: clusters(first: 100) {{ nodes {{ benchmark(peerGroup: ALL) "
                "{ overall { green } } } }"
                for i in range(15)
            )
            + " }",
            {},
            "COST_LIMIT_EXCEEDED",
            id="fifteen-pages-of-benchmarks",
        ),
    ],
)
async def test_probes_are_refused_before_any_read(
    api: Api, query: str, variables: dict[str, Any], code: str
) -> None:
    api.calls.clear()
    body = await api.post(query, **variables)
    assert sum(api.calls.values()) == 0
    assert "data" not in body
    assert [e["extensions"]["code"] for e in body["errors"]] == [code]


@pytest.mark.anyio
async def test_the_reported_cost_is_the_one_checked(api: Api) -> None:
    query = "query($n: Int = 7) { clusters(first: $n) { totalCount nodes { name } } }"
    body = await api.post(query)
    assert body["extensions"]["cost"]["requestedNodes"] == cost(query) == 7 + TOTAL_COUNT_COST


@pytest.mark.anyio
async def test_a_day_by_day_timeline_per_portfolio_is_refused(api: Api) -> None:
    [error] = await api.errors("{ labelTimeline(interval: DAY, groupBy: [PORTFOLIO]) { year } }")
    assert error["extensions"]["code"] == "COST_LIMIT_EXCEEDED"
    assert await api.data("{ labelTimeline(interval: DAY) { year } }")
    assert await api.data("{ labelTimeline(interval: MONTH, groupBy: [PORTFOLIO]) { year } }")


@pytest.mark.anyio
async def test_variables_nested_past_the_limit_are_refused_not_recursed(api: Api) -> None:
    deep = "[" * 1000 + "]" * 1000  # deeper than Python's stack would follow
    body = '{"query": "{ __typename }", "variables": {"x": ' + deep + "}}"
    response = await api.http.post(
        "/graphql", content=body, headers={"content-type": "application/json"}
    )
    [error] = response.json()["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert "more than 32 levels deep" in error["message"]
    export = await api.http.get("/export/clusters.csv", params={"orderBy": deep})
    assert export.status_code == 400


@pytest.mark.anyio
async def test_the_cost_is_computed_once_per_request(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    from api import budgets
    from schema.guards import cost as cost_module

    walks: list[str] = []

    def counting(*args: Any, **kwargs: Any) -> int:
        walks.append("walk")
        return requested_nodes(*args, **kwargs)

    monkeypatch.setattr(cost_module, "requested_nodes", counting)
    monkeypatch.setattr(budgets, "requested_nodes", counting)
    body = await api.post("{ once: clusters(first: 7) { nodes { name } } }")
    assert body["extensions"]["cost"]["requestedNodes"] == 7
    assert walks == ["walk"]  # for admission and the budget; the guard reuses it
