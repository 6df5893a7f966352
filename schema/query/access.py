"""Root fields of the editing API's bookkeeping: `rateLimit`, `auditLog` (scope
`audit:read`), `apiKeys` (scope `keys:admin`), and the mutation `revokeApiKey`."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import strawberry

from schema.errors import BadUserInput
from schema.query.editing import run_mutation
from schema.rules.limits import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE
from schema.store.audit import page_audit
from schema.store.edits import plan_revoke_key
from schema.store.keys import list_keys
from schema.store.writes import Plan
from schema.types.access import ApiKey, AuditConnection, AuditEdge, AuditEntry, RateLimit
from schema.types.connection import PageInfo
from schema.types.context import Info
from schema.types.ids import AUDITED_TYPES, from_global_id
from schema.types.resolvers import resolver

__all__ = ["AccessMutation", "AccessQuery"]


def _naive(value: datetime | None) -> datetime | None:
    """A client's time as stored: naive UTC (a time without zone is taken as UTC)."""
    if value is None or value.tzinfo is None:
        return value
    return value.astimezone(UTC).replace(tzinfo=None)


@strawberry.type
class AccessQuery:
    @resolver(
        description="The caller's budget for this hour, after this operation: the same "
        "figures as `extensions.rateLimit`. Null when the request is not metered."
    )
    def rate_limit(self, info: Info) -> RateLimit | None:
        budget = info.context.rate_limit
        info.context.per_client = True  # another client must never be served this answer
        return RateLimit.from_budget(budget) if budget is not None else None

    @resolver(
        description="Applied mutations, newest first. Needs the scope `audit:read`. "
        f"`first` defaults to {DEFAULT_PAGE_SIZE}, at most {MAX_PAGE_SIZE}."
    )
    async def audit_log(
        self,
        info: Info,
        first: Annotated[
            int | None, strawberry.argument(description="Entries in the page.")
        ] = None,
        after: Annotated[
            str | None, strawberry.argument(description="`endCursor` of the previous page.")
        ] = None,
        object_id: Annotated[
            strawberry.ID | None,
            strawberry.argument(description="Only entries about this object (global ID)."),
        ] = None,
        since: Annotated[
            datetime | None, strawberry.argument(description="Entries at or after (UTC).")
        ] = None,
        until: Annotated[
            datetime | None, strawberry.argument(description="Entries before (UTC).")
        ] = None,
    ) -> AuditConnection:
        info.context.require("audit:read")
        size = DEFAULT_PAGE_SIZE if first is None else first
        if not 0 <= size <= MAX_PAGE_SIZE:
            raise BadUserInput(f"first must be between 0 and {MAX_PAGE_SIZE}, not {size}")
        object_ref = None
        if object_id is not None:
            object_ref = from_global_id(object_id, AUDITED_TYPES)
            if object_ref is None:
                raise BadUserInput("objectId is not a global ID of this API")
        page = await page_audit(
            info.context.db,
            first=size,
            after=after,
            object_ref=object_ref,
            since=_naive(since),
            until=_naive(until),
        )
        entries = [AuditEntry.from_document(doc) for doc in page.entries]
        return AuditConnection(
            edges=[AuditEdge(cursor=c, node=e) for c, e in zip(page.cursors, entries, strict=True)],
            nodes=entries,
            page_info=PageInfo(
                has_next_page=page.has_next,
                has_previous_page=after is not None,
                start_cursor=page.cursors[0] if page.cursors else None,
                end_cursor=page.cursors[-1] if page.cursors else None,
            ),
        )

    @resolver(description="Every API key's metadata. Needs the scope `keys:admin`.")
    async def api_keys(self, info: Info) -> list[ApiKey]:
        info.context.require("keys:admin")
        return [ApiKey.from_document(doc) for doc in await list_keys(info.context.db)]


@strawberry.type
class AccessMutation:
    @resolver(
        description="Revoke an API key at once (every process sees it on the next request); "
        "false when no such key is active. Leaves an audit entry, as every mutation does "
        "(the key's metadata before and after, never its hash). Needs the scope `keys:admin`."
    )
    async def revoke_api_key(
        self,
        info: Info,
        id: Annotated[str, strawberry.argument(description="The key's ID (`ApiKey.id`).")],
    ) -> bool:
        async def plan() -> Plan:
            return await plan_revoke_key(info.context.db, id)

        outcome = await run_mutation(info, "keys:admin", "revokeApiKey", None, plan)
        return not outcome.problems
