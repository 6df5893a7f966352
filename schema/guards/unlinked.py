"""graphql-core's validation, leaving no reference cycles behind.

graphql-core's visitors keep their own bound methods, one pair per node kind, in
`Visitor.enter_leave_map`, and `ParallelVisitor`'s methods are closures over itself: every
validation left its visitors, and all the rules hold (their context, the fields they
compared), in reference cycles that only the garbage collector frees. That was 1,500
objects for a refused document of five aliases, 2,200 for a document of 15 lists, which
the collector walks with the GIL held, on whichever thread happens to allocate, while
every request, `/healthz` included, waits.

`install` wraps the `visit` that graphql-core's validation calls (in `validate`, and in
`ValidationContext` for the variables an operation uses), so that once a walk is over it
empties the map of every visitor reached from the one it was given (the type-info visitor,
the parallel visitor and each rule): reference counting then frees them all as soon as
`validate` returns. The validation itself is unchanged.
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Callable
from typing import Any

from graphql import Visitor

__all__ = ["install", "unlink"]

# The modules of graphql-core's validation that call `visit`, by the name they import.
_VISITING_MODULES = ("graphql.validation.validate", "graphql.validation.validation_context")


def unlink(visitor: Visitor) -> None:
    """Empty the method maps of `visitor` and of the visitors it wraps (`.visitor`) or runs
    in parallel (`.visitors`), which hold their visitor in a cycle."""
    pending: list[Any] = [visitor]
    while pending:
        current = pending.pop()
        methods = getattr(current, "enter_leave_map", None)
        if isinstance(methods, dict):
            methods.clear()
        inner = getattr(current, "visitor", None)
        if isinstance(inner, Visitor):
            pending.append(inner)
        pending.extend(v for v in getattr(current, "visitors", ()) if isinstance(v, Visitor))


def install() -> None:
    """Make graphql-core's validation unlink its visitors once done (idempotent)."""
    for name in _VISITING_MODULES:
        module = importlib.import_module(name)
        visit = module.visit
        if not getattr(visit, "unlinks", False):
            setattr(module, "visit", _unlinking(visit))  # noqa: B010 (not typed as assignable)


def _unlinking(visit: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(visit)
    def visiting(root: Any, visitor: Visitor, *args: Any, **kwargs: Any) -> Any:
        try:
            return visit(root, visitor, *args, **kwargs)
        finally:
            unlink(visitor)

    visiting.unlinks = True  # type: ignore[attr-defined]
    return visiting
