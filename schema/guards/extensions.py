"""The schema extensions every operation runs through, registered as classes or factories
(an instance would share state between concurrent operations). Limits: `schema.rules.limits`.
The document cache is shared: one per schema, built by `schema.build`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from strawberry.extensions import DisableIntrospection, MaxTokensLimiter

from schema.guards.cost import QueryCost
from schema.guards.documents import CheckedDocuments, DocumentCache
from schema.guards.masking import MaskInternalErrors
from schema.rules.limits import MAX_TOKENS

__all__ = ["schema_extensions"]


def schema_extensions(
    *,
    production: bool,
    documents: DocumentCache,
    outages: tuple[type[BaseException], ...] = (),
) -> list[Callable[[], Any] | type[Any]]:
    """`outages`: exception classes that mean the database cannot be reached."""
    extensions: list[Callable[[], Any] | type[Any]] = [
        lambda: MaxTokensLimiter(max_token_count=MAX_TOKENS),
        lambda: CheckedDocuments(documents),
        QueryCost,
        lambda: MaskInternalErrors(hide_suggestions=production, outages=outages),
    ]
    if production:
        extensions.append(DisableIntrospection)
    return extensions
