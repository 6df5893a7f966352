"""Per-client budgets: every operation is charged its cost before it runs.

The cost is the operation's requested objects (`schema.guards.cost`, the same count as
`extensions.cost`) in points of 100, at least 1 point: GitHub's GraphQL rate limit. Each
API key, and each anonymous client address, has `ECEI_BUDGET_PER_HOUR` /
`ECEI_ANONYMOUS_BUDGET_PER_HOUR` points per clock hour, kept in the `budgets` collection
(`schema.store.budgets`) so that every API process shares them. Over budget: HTTP 429 with
`Retry-After` (seconds to the next hour) and code RATE_LIMITED; the refused operation
costs nothing.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime

from graphql import DocumentNode, GraphQLError, GraphQLSchema

from api.http_errors import HTTPError
from schema.errors import without_traceback
from schema.guards.cost import requested_nodes
from schema.guards.documents import expansion_error
from schema.rules.limits import MAX_REQUESTED_NODES
from schema.store.budgets import Budget, charge
from schema.store.documents import Database

__all__ = ["POINT", "BudgetLimits", "meter", "operation_cost", "operation_points"]

# Requested objects per point.
POINT = 100


@dataclass(frozen=True)
class BudgetLimits:
    per_key: int
    anonymous: int


def operation_cost(
    schema: GraphQLSchema,
    document: DocumentNode | None,
    operation_name: str | None,
    variables: dict[str, object] | None,
) -> int | None:
    """The operation's requested objects (`schema.guards.cost`); None for one that will
    not run (no document: it did not parse; over the cost limit, or its input refused,
    before any read)."""
    if document is None or expansion_error(document) is not None:
        return None  # refused before it runs; the cost walk would expand its fragments
    try:
        nodes = requested_nodes(schema, document, operation_name, variables or {})
    except GraphQLError as error:  # e.g. a list too long: the cost guard refuses it then
        without_traceback(error)  # its frames would hold it in a cycle with the variables
        return None
    return nodes if nodes <= MAX_REQUESTED_NODES else None


def operation_points(cost: int | None) -> int:
    """Points an operation of `cost` (`operation_cost`) is charged: 1 for one that will
    not run."""
    return 1 if cost is None else max(1, math.ceil(cost / POINT))


async def meter(db: Database, client: str, points: int, limit: int) -> Budget:
    """Charge `points` to `client`; HTTP 429 when the budget cannot pay for them."""
    now = datetime.now(UTC).replace(tzinfo=None)
    budget = await charge(db, client, points, limit, now)
    if not budget.allowed:
        wait = max(1, math.ceil((budget.reset_at - now).total_seconds()))
        raise HTTPError(
            429,
            f"this operation costs {points} points and {budget.remaining} of {limit} are left "
            f"this hour; retry after {wait} s",
            {"Retry-After": str(wait)},
        )
    return budget
