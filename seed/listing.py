"""Parser for the raw ESCA listing: a prose header, then a table with no delimiter.

Each row is `<name> <portfolio> [<www>] <YYYY/MM/DD>` with single spaces between the
columns, which also occur inside names and portfolios. A row is therefore split from the
right: the date is the last word, then an optional website (a word starting with
`http://`, `https://` or `www.`), then the longest portfolio of the vocabulary that the rest
ends with; what remains is the name, kept exactly as published. Runs of spaces or tabs
between columns and around a row are tolerated; a no-break space never separates columns.

The listing has no level column (every label in it is BRONZE) and no country column: it is
ESCA's France slice, so the country comes from the caller (`FR` by default).
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from seed.errors import InputError, RowError, file_name
from seed.rows import (
    WEBSITE_PREFIXES,
    ListingRow,
    Parsed,
    check_date,
    check_name,
    check_website,
    website_warnings,
)
from seed.source import read_lines
from seed.vocabulary import Portfolios, load_portfolios

__all__ = ["HEADER", "parse_listing", "parse_listing_date"]

HEADER = re.compile(r"Name\s+Comparative\s+portfolio\s+www\s+Label\s+valid\s+until")
_DATE = re.compile(r"(\d{4})/(\d{2})/(\d{2})")
_BLANKS = " \t"
_LAST_WORD = re.compile(r"(?:(.*?)[ \t]+)?([^ \t]*)")


def _split_last(text: str) -> tuple[str, str]:
    """`text` without its last blank-separated word, and that word."""
    match = _LAST_WORD.fullmatch(text)
    assert match is not None  # the pattern matches any string
    return match[1] or "", match[2]


def parse_listing(
    path: Path, *, country: str = "FR", portfolios: Portfolios | None = None
) -> Parsed:
    """Rows of the listing at `path`; rejected rows are returned as errors, not raised.

    Raises `InputError` when the file cannot be read or decoded, or has no table header.
    """
    vocabulary = portfolios or load_portfolios()
    name = file_name(path)
    lines = read_lines(path)
    if not any(HEADER.fullmatch(text.strip()) for _, text in lines):
        raise InputError(
            name, None, "no table header 'Name Comparative portfolio www Label valid until'"
        )
    parsed = Parsed()
    for number, text in lines:  # the rows after the header, read one at a time
        if not text.strip():
            continue
        try:
            parsed.rows.append(_row(text, vocabulary, country, name, number))
        except RowError as error:
            parsed.errors.append(error)
    return parsed


def parse_listing_date(value: str, file: str, line: int) -> date:
    match = _DATE.fullmatch(value)
    if match is None:
        raise RowError(
            file, line, "valid_until", value, "missing or not a YYYY/MM/DD date at the row's end"
        )
    try:
        day = date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        raise RowError(file, line, "valid_until", value, "not a calendar date") from None
    return check_date(day, file, line, "valid_until", value)


def _row(text: str, portfolios: Portfolios, country: str, file: str, line: int) -> ListingRow:
    # Columns are separated by spaces; runs of spaces or tabs between columns and around
    # the row are tolerated. Only ASCII blanks separate: a no-break space is part of a name.
    dates = _DATE.findall(text)
    if len(dates) > 1:
        raise RowError(
            file, line, "row", text, f"holds {len(dates)} dates: looks like two rows run together"
        )
    rest, last = _split_last(text.strip(_BLANKS))
    valid_until = parse_listing_date(last, file, line)
    website: str | None = None
    head, word = _split_last(rest)
    if word.lower().startswith(WEBSITE_PREFIXES):
        website, rest = word, head
    portfolio = next(
        (p for p in portfolios.longest_first if rest == p or rest.endswith((" " + p, "\t" + p))),
        None,
    )
    if portfolio is None:
        raise RowError(
            file,
            line,
            "portfolio",
            rest,
            f"does not end with a known portfolio; known: {portfolios.known()}",
        )
    cluster = rest[: -len(portfolio)].rstrip(_BLANKS)
    if not cluster.strip():
        raise RowError(file, line, "name", cluster, "empty name before the portfolio")
    check_name(cluster, file, line)
    if website is not None:
        check_website(website, file, line)
    warnings = website_warnings(website, file, line) if website else ()
    return ListingRow(
        name=cluster,
        portfolio=portfolio,
        website=website,
        level="BRONZE",
        valid_until=valid_until,
        country=country,
        file=file,
        line=line,
        warnings=warnings,
    )
