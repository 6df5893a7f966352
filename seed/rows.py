"""A listing row, whatever its format, and the checks every format shares.

A `ListingRow` is one published label of one cluster: the raw ESCA listing, CSV and JSON
all parse into it. Rows compare equal on their content; where they came from (file, line)
is carried along but not compared, so that a round trip through another format is equal.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from schema.rules.places import country_problem, website_problem
from schema.rules.vocabulary import LEVELS, Level
from seed.errors import RowError
from seed.vocabulary import Portfolios

__all__ = [
    "WEBSITE_PREFIXES",
    "ListingRow",
    "Parsed",
    "SeedWarning",
    "check_country",
    "check_level",
    "check_portfolio",
    "website_warnings",
]

WEBSITE_PREFIXES = ("http://", "https://", "www.")


@dataclass(frozen=True)
class SeedWarning:
    """A suspicious value kept verbatim: reported, never corrected."""

    file: str = field(compare=False)
    line: int = field(compare=False)
    field: str
    value: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.field} {self.value!r}: {self.message}"


@dataclass(frozen=True)
class ListingRow:
    name: str  # exactly as published
    portfolio: str  # the vocabulary's spelling
    website: str | None  # verbatim, even when truncated
    level: Level
    valid_until: date
    country: str  # ISO 3166-1 alpha-2
    file: str = field(compare=False)
    line: int = field(compare=False)
    warnings: tuple[SeedWarning, ...] = ()


@dataclass
class Parsed:
    """What a parser returns: the rows it accepted and the errors of those it rejected."""

    rows: list[ListingRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)


def check_portfolio(portfolios: Portfolios, value: str, file: str, line: int) -> str:
    name = portfolios.lookup(value)
    if name is None:
        raise RowError(
            file, line, "portfolio", value, f"unknown portfolio; known: {portfolios.known()}"
        )
    return name


def check_level(value: str, file: str, line: int) -> Level:
    level = value.strip().upper()
    if level not in LEVELS:
        raise RowError(
            file, line, "label_level", value, f"unknown level; known: {', '.join(LEVELS)}"
        )
    return level


def check_country(value: str, file: str, line: int, field_name: str = "country") -> str:
    problem = country_problem(value)
    if problem is not None:
        raise RowError(file, line, field_name, value, problem)
    return value


def website_warnings(website: str, file: str, line: int) -> tuple[SeedWarning, ...]:
    """Warnings for a website that looks truncated or malformed; the value is never changed."""
    problem = website_problem(website)
    return () if problem is None else (SeedWarning(file, line, "website", website, problem),)
