"""Rules of an editor's write: what a cluster, a label and a slug must be, and the
`Problem` a refused write reports (a mutation's `userErrors`).

The seed loader and the mutations share these rules and those of `schema.rules.places`
and `schema.rules.results`, so that nothing an editor writes could not have been loaded.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Literal

from schema.rules.text import search_key, slugify

__all__ = [
    "MAX_NAME_LENGTH",
    "MAX_RECOMMENDATIONS",
    "MAX_TEXT_LENGTH",
    "PROBLEM_CODES",
    "Problem",
    "ProblemCode",
    "label_dates_problem",
    "name_problem",
    "slug_candidates",
    "text_problem",
]

ProblemCode = Literal[
    "INVALID",
    "NOT_FOUND",
    "ALREADY_EXISTS",
    "VERSION_CONFLICT",
    "LAST_LABEL",
    "CLIENT_MUTATION_ID_REUSED",
]
PROBLEM_CODES: tuple[ProblemCode, ...] = (
    "INVALID",
    "NOT_FOUND",
    "ALREADY_EXISTS",
    "VERSION_CONFLICT",
    "LAST_LABEL",
    "CLIENT_MUTATION_ID_REUSED",
)

# The longest published name is under 120 characters; 200 leaves room, refuses junk.
MAX_NAME_LENGTH = 200
# A website, a recommendation, any other free text an editor types.
MAX_TEXT_LENGTH = 2000
MAX_RECOMMENDATIONS = 20


@dataclass(frozen=True)
class Problem:
    """Why a write was refused: the input `field` path, a readable `message`, a `code`."""

    field: tuple[str, ...]
    message: str
    code: ProblemCode = "INVALID"


def name_problem(name: str) -> str | None:
    """Why `name` cannot be a cluster's name (kept exactly as given otherwise)."""
    if not name.strip():
        return "must not be blank"
    if len(name) > MAX_NAME_LENGTH:
        return f"at most {MAX_NAME_LENGTH} characters"
    if not search_key(name):
        return "must contain at least one letter or digit"
    return None


def text_problem(text: str) -> str | None:
    if not text.strip():
        return "must not be blank"
    if len(text) > MAX_TEXT_LENGTH:
        return f"at most {MAX_TEXT_LENGTH} characters"
    return None


def label_dates_problem(awarded_on: date | None, valid_until: date) -> str | None:
    """Why a label awarded on `awarded_on` cannot end on `valid_until`."""
    if awarded_on is not None and awarded_on >= valid_until:
        return "awardedOn must be before validUntil"
    return None


def slug_candidates(name: str, country: str, start: int = 2, stop: int = 10) -> Iterator[str]:
    """Slugs to try, in order, for a new cluster: its name's slug, then `-{country}`, then
    `-2`, `-3`... (from `start` to `stop`). A cluster keeps its slug once given."""
    base = slugify(name)
    if start == 2:
        yield base
        yield f"{base}-{country.lower()}"
    for number in range(start, stop):
        yield f"{base}-{number}"
