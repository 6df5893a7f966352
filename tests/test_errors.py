"""Every error a client receives carries a stable `extensions.code`."""

from __future__ import annotations

import pytest
from graphql import GraphQLError

from schema.errors import (
    BAD_USER_INPUT,
    COST_LIMIT_EXCEEDED,
    GRAPHQL_PARSE_FAILED,
    GRAPHQL_VALIDATION_FAILED,
    INTERNAL_SERVER_ERROR,
    BadUserInput,
    CostLimitExceeded,
    with_public_code,
)


def test_public_errors_carry_their_code() -> None:
    assert BadUserInput("x").extensions == {"code": BAD_USER_INPUT}
    assert CostLimitExceeded("x").extensions == {"code": COST_LIMIT_EXCEEDED}


@pytest.mark.parametrize(
    ("error", "code"),
    [
        pytest.param(
            GraphQLError("Syntax Error: Unexpected Name"), GRAPHQL_PARSE_FAILED, id="parse"
        ),
        pytest.param(
            GraphQLError("Variable '$n' got invalid value 'x'"), BAD_USER_INPUT, id="variable"
        ),
        pytest.param(
            GraphQLError("Variable '$n' of required type 'Int!' was not provided."),
            BAD_USER_INPUT,
            id="variable-missing",
        ),
        pytest.param(
            GraphQLError("Cannot query field 'nope' on type 'Query'."),
            GRAPHQL_VALIDATION_FAILED,
            id="validation",
        ),
        pytest.param(
            GraphQLError("boom", path=["clusters"]), INTERNAL_SERVER_ERROR, id="execution"
        ),
    ],
)
def test_graphql_core_errors_get_a_code(error: GraphQLError, code: str) -> None:
    assert (with_public_code(error).extensions or {})["code"] == code


def test_an_existing_code_is_kept() -> None:
    error = BadUserInput("bad cursor")
    assert (with_public_code(error).extensions or {})["code"] == BAD_USER_INPUT
