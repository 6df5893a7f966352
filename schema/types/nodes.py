"""The `Node` interface: every object with a global ID can be fetched with `node(id)`."""

from __future__ import annotations

import strawberry

__all__ = ["Node"]


@strawberry.interface(
    description=(
        "An object with a global ID, fetchable with `node(id:)` and `nodes(ids:)`. IDs are "
        "opaque: store and pass them back, never parse them."
    )
)
class Node:
    id: strawberry.ID = strawberry.field(description="Opaque global ID, stable across releases.")
