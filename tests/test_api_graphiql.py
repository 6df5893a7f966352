"""GraphiQL: the example query, files served by the app, nothing in production."""

from __future__ import annotations

import base64
import hashlib
import re

import pytest

from api.graphiql import EXAMPLE_QUERY, GRAPHIQL_ASSETS_PATH, PAGE_TITLE, graphiql_page
from tests.support import Api

pytestmark = pytest.mark.anyio


async def test_graphiql_opens_on_the_example_query(api: Api) -> None:
    response = await api.http.get("/graphql", headers={"accept": "text/html"})
    assert response.status_code == 200
    assert "graphiql" in response.text.lower()
    assert "query ValidClusters" in response.text
    assert EXAMPLE_QUERY.splitlines()[0] in response.text


async def test_the_page_title_names_the_product(api: Api) -> None:
    page = (await api.http.get("/graphql", headers={"accept": "text/html"})).text
    assert re.findall(r"<title>(.*?)</title>", page) == [PAGE_TITLE]
    assert "ECEI" in PAGE_TITLE


_ASSET = re.compile(r'(?:src|href)="(?P<url>[^"]+)"\s+integrity="sha384-(?P<sha>[^"]+)"')


async def test_graphiql_loads_nothing_from_other_hosts(api: Api) -> None:
    page = (await api.http.get("/graphql", headers={"accept": "text/html"})).text
    assets = list(_ASSET.finditer(re.sub(r"\s+", " ", page)))
    assert len(assets) == 7  # React, ReactDOM, js-cookie, GraphiQL and its explorer plugin
    assert "unpkg.com" not in page
    for asset in assets:
        assert asset["url"].startswith(GRAPHIQL_ASSETS_PATH + "/")
        served = await api.http.get(asset["url"])
        assert served.status_code == 200, asset["url"]
        # The browser checks Subresource Integrity: the bytes must match the page's hash.
        digest = base64.b64encode(hashlib.sha384(served.content).digest()).decode()
        assert digest == asset["sha"], asset["url"]


async def test_production_serves_no_graphiql_assets(production: Api) -> None:
    url = f"{GRAPHIQL_ASSETS_PATH}/react@18.2.0/umd/react.production.min.js"
    assert (await production.http.get(url)).status_code == 404


async def test_production_hides_graphiql(production: Api) -> None:
    response = await production.http.get("/graphql", headers={"accept": "text/html"})
    assert response.status_code == 404


def test_the_page_is_rewritten_to_local_files_and_the_example() -> None:
    html = (
        '<script src="https://unpkg.com/react@18.2.0/umd/react.production.min.js"></script>'
        "<script>const EXAMPLE_QUERY = `{ old }`;</script>"
    )
    page = graphiql_page(html)
    assert f'src="{GRAPHIQL_ASSETS_PATH}/react@18.2.0/umd/react.production.min.js"' in page
    assert "{ old }" not in page
    assert "query ValidClusters" in page
