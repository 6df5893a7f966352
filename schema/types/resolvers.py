"""`resolver(description=...)`: Strawberry's `@strawberry.field(...)` decorator, typed.

Called with keyword arguments only, `strawberry.field` is typed to return `Any` (it also
serves as a field default), which strict mypy reports as an untyped decorator. At run time
this is exactly `strawberry.field(description=...)`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, cast

import strawberry

__all__ = ["resolver"]

F = TypeVar("F", bound=Callable[..., Any])


def resolver(*, description: str) -> Callable[[F], F]:
    return cast(Callable[[F], F], strawberry.field(description=description))
