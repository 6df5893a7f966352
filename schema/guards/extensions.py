"""The schema extensions every operation runs through, registered as classes or factories
(an instance would share state between concurrent operations). Limits: `schema.rules.limits`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from strawberry.extensions import (
    DisableIntrospection,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    ValidationCache,
)

from schema.guards.cost import QueryCost
from schema.guards.masking import MaskInternalErrors
from schema.rules.limits import MAX_ALIASES, MAX_DEPTH, MAX_TOKENS

__all__ = ["schema_extensions"]


def schema_extensions(*, production: bool) -> list[Callable[[], Any] | type[Any]]:
    extensions: list[Callable[[], Any] | type[Any]] = [
        lambda: MaxTokensLimiter(max_token_count=MAX_TOKENS),
        lambda: QueryDepthLimiter(max_depth=MAX_DEPTH),
        lambda: MaxAliasesLimiter(max_alias_count=MAX_ALIASES),
        lambda: ParserCache(maxsize=256),
        lambda: ValidationCache(maxsize=256),
        QueryCost,
        lambda: MaskInternalErrors(hide_suggestions=production),
    ]
    if production:
        extensions.append(DisableIntrospection)
    return extensions
