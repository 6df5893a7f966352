"""What every mutation resolver shares: the scope check, global IDs of the input, and the
run through `schema.store.writes.apply` with the request's caches cleared after a write."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import strawberry

from schema.rules.access import Scope
from schema.store.edits import UNCHANGED
from schema.store.writes import Actor, Outcome, Plan, apply, refuse
from schema.types.context import Info
from schema.types.ids import from_global_id, to_global_id

__all__ = ["key_of", "or_unchanged", "removed_id", "required", "run_mutation"]


def key_of(global_id: str, type_name: str, path: str) -> str:
    """The stored key of a global ID of `type_name`; a NOT_FOUND refusal otherwise."""
    decoded = from_global_id(global_id)
    if decoded is None or decoded[0] != type_name:
        raise refuse((path,), f"not the ID of a {type_name}", "NOT_FOUND")
    return decoded[1]


def removed_id(type_name: str, outcome: Outcome) -> strawberry.ID | None:
    """The global ID of what a removal mutation removed; None when it was refused."""
    if not outcome.object_key or outcome.problems:
        return None
    return strawberry.ID(to_global_id(type_name, outcome.object_key))


def or_unchanged(value: Any) -> Any:
    """An update input's field: left out (UNSET) means unchanged."""
    return UNCHANGED if value is strawberry.UNSET else value


def required(value: Any, path: str) -> Any:
    """An update field that may be left out but not cleared."""
    if value is None:
        raise refuse((path,), "cannot be null; leave the field out to keep it")
    return or_unchanged(value)


async def run_mutation(
    info: Info,
    scope: Scope,
    mutation: str,
    client_mutation_id: str | None,
    plan: Callable[[], Awaitable[Plan]],
) -> Outcome:
    """Check `scope` (FORBIDDEN without it), then plan and apply the write once per
    `client_mutation_id`. Input refusals come back as `Outcome.problems`."""
    principal = info.context.require(scope)
    actor = Actor(key_id=principal.key_id, key_name=principal.name)
    outcome = await apply(info.context.db, actor, mutation, client_mutation_id, plan)
    if not outcome.problems:
        _forget(info)
    return outcome


def _forget(info: Info) -> None:
    """Drop what this request's DataLoaders cached: a later field must see the write."""
    loaders = info.context.loaders
    for loader in (
        loaders.cluster,
        loaders.label,
        loaders.interview,
        loaders.interviews_of_cluster,
    ):
        loader.clear_all()
