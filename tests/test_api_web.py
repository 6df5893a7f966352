"""The web directory at `/`: served in every environment, from this app's files only, and
the queries its scripts send are ones this API answers within its limits."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from api.web import WEB_ASSETS_DIR, WEB_ASSETS_PATH
from tests.support import Api

pytestmark = pytest.mark.anyio

_QUERY = re.compile(r"export const (?P<name>\w+_QUERY\w*) = `(?P<text>[^`]*)`;")
# Variables a view sends, by operation name; the rest default to null.
_VARIABLES: dict[str, dict[str, object]] = {
    "Directory": {"first": 20, "orderBy": [{"field": "NAME", "direction": "ASC"}]},
    "DirectoryWithoutFacets": {"first": 20, "orderBy": [{"field": "NAME", "direction": "ASC"}]},
    "Portfolios": {"interval": "YEAR"},
    "Cluster": {"slug": "advancity"},
}


def _page_queries() -> dict[str, str]:
    found = {}
    for path in sorted(WEB_ASSETS_DIR.glob("*.js")):
        for match in _QUERY.finditer(path.read_text(encoding="utf-8")):
            found[match["name"]] = match["text"]
    return found


def _operation(text: str) -> str:
    match = re.match(r"\s*query (\w+)", text)
    assert match, text
    return match[1]


def test_the_page_has_a_query_per_view() -> None:
    assert {_operation(q) for q in _page_queries().values()} == set(_VARIABLES)


async def _serves_the_page(served: Api) -> None:
    page = await served.http.get("/")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert page.headers["cache-control"] == "no-cache"
    assert '<script type="module" src="/web/app.js">' in page.text
    for name in ("app.js", "api.js", "app.css"):
        asset = await served.http.get(f"{WEB_ASSETS_PATH}/{name}")
        assert asset.status_code == 200, name


async def test_the_page_is_served_at_the_root(api: Api) -> None:
    await _serves_the_page(api)


async def test_production_serves_the_page_too(production: Api) -> None:
    await _serves_the_page(production)


def test_the_page_loads_nothing_from_other_hosts() -> None:
    # Links to other sites may be shown as text; nothing is fetched from one: no absolute
    # URL in a src, href, import, url() or fetch.
    external = re.compile(
        r"""(?:src=|href=|url\(|fetch\()["']?(?:https?:)?//|(?:from|import\()\s*["'](?:https?:)?//"""
    )
    for path in sorted(WEB_ASSETS_DIR.iterdir()):
        text = path.read_text(encoding="utf-8")
        assert not external.search(text), path.name
        assert "@import" not in text, path.name


async def test_every_query_of_the_page_runs_in_production(production: Api) -> None:
    queries = _page_queries()
    has_facets = "errors" not in await production.post("{ clusters { facets { __typename } } }")
    for name, text in queries.items():
        if "facets" in text and not has_facets:
            continue  # the page falls back to the query without facets, checked too
        body = await production.post(text, **_VARIABLES[_operation(text)])
        assert "errors" not in body, (name, body)


def _sortable() -> list[str]:
    """The column keys of the directory's sort control (`SORTABLE` in directory.js)."""
    text = (WEB_ASSETS_DIR / "directory.js").read_text(encoding="utf-8")
    block = re.search(r"const SORTABLE = \{(?P<body>[^}]*)\}", text)
    assert block, "SORTABLE not found in directory.js"
    return re.findall(r"^\s*(\w+):", block["body"], re.MULTILINE)


async def test_every_order_the_sort_control_sends_is_accepted(api: Api) -> None:
    # The directory sends one key, the column's, each way: an order `orderBy` accepts.
    assert _sortable() == ["NAME", "PORTFOLIO", "COUNTRY", "LABEL_LEVEL", "VALID_UNTIL"]
    query = next(q for q in _page_queries().values() if _operation(q) == "Directory")
    for field in _sortable():
        for direction in ("ASC", "DESC"):
            variables = {"first": 20, "orderBy": [{"field": field, "direction": direction}]}
            body = await api.post(query, **variables)
            assert "errors" not in body, (field, direction, body)


def test_web_files_are_packaged() -> None:
    pyproject = (Path(__file__).resolve().parent.parent / "pyproject.toml").read_text()
    assert '"static/web/**/*"' in pyproject
