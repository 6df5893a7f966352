"""A listing row, whatever its format, and the checks every format shares.

A `ListingRow` is one published label of one cluster: the raw ESCA listing, CSV and JSON
all parse into it. Rows compare equal on their content; where they came from (file, line)
is carried along but not compared, so that a round trip through another format is equal.

Rules for every text an input brings (names, websites, interview references and texts):

- no control characters (C0, DEL, C1), line or paragraph separators, bidirectional
  overrides or lone surrogates: they corrupt terminals, exports and the stored text;
- at most `MAX_NAME_CHARS` characters in a name, `MAX_WEBSITE_CHARS` in a website,
  `MAX_TEXT_CHARS` in a longer text (a recommendation);
- no text starts with `=`, `+`, `-` or `@` (after leading blanks): a spreadsheet would run
  it as a formula when a CSV export is opened. Such text is refused at load, so exports
  never need to escape anything;
- a name holding a date (`YYYY/MM/DD` or `YYYY-MM-DD`) looks like two rows run together
  and is refused;
- a website starts with `http://`, `https://` or `www.` (no other scheme) and holds no
  blanks.

Label and interview dates lie within `EARLIEST_DATE` .. today + `YEARS_AHEAD` years.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from schema.rules.vocabulary import LEVELS, Level
from seed.errors import RowError
from seed.vocabulary import COUNTRIES, TLDS, Portfolios

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
    "website_warnings",
]

WEBSITE_PREFIXES = ("http://", "https://", "www.")
MAX_NAME_CHARS = 300
MAX_WEBSITE_CHARS = 2048
MAX_TEXT_CHARS = 2000
FORMULA_STARTS = ("=", "+", "-", "@")
EARLIEST_DATE = date(1990, 1, 1)
YEARS_AHEAD = 10
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
_DATE_INSIDE = re.compile(r"\d{4}[/-]\d{1,2}[/-]\d{1,2}")
_BLANKS = re.compile(r"\s")


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


def latest_date(today: date | None = None) -> date:
    """The latest label or interview date accepted: `YEARS_AHEAD` years after today."""
    day = today or date.today()
    year = day.year + YEARS_AHEAD
    # 29 February has no match in most years.
    return (
        day.replace(year=year, day=28)
        if (day.month, day.day) == (2, 29)
        else day.replace(year=year)
    )


_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)


def parse_iso_date(raw: object) -> date | None:
    """The calendar date written `YYYY-MM-DD` in `raw`, else None.

    Stricter than `date.fromisoformat`, which also reads week dates (`2014-W09-6`) and
    compact forms (`20140301`) since Python 3.11.
    """
    if not isinstance(raw, str) or not _ISO_DATE.fullmatch(raw):
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        return None


def check_date(value: date, file: str, line: int, field_name: str, raw: str) -> date:
    """`value` when within `EARLIEST_DATE` .. `latest_date()`; `raw` is the input's text."""
    latest = latest_date()
    if not EARLIEST_DATE <= value <= latest:
        raise RowError(
            file,
            line,
            field_name,
            raw,
            f"outside the plausible range {EARLIEST_DATE.isoformat()} .. {latest.isoformat()}",
        )
    return value


def check_text(
    value: str, file: str, line: int, field_name: str, *, limit: int = MAX_TEXT_CHARS
) -> str:
    """`value` when it has no control character, at most `limit` characters, and does not
    start like a spreadsheet formula."""
    if len(value) > limit:
        raise RowError(
            file, line, field_name, value, f"longer than {limit} characters ({len(value)})"
        )
    control = _CONTROL.search(value)
    if control is not None:
        raise RowError(
            file,
            line,
            field_name,
            value,
            f"holds the control character U+{ord(control[0]):04X} "
            f"at character {control.start() + 1}",
        )
    if value.lstrip().startswith(FORMULA_STARTS):
        raise RowError(
            file,
            line,
            field_name,
            value,
            f"starts with {value.lstrip()[0]!r}: a spreadsheet would read it as a formula",
        )
    return value


def check_name(value: str, file: str, line: int, field_name: str = "name") -> str:
    """`value` when it passes `check_text` for a name and holds no date."""
    check_text(value, file, line, field_name, limit=MAX_NAME_CHARS)
    inside = _DATE_INSIDE.search(value)
    if inside is not None:
        raise RowError(
            file,
            line,
            field_name,
            value,
            f"holds the date {inside[0]!r}: looks like two rows run together",
        )
    return value


def check_website(value: str, file: str, line: int, field_name: str = "website") -> str:
    """`value` when it is an http(s) or `www.` address of at most `MAX_WEBSITE_CHARS`."""
    if len(value) > MAX_WEBSITE_CHARS:
        raise RowError(
            file,
            line,
            field_name,
            value,
            f"longer than {MAX_WEBSITE_CHARS} characters ({len(value)})",
        )
    if not value.lower().startswith(WEBSITE_PREFIXES):
        raise RowError(
            file,
            line,
            field_name,
            value,
            "not a web address: only http://, https:// or www. addresses are accepted",
        )
    control = _CONTROL.search(value) or _BLANKS.search(value)
    if control is not None:
        raise RowError(
            file,
            line,
            field_name,
            value,
            f"holds the character U+{ord(control[0]):04X}: a web address has no blanks "
            "or control characters",
        )
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
    if value not in COUNTRIES:
        hint = "; use upper case" if value.upper() in COUNTRIES else ""
        raise RowError(
            file, line, field_name, value, f"not an ISO 3166-1 alpha-2 country code{hint}"
        )
    return value


def website_warnings(website: str, file: str, line: int) -> tuple[SeedWarning, ...]:
    """Warnings for a website that looks truncated or malformed; the value is never changed."""
    rest = website
    for prefix in ("http://", "https://"):
        if rest.lower().startswith(prefix):
            rest = rest[len(prefix) :]
    host = rest.split("/", 1)[0].split("?", 1)[0].split("#", 1)[0].split(":", 1)[0]
    if "." not in host.strip("."):
        message = "host has no top-level domain: probably truncated"
        return (SeedWarning(file, line, "website", website, message),)
    tld = host.rstrip(".").rsplit(".", 1)[1]
    if not tld.isascii() or tld.lower() not in TLDS:
        message = f"top-level domain {tld!r} is not a known one: probably truncated"
        return (SeedWarning(file, line, "website", website, message),)
    return ()
