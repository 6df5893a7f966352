"""`GET /`: a JSON index of the endpoints; a browser in development goes on to GraphiQL."""

from __future__ import annotations

import pytest

from tests.support import Api

pytestmark = pytest.mark.anyio


async def test_the_index_lists_every_endpoint_and_each_answers(api: Api) -> None:
    response = await api.http.get("/")
    assert response.status_code == 200
    body = response.json()
    assert body["name"] == "ecei-api"
    paths = [endpoint["path"] for endpoint in body["endpoints"]]
    assert paths == ["/graphql", "/export/clusters.csv", "/healthz", "/readyz"]
    for path in paths[1:]:
        assert (await api.http.get(path)).status_code == 200, path


async def test_a_browser_in_development_is_sent_to_graphiql(api: Api) -> None:
    response = await api.http.get("/", headers={"accept": "text/html,*/*;q=0.8"})
    assert response.status_code == 303
    assert response.headers["location"] == "/graphql"
    assert response.headers["vary"] == "Accept"
    page = await api.http.get("/graphql", headers={"accept": "text/html,*/*;q=0.8"})
    assert "graphiql" in page.text.lower()


async def test_production_answers_a_browser_with_the_index(production: Api) -> None:
    response = await production.http.get("/", headers={"accept": "text/html"})
    assert response.status_code == 200
    body = response.json()
    assert "GraphiQL" not in str(body)
    assert body["endpoints"][0]["path"] == "/graphql"
