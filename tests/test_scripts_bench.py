"""`scripts/bench.py` (`make bench`) and its floors (`scripts/bench_floor.py`): the bare
Strawberry apps answer what the benchmark sends them, and the one that answers the
directory and nested pages from memory answers them in the project's shape and size."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest

from tests.support import Api

pytestmark = pytest.mark.anyio

SCRIPTS = Path(__file__).resolve().parent.parent / "scripts"


def _script(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"{name}_script", SCRIPTS / f"{name}.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # Strawberry resolves the module's annotations through it
    spec.loader.exec_module(module)
    return module


bench = _script("bench")
floor = _script("bench_floor")

DIRECTORY = bench.FROM_MEMORY["directory page: bare Strawberry from memory"]
NESTED = bench.FROM_MEMORY["nested page: bare Strawberry from memory"]


async def _post(app: Any, query: str) -> tuple[dict[str, Any], int]:
    """The JSON body of a POST to the app (which must be a 200 without errors), and its
    size in bytes."""
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        response = await http.post("/graphql", json={"query": query})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert "errors" not in body, body["errors"]
    return body, len(response.content)


def _shape(value: Any) -> Any:
    """The keys of every object and the length of every list, without the scalars."""
    if isinstance(value, dict):
        return {key: _shape(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_shape(item) for item in value]
    return None


def test_the_rows_from_memory_send_the_documents_of_the_projects_pages() -> None:
    assert bench.QUERIES["directory page"] == DIRECTORY
    assert bench.QUERIES["nested page"] == NESTED


def test_queries_selects_the_rows_from_memory_alone_or_by_name() -> None:
    assert bench.query_names("from-memory") == list(bench.FROM_MEMORY)
    assert bench.query_names("nested page,from-memory") == [
        "nested page",
        *bench.FROM_MEMORY,
    ]
    assert bench.query_names("") == [*bench.FROM_MEMORY, *bench.QUERIES]
    with pytest.raises(ValueError, match="unknown query 'nested'"):
        bench.query_names("nested")


async def test_the_floor_stays_bare_and_answers_typename() -> None:
    body, _ = await _post(floor.app, bench.TYPENAME)
    assert body == {"data": {"__typename": "Query"}}
    assert not floor.app.schema.extensions


async def test_the_schema_from_memory_caches_parsing_and_validation() -> None:
    parser, validation = (make() for make in floor.memory_schema.extensions)
    assert type(parser).__name__ == "ParserCache"
    assert type(validation).__name__ == "ValidationCache"
    parsed = parser.cached_parse_document.cache_info().hits
    validated = validation.cached_validate_document.cache_info().hits
    for _ in range(2):
        await _post(floor.memory_app, DIRECTORY)
    assert parser.cached_parse_document.cache_info().hits > parsed
    assert validation.cached_validate_document.cache_info().hits > validated


async def test_the_directory_page_from_memory_has_20_clusters_with_portfolio_and_label() -> None:
    body, _ = await _post(floor.memory_app, DIRECTORY)
    page = body["data"]["clusters"]
    assert page["totalCount"] == 88
    assert len(page["nodes"]) == 20
    assert all(node["portfolio"]["name"] and node["label"]["status"] for node in page["nodes"])
    assert page["pageInfo"]["hasNextPage"] is True
    after = json.dumps(page["pageInfo"]["endCursor"])
    body, _ = await _post(
        floor.memory_app, DIRECTORY.replace("first: 20", f"first: 20, after: {after}")
    )
    following = body["data"]["clusters"]["nodes"]
    assert len(following) == 20
    assert following[0]["name"] > page["nodes"][-1]["name"]


async def test_the_nested_page_from_memory_has_20_clusters_of_36_results_with_indicators() -> None:
    body, _ = await _post(floor.memory_app, NESTED)
    nodes = body["data"]["clusters"]["nodes"]
    assert len(nodes) == 20
    results = [result for node in nodes for result in node["latestInterview"]["results"]]
    assert len(results) == 20 * 36
    assert all(result["indicator"]["code"] == result["code"] for result in results)
    assert {result["rating"] for result in results} == {None, "RED", "YELLOW", "GREEN"}


@pytest.mark.parametrize("document", [DIRECTORY, NESTED], ids=["directory", "nested"])
async def test_the_answers_from_memory_have_the_projects_shape_and_size(
    api: Api, document: str
) -> None:
    served = await api.http.post("/graphql", json={"query": document})
    assert served.status_code == 200, served.text
    project = served.json()
    ours, _ = await _post(floor.memory_app, document)
    assert _shape(ours["data"]) == _shape(project["data"])
    size, project_size = (len(json.dumps(body["data"]).encode()) for body in (ours, project))
    assert 0.8 < size / project_size < 1.25, (size, project_size)
