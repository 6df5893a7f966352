"""The data contract: stored-document shapes, GraphQL types, and the reads behind them.

Imports neither `api` nor `seed`. (Not the unrelated PyPI package of the same name.)
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import strawberry

__all__ = ["build_schema"]


def build_schema(*, production: bool) -> strawberry.Schema:
    """The GraphQL schema (imported lazily: `schema.documents` stays light for `seed`)."""
    from schema.build import build_schema as build

    return build(production=production)
