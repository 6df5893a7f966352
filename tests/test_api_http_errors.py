"""`json_error`: the body of a request refused before GraphQL runs."""

from __future__ import annotations

import json

import pytest

from api.http_errors import json_error


@pytest.mark.parametrize(
    ("status", "code"),
    [
        pytest.param(405, "METHOD_NOT_ALLOWED", id="listed"),
        pytest.param(404, "BAD_REQUEST", id="not-listed"),
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
