"""Public client errors, and the masking of every other error.

    GraphQLError (graphql-core)
     └── PublicError            readable message, stable `extensions.code`
          └── BadUserInput      code BAD_USER_INPUT: an argument the client can fix

A resolver raises `BadUserInput` for input that GraphQL typing cannot reject on its own (an
invalid cursor, a page size past the cap). Anything else raised while executing is a bug or
an outage: `MaskInternalErrors` replaces it by "Internal server error" with code
INTERNAL_SERVER_ERROR and logs the detail on the server. Validation errors (unknown field,
wrong argument type) are not masked: they are the client's to read. With `hide_suggestions`
their "Did you mean ...?" hints are removed, so the schema cannot be guessed through them.

Every error a client receives carries a stable `extensions.code`:

| code                        | when                                                      |
|-----------------------------|-----------------------------------------------------------|
| GRAPHQL_PARSE_FAILED        | the document is not valid GraphQL syntax (or too many tokens) |
| GRAPHQL_VALIDATION_FAILED   | the document does not fit the schema or a limit (depth, aliases) |
| BAD_USER_INPUT              | a variable of the wrong type, or an argument a resolver refuses |
| COST_LIMIT_EXCEEDED         | the operation may request too many objects (`schema.cost`)  |
| INTERNAL_SERVER_ERROR       | anything else: a bug or an outage, masked                 |
"""

from __future__ import annotations

import logging
import re

from graphql import GraphQLError
from graphql.validation.validate import ValidationAbortedError
from strawberry.extensions import MaskErrors

__all__ = [
    "BAD_USER_INPUT",
    "GRAPHQL_PARSE_FAILED",
    "GRAPHQL_VALIDATION_FAILED",
    "INTERNAL_SERVER_ERROR",
    "INTERNAL_SERVER_ERROR_MESSAGE",
    "BadUserInput",
    "MaskInternalErrors",
    "PublicError",
    "is_internal",
    "with_public_code",
]

logger = logging.getLogger("schema.errors")

BAD_USER_INPUT = "BAD_USER_INPUT"
GRAPHQL_PARSE_FAILED = "GRAPHQL_PARSE_FAILED"
GRAPHQL_VALIDATION_FAILED = "GRAPHQL_VALIDATION_FAILED"
INTERNAL_SERVER_ERROR = "INTERNAL_SERVER_ERROR"
INTERNAL_SERVER_ERROR_MESSAGE = "Internal server error"

_SUGGESTION = re.compile(r"\s*Did you mean [^?]*\?")


class PublicError(GraphQLError):
    """An error whose message is safe to show; `code` goes to `extensions.code`."""

    code = "PUBLIC_ERROR"

    def __init__(self, message: str) -> None:
        super().__init__(message, extensions={"code": self.code})


class BadUserInput(PublicError):
    code = BAD_USER_INPUT


def is_internal(error: GraphQLError) -> bool:
    """True for an error raised while executing that is not a GraphQL or public error."""
    original = error.original_error
    return (
        error.path is not None and original is not None and not isinstance(original, GraphQLError)
    )


class MaskInternalErrors(MaskErrors):
    def __init__(self, *, hide_suggestions: bool = False) -> None:
        super().__init__(should_mask_error=is_internal, error_message=INTERNAL_SERVER_ERROR_MESSAGE)
        self.hide_suggestions = hide_suggestions

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        original = error.original_error
        logger.error(
            "internal error at %s: %r",
            ".".join(str(p) for p in error.path or ()),
            original,
            exc_info=(type(original), original, original.__traceback__) if original else None,
        )
        return GraphQLError(
            message=self.error_message,
            nodes=error.nodes,
            source=error.source,
            positions=error.positions,
            path=error.path,
            original_error=None,
            extensions={"code": INTERNAL_SERVER_ERROR},
        )

    def _process_errors(self, errors: list[GraphQLError]) -> list[GraphQLError]:
        processed = super()._process_errors(errors)
        if self.hide_suggestions:
            for error in processed:
                error.message = _SUGGESTION.sub("", error.message)
        return processed


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


def _code_of(error: GraphQLError) -> str:
    if error.path is not None:
        return INTERNAL_SERVER_ERROR  # e.g. a null for a non-null field: a server bug
    if error.message.startswith("Syntax Error"):
        return GRAPHQL_PARSE_FAILED
    if error.message.startswith("Variable '$"):
        return BAD_USER_INPUT
    return GRAPHQL_VALIDATION_FAILED
