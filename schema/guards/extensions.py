"""The schema extensions every operation runs through, registered as classes or factories
(an instance would share state between concurrent operations). Limits: `schema.rules.limits`.

The depth and alias limits are validation rules. Strawberry's limiter extensions build a
new rule class in their constructor, and the validation cache is keyed on the rule
classes: a limiter built per operation would make every lookup miss. So the rule classes
are built once, here, and each operation's extension only adds them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from strawberry.extensions import (
    AddValidationRules,
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

__all__ = ["LIMIT_RULES", "schema_extensions"]

# Built once per process (see the module docstring).
LIMIT_RULES = (
    *QueryDepthLimiter(max_depth=MAX_DEPTH).validation_rules,
    *MaxAliasesLimiter(max_alias_count=MAX_ALIASES).validation_rules,
)


def schema_extensions(*, production: bool) -> list[Callable[[], Any] | type[Any]]:
    extensions: list[Callable[[], Any] | type[Any]] = [
        lambda: MaxTokensLimiter(max_token_count=MAX_TOKENS),
        lambda: AddValidationRules(list(LIMIT_RULES)),
        lambda: ParserCache(maxsize=256),
        lambda: ValidationCache(maxsize=256),
        QueryCost,
        lambda: MaskInternalErrors(hide_suggestions=production),
    ]
    if production:
        extensions.append(DisableIntrospection)
    return extensions
