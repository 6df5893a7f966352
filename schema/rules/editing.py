"""Rules of an editor's write: what a cluster, a label and a slug must be, and the
`Problem` a refused write reports (a mutation's `userErrors`).

The seed loader and the mutations share these rules and those of `schema.rules.values`,
`schema.rules.places` and `schema.rules.results`, so that nothing an editor writes could
not have been loaded.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Literal

from schema.rules.text import search_key, slugify
from schema.rules.values import (
    MAX_NAME_CHARS,
    MAX_TEXT_CHARS,
    date_problem,
    name_text_problem,
    text_rule_problem,
    website_form_problem,
)

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
    "website_text_problem",
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

# The limits of `schema.rules.values`, the loader's: a name, a website, a longer text.
MAX_NAME_LENGTH = MAX_NAME_CHARS
MAX_TEXT_LENGTH = MAX_TEXT_CHARS
MAX_RECOMMENDATIONS = 20


@dataclass(frozen=True)
class Problem:
    """Why a write was refused: the input `field` path, a readable `message`, a `code`."""

    field: tuple[str, ...]
    message: str
    code: ProblemCode = "INVALID"


def name_problem(name: str) -> str | None:
    """Why `name` cannot be a cluster's name (kept exactly as given otherwise): the rules
    of a loaded name (`schema.rules.values.name_text_problem`), not blank, and at least
    one letter or digit."""
    if not name.strip():
        return "must not be blank"
    problem = name_text_problem(name)
    if problem is not None:
        return problem
    if not search_key(name):
        return "must contain at least one letter or digit"
    return None


def text_problem(text: str) -> str | None:
    """Why `text` (a recommendation) is refused: blank, or the rules of a loaded text."""
    if not text.strip():
        return "must not be blank"
    return text_rule_problem(text, MAX_TEXT_CHARS)


def website_text_problem(website: str) -> str | None:
    """Why `website` cannot be stored: the form a loaded website must have (a truncated one
    is kept, with a warning, as on load)."""
    if not website.strip():
        return "must not be blank"
    return website_form_problem(website)


def label_dates_problem(
    awarded_on: date | None, valid_until: date, today: date | None = None
) -> tuple[str, str] | None:
    """Why a label awarded on `awarded_on` cannot end on `valid_until`, with the field at
    fault (`validUntil` or `awardedOn`): either date outside the range of a loaded date
    (`schema.rules.values.date_problem`), or out of order."""
    problem = date_problem(valid_until, today)
    if problem is not None:
        return "validUntil", f"validUntil {valid_until.isoformat()} is {problem}"
    if awarded_on is not None:
        problem = date_problem(awarded_on, today)
        if problem is not None:
            return "awardedOn", f"awardedOn {awarded_on.isoformat()} is {problem}"
    if awarded_on is not None and awarded_on >= valid_until:
        return "awardedOn", "awardedOn must be before validUntil"
    return None


def slug_candidates(
    name: str, country: str, start: int = 2, stop: int = 10, *, base: str | None = None
) -> Iterator[str]:
    """Slugs to try, in order, for a new cluster: its name's slug, then `-{country}`, then
    `-2`, `-3`... (from `start` to `stop`). A cluster keeps its slug once given. `base` is
    `slugify(name)` when the caller already has it (folding text is a load's main cost)."""
    base = slugify(name) if base is None else base
    if start == 2:
        yield base
        yield f"{base}-{country.lower()}"
    for number in range(start, stop):
        yield f"{base}-{number}"
