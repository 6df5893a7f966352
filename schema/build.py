"""Assemble the `strawberry.Schema` the API serves."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.schema.config import StrawberryConfig
from strawberry.types import ExecutionContext

from schema.guards.documents import DocumentCache
from schema.guards.extensions import schema_extensions
from schema.query import Mutation, Query
from schema.types.directory import Cluster, Interview, Label, Portfolio
from schema.types.indicators import Indicator
from schema.types.scalars import SCALAR_MAP

__all__ = ["DirectorySchema", "build_schema"]


class DirectorySchema(strawberry.Schema):
    documents: DocumentCache
    """Parsed and validated documents of this schema (`schema.guards.documents`)."""

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        """Log nothing here: client errors are the client's business, and internal errors
        are logged with their detail by `MaskInternalErrors` before being masked."""


def build_schema(
    *,
    production: bool,
    outages: tuple[type[BaseException], ...] = (),
    extra_extensions: Sequence[Callable[[], Any] | type[Any]] = (),
) -> DirectorySchema:
    """The schema; `production` turns off introspection and "Did you mean" suggestions;
    errors of the `outages` classes (the database cannot be reached) are answered with
    SERVICE_UNAVAILABLE. `extra_extensions` run after the guards (the server's metrics and
    logs add theirs)."""
    documents = DocumentCache()
    schema = DirectorySchema(
        query=Query,
        mutation=Mutation,
        types=[Cluster, Portfolio, Label, Indicator, Interview],
        extensions=[
            *schema_extensions(production=production, documents=documents, outages=outages),
            *extra_extensions,
        ],
        config=StrawberryConfig(
            disable_field_suggestions=production,
            scalar_map=SCALAR_MAP,
        ),
    )
    schema.documents = documents
    return schema
