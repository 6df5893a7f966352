"""Error masking: internal errors hidden from clients and logged with their detail.

Validation errors (unknown field, wrong argument type) are not masked: they are the
client's to read. With `hide_suggestions` their "Did you mean ...?" hints are removed, so
the schema cannot be guessed through them. Codes: `schema.errors`.
"""

from __future__ import annotations

import logging
import re

from graphql import GraphQLError
from strawberry.extensions import MaskErrors

from schema.errors import INTERNAL_SERVER_ERROR, INTERNAL_SERVER_ERROR_MESSAGE

__all__ = ["MaskInternalErrors", "is_internal"]

logger = logging.getLogger("schema.errors")

_SUGGESTION = re.compile(r"\s*Did you mean [^?]*\?")


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
