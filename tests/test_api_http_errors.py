"""`json_error`, `http_exception` and `UnhandledErrors`: every error the app answers with
has the JSON body of a GraphQL error and a code."""

from __future__ import annotations

import json
import logging

import pytest
from starlette.requests import ClientDisconnect, Request
from starlette.routing import Route
from starlette.types import Message, Receive, Scope, Send

from api.http_errors import UnhandledErrors, json_error
from api.settings import Settings
from tests.support import Api, serve


@pytest.mark.parametrize(
    ("status", "code"),
    [
        pytest.param(405, "METHOD_NOT_ALLOWED", id="listed"),
        pytest.param(418, "BAD_REQUEST", id="not-listed"),
    ],
)
def test_the_error_has_the_shape_of_a_graphql_error(status: int, code: str) -> None:
    response = json_error(status, "no such thing", headers={"Allow": "POST"})
    assert response.status_code == status
    assert response.headers["allow"] == "POST"
    assert response.headers["content-type"] == "application/json"
    assert json.loads(bytes(response.body)) == {
        "errors": [{"message": "no such thing", "extensions": {"code": code}}]
    }


@pytest.mark.anyio
@pytest.mark.parametrize("environment", ["development", "production"])
async def test_an_unknown_path_is_a_json_404(environment: str) -> None:
    async with serve(Settings(environment=environment)) as served:
        response = await served.http.get("/nothing/here")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/json"
    [error] = response.json()["errors"]
    assert error["extensions"]["code"] == "NOT_FOUND"
    assert "/nothing/here" in error["message"]
    assert "/graphql" in error["message"]  # where to go instead


@pytest.mark.anyio
async def test_a_long_unknown_path_is_not_echoed_whole(api: Api) -> None:
    response = await api.http.get("/" + "x" * 3000)
    assert response.status_code == 404
    message = response.json()["errors"][0]["message"]
    assert "/" + "x" * 199 + "…;" in message
    assert len(message) < 400


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        pytest.param("POST", "/healthz", "GET, HEAD", id="healthz"),
        pytest.param("DELETE", "/readyz", "GET, HEAD", id="readyz"),
        pytest.param("PUT", "/graphql", "GET, POST", id="graphql"),
        pytest.param("DELETE", "/graphql", "GET, POST", id="graphql-delete"),
    ],
)
async def test_a_405_lists_every_allowed_method(
    api: Api, method: str, path: str, allow: str
) -> None:
    response = await api.http.request(method, path)
    assert response.status_code == 405
    assert response.headers["allow"] == allow
    assert response.json()["errors"][0]["extensions"]["code"] == "METHOD_NOT_ALLOWED"


async def _boom(request: Request) -> None:
    raise RuntimeError("mongodb://admin:s3cret@db.internal refused")


@pytest.mark.anyio
async def test_an_unhandled_exception_is_a_json_500_without_its_detail(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async with serve(Settings()) as served:
        served.app.router.routes.append(Route("/boom", _boom))
        with caplog.at_level(logging.ERROR, logger="api.errors"):
            response = await served.http.get("/boom")
    assert response.status_code == 500
    assert response.json() == {
        "errors": [
            {"message": "Internal server error", "extensions": {"code": "INTERNAL_SERVER_ERROR"}}
        ]
    }
    assert "s3cret" not in response.text
    assert "s3cret" in caplog.text  # the detail is in the server's log


@pytest.mark.anyio
async def test_a_client_gone_mid_request_is_not_an_error(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        raise ClientDisconnect

    sent: list[Message] = []

    async def send(message: Message) -> None:
        sent.append(message)

    async def receive() -> Message:
        return {"type": "http.disconnect"}

    caplog.set_level(logging.WARNING)
    scope: Scope = {"type": "http", "method": "POST", "path": "/graphql"}
    await UnhandledErrors(app)(scope, receive, send)
    assert sent == []  # nobody to answer
    assert [r for r in caplog.records if r.levelno >= logging.WARNING] == []
