"""What the client asked for: field names in a selection set, fragments flattened.

Used to skip work nobody selected: the extra query behind the `pageInfo` flag of the side
a client came from (`hasPreviousPage` when paging forward) runs only when it is selected.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from strawberry.types.nodes import FragmentSpread, InlineFragment, SelectedField, Selection

__all__ = ["child", "current", "fields", "names"]


def fields(selections: Iterable[Selection]) -> Iterator[SelectedField]:
    """The fields of a selection set, with fragments (named or inline) expanded."""
    for selection in selections:
        if isinstance(selection, SelectedField):
            yield selection
        elif isinstance(selection, (FragmentSpread, InlineFragment)):
            yield from fields(selection.selections)


def names(selections: Iterable[Selection]) -> set[str]:
    return {f.name for f in fields(selections)}


def child(selections: Iterable[Selection], name: str) -> list[Selection]:
    """The merged sub-selections of every field called `name` (aliases included)."""
    merged: list[Selection] = []
    for f in fields(selections):
        if f.name == name:
            merged.extend(f.selections)
    return merged


def current(info: Any) -> list[Selection]:
    """The sub-selections of the field being resolved."""
    merged: list[Selection] = []
    for f in info.selected_fields:
        merged.extend(f.selections)
    return merged
