"""A listing row, whatever its format, and the checks every format shares.

A `ListingRow` is one published label of one cluster: the raw ESCA listing, CSV and JSON
all parse into it. Rows compare equal on their content; where they came from (file, line)
is carried along but not compared, so that a round trip through another format is equal.

The rules for every text and date an input brings (names, websites, interview references
and texts; label and interview dates) are those of `schema.rules.values`, which the
mutations apply too; the `check_*` functions here raise them as a `RowError` naming the
file, line and field. Text a spreadsheet would run as a formula is refused at load, so
exports of loaded data never need to escape anything.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from schema.rules.places import country_problem, website_problem
from schema.rules.values import (
    EARLIEST_DATE,
    FORMULA_STARTS,
    MAX_NAME_CHARS,
    MAX_TEXT_CHARS,
    MAX_WEBSITE_CHARS,
    WEBSITE_PREFIXES,
    YEARS_AHEAD,
    date_problem,
    latest_date,
    name_text_problem,
    parse_iso_date,
    text_rule_problem,
    website_form_problem,
)
from schema.rules.vocabulary import LEVELS, Level
from seed.errors import RowError
from seed.vocabulary import Portfolios

__all__ = [
    "EARLIEST_DATE",
    "FORMULA_STARTS",
    "MAX_NAME_CHARS",
    "MAX_TEXT_CHARS",
    "MAX_WEBSITE_CHARS",
    "WEBSITE_PREFIXES",
    "YEARS_AHEAD",
    "ListingRow",
    "Parsed",
    "SeedWarning",
    "check_country",
    "check_date",
    "check_level",
    "check_name",
    "check_portfolio",
    "check_text",
    "check_website",
    "latest_date",
    "parse_iso_date",
    "website_warnings",
]


@dataclass(frozen=True, slots=True)
class SeedWarning:
    """A suspicious value kept verbatim: reported, never corrected."""

    file: str = field(compare=False)
    line: int = field(compare=False)
    field: str
    value: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.field} {self.value!r}: {self.message}"


@dataclass(frozen=True, slots=True)
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


def check_date(value: date, file: str, line: int, field_name: str, raw: str) -> date:
    """`value` when within `EARLIEST_DATE` .. `latest_date()`; `raw` is the input's text."""
    problem = date_problem(value)
    if problem is not None:
        raise RowError(file, line, field_name, raw, problem)
    return value


def check_text(
    value: str, file: str, line: int, field_name: str, *, limit: int = MAX_TEXT_CHARS
) -> str:
    """`value` when it has no control character, at most `limit` characters, and does not
    start like a spreadsheet formula."""
    problem = text_rule_problem(value, limit)
    if problem is not None:
        raise RowError(file, line, field_name, value, problem)
    return value


def check_name(value: str, file: str, line: int, field_name: str = "name") -> str:
    """`value` when it passes `check_text` for a name and holds no date."""
    problem = name_text_problem(value)
    if problem is not None:
        raise RowError(file, line, field_name, value, problem)
    return value


def check_website(value: str, file: str, line: int, field_name: str = "website") -> str:
    """`value` when it is an http(s) or `www.` address of at most `MAX_WEBSITE_CHARS`."""
    problem = website_form_problem(value)
    if problem is not None:
        raise RowError(file, line, field_name, value, problem)
    return value


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
