"""Types of the editing API's bookkeeping: `RateLimit`, `AuditEntry` and its connection,
and `ApiKey` (metadata only: a key's secret or hash is never served)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import strawberry
from strawberry.scalars import JSON

from schema.store.audit import AuditDoc
from schema.store.budgets import Budget
from schema.store.keys import KeyDoc
from schema.types.connection import PageInfo
from schema.types.ids import to_global_id
from schema.types.scalars import format_utc

__all__ = ["ApiKey", "AuditConnection", "AuditEdge", "AuditEntry", "RateLimit", "jsonable"]


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC)


def jsonable(value: Any) -> Any:
    """A stored document as JSON: dates and times in ISO 8601, times in UTC with `Z` as
    the `DateTime` scalar answers them."""
    if isinstance(value, datetime):
        return format_utc(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    return value


@strawberry.type(
    description="The caller's query budget for the current hour (as GitHub's `rateLimit`): "
    "each API key, and each anonymous client address, has its own. An operation costs its "
    "requested objects divided by 100, at least 1."
)
class RateLimit:
    limit: int = strawberry.field(description="Points per hour.")
    cost: int = strawberry.field(description="Points this operation cost.")
    remaining: int = strawberry.field(description="Points left in this hour.")
    reset_at: datetime = strawberry.field(description="When the budget is full again (UTC).")

    @classmethod
    def from_budget(cls, budget: Budget) -> RateLimit:
        return cls(
            limit=budget.limit,
            cost=budget.cost,
            remaining=budget.remaining,
            reset_at=_utc(budget.reset_at),
        )


@strawberry.type(description="One applied mutation: who, when, what, on which object.")
class AuditEntry:
    at: datetime = strawberry.field(description="When it was applied (UTC).")
    key_id: str = strawberry.field(
        description="ID of the API key that applied it; `command-line` for `ecei keys`."
    )
    key_name: str = strawberry.field(
        description="Name of that key (for `ecei keys`, the account that ran it)."
    )
    mutation: str = strawberry.field(description="The mutation, e.g. `awardLabel`.")
    client_mutation_id: str | None = strawberry.field(description="As given by the client.")
    object_id: strawberry.ID = strawberry.field(
        description="Global ID of the object written (a removed object's former ID); for "
        "`revokeApiKey`, an ID of the key that `auditLog(objectId:)` takes (an API key is no "
        "node)."
    )
    before: JSON | None = strawberry.field(
        description="The stored document before; null for a creation."
    )
    after: JSON | None = strawberry.field(
        description="The stored document after; null for a removal."
    )

    @classmethod
    def from_document(cls, doc: AuditDoc) -> AuditEntry:
        return cls(
            at=_utc(doc["at"]),
            key_id=doc["keyId"],
            key_name=doc["keyName"],
            mutation=doc["mutation"],
            client_mutation_id=doc["clientMutationId"],
            object_id=strawberry.ID(to_global_id(doc["objectType"], doc["objectKey"])),
            before=jsonable(doc["before"]),
            after=jsonable(doc["after"]),
        )


@strawberry.type(description="An audit entry in a page, with its cursor.")
class AuditEdge:
    cursor: str = strawberry.field(description="Pass as `after` for the entries after it.")
    node: AuditEntry = strawberry.field(description="The entry.")


@strawberry.type(description="A page of the audit trail, newest first.")
class AuditConnection:
    edges: list[AuditEdge] = strawberry.field(description="Entries with their cursors.")
    nodes: list[AuditEntry] = strawberry.field(description="The entries.")
    page_info: PageInfo = strawberry.field(description="Paging (forward only).")


@strawberry.type(description="An API key's metadata; its secret is shown once, at creation.")
class ApiKey:
    id: str = strawberry.field(description="The key's ID, the visible part of the key.")
    name: str = strawberry.field(description="Who or what the key is for.")
    scopes: list[str] = strawberry.field(description="What the key allows.")
    created_at: datetime = strawberry.field(description="Creation time (UTC).")
    revoked_at: datetime | None = strawberry.field(description="Revocation time, if revoked.")

    @classmethod
    def from_document(cls, doc: KeyDoc) -> ApiKey:
        revoked = doc.get("revokedAt")
        return cls(
            id=doc["_id"],
            name=doc["name"],
            scopes=list(doc["scopes"]),
            created_at=_utc(doc["createdAt"]),
            revoked_at=_utc(revoked) if revoked else None,
        )
