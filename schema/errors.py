"""Public client errors: the one error tree every layer of `schema` raises from.

    GraphQLError (graphql-core)
     └── PublicError            readable message, stable `extensions.code`
          ├── BadUserInput      code BAD_USER_INPUT: an argument the client can fix
          ├── CostLimitExceeded code COST_LIMIT_EXCEEDED: the operation asks too much
          └── Forbidden         code FORBIDDEN: the caller's key lacks the scope a field needs

The store, the types and the root fields raise `BadUserInput` for input that GraphQL typing
cannot reject on its own (an invalid cursor, a page size past the cap); the cost guard
raises `CostLimitExceeded`. Anything else raised while executing is a bug or an outage:
`schema.guards.masking.MaskInternalErrors` replaces it by "Internal server error" with code
INTERNAL_SERVER_ERROR and logs the detail on the server. Validation errors (unknown field,
wrong argument type) are not masked: they are the client's to read. With `hide_suggestions`
their "Did you mean ...?" hints are removed, so the schema cannot be guessed through them.

Every error a client receives carries a stable `extensions.code`:

| code                        | when                                                      |
|-----------------------------|-----------------------------------------------------------|
| GRAPHQL_PARSE_FAILED        | the document is not valid GraphQL syntax (or too many tokens) |
| GRAPHQL_VALIDATION_FAILED   | the document does not fit the schema or a limit (depth, aliases) |
| BAD_USER_INPUT              | a variable of the wrong type, or an argument a resolver refuses |
| COST_LIMIT_EXCEEDED         | the operation may request too many objects (`schema.guards.cost`) |
| FORBIDDEN                   | a field needs a scope the caller's API key lacks          |
| SERVICE_UNAVAILABLE         | the database cannot be reached: HTTP 503 with Retry-After |
| INTERNAL_SERVER_ERROR       | anything else: a bug, masked                              |
"""

from __future__ import annotations

from graphql import GraphQLError
from graphql.validation.validate import ValidationAbortedError

__all__ = [
    "BAD_USER_INPUT",
    "COST_LIMIT_EXCEEDED",
    "FORBIDDEN",
    "GRAPHQL_PARSE_FAILED",
    "GRAPHQL_VALIDATION_FAILED",
    "INTERNAL_SERVER_ERROR",
    "INTERNAL_SERVER_ERROR_MESSAGE",
    "SERVICE_UNAVAILABLE",
    "SERVICE_UNAVAILABLE_MESSAGE",
    "BadUserInput",
    "CostLimitExceeded",
    "Forbidden",
    "PublicError",
    "with_public_code",
    "without_traceback",
]

BAD_USER_INPUT = "BAD_USER_INPUT"
COST_LIMIT_EXCEEDED = "COST_LIMIT_EXCEEDED"
FORBIDDEN = "FORBIDDEN"
GRAPHQL_PARSE_FAILED = "GRAPHQL_PARSE_FAILED"
GRAPHQL_VALIDATION_FAILED = "GRAPHQL_VALIDATION_FAILED"
INTERNAL_SERVER_ERROR = "INTERNAL_SERVER_ERROR"
INTERNAL_SERVER_ERROR_MESSAGE = "Internal server error"
SERVICE_UNAVAILABLE = "SERVICE_UNAVAILABLE"
SERVICE_UNAVAILABLE_MESSAGE = "The database is unavailable; retry later"


class PublicError(GraphQLError):
    """An error whose message is safe to show; `code` goes to `extensions.code`."""

    code = "PUBLIC_ERROR"

    def __init__(self, message: str) -> None:
        super().__init__(message, extensions={"code": self.code})


class BadUserInput(PublicError):
    code = BAD_USER_INPUT


class CostLimitExceeded(PublicError):
    code = COST_LIMIT_EXCEEDED


class Forbidden(PublicError):
    code = FORBIDDEN


def with_public_code(error: GraphQLError) -> GraphQLError:
    """`error` with `extensions.code` set when it has none (graphql-core's own errors).

    Applied by the HTTP layer to every error of a response: parse errors and the
    limiters' errors reach it without passing through the masking extension.
    """
    if not (error.extensions or {}).get("code"):
        error.extensions = {**(error.extensions or {}), "code": _code_of(error)}
    if isinstance(error, ValidationAbortedError):
        # graphql-core's budget for comparing fields that must merge ran out; its own
        # message ("Validation aborted.") says nothing a client can act on.
        error.message = (
            "validation aborted: the document selects too many overlapping fields to check "
            "(e.g. one field repeated hundreds of times); send fewer fields"
        )
    return error


def without_traceback(error: GraphQLError) -> GraphQLError:
    """`error` with no traceback, nor any on the exceptions it carries (its original error,
    their causes and contexts).

    An error is raised in a resolver or a guard and caught by the executor, which keeps it
    in the result: its traceback holds the catching frame, which holds the result, which
    holds the error, a reference cycle through every frame between, and their locals with
    them (the variables of a refused request: 6,000 objects for a 3,000-clause `or`). Only
    a collection of the garbage collector frees such cycles, and it holds the GIL while it
    walks them. Once the errors of a response are read (the masking extension logs the
    tracebacks it needs before), they are dropped here, and the cycles with them."""
    pending: list[BaseException | None] = [error]
    seen: set[int] = set()
    while pending:
        exc = pending.pop()
        if exc is None or id(exc) in seen:
            continue
        seen.add(id(exc))
        exc.__traceback__ = None
        pending += [exc.__cause__, exc.__context__]
        if isinstance(exc, GraphQLError):
            pending.append(exc.original_error)
    return error


def _code_of(error: GraphQLError) -> str:
    if error.path is not None:
        return INTERNAL_SERVER_ERROR  # e.g. a null for a non-null field: a server bug
    if error.message.startswith("Syntax Error"):
        return GRAPHQL_PARSE_FAILED
    if error.message.startswith("Variable '$") and not any(
        phrase in error.message for phrase in _VARIABLE_RULE_PHRASES
    ):
        return BAD_USER_INPUT  # a value the document is fine with, but the schema is not
    return GRAPHQL_VALIDATION_FAILED


# How graphql-core's validation rules about variables word their errors ("Variable '$n'
# is not defined.", "... is never used", "... used in position expecting ...", "...
# cannot be non-input type ..."): the document is at fault, not the variables' values.
_VARIABLE_RULE_PHRASES = (
    " is not defined",
    " is never used",
    " used in position expecting ",
    " cannot be non-input type ",
)
