"""Rules for every text and date an input brings, whoever brings it: a listing or interview
file (`seed`) or an editor's mutation. One set of rules, so that nothing an editor writes
could not have been loaded, and the reverse.

- no control characters (C0, DEL, C1), line or paragraph separators, bidirectional
  overrides or lone surrogates: they corrupt terminals, exports and the stored text;
- at most `MAX_NAME_CHARS` characters in a name, `MAX_WEBSITE_CHARS` in a website,
  `MAX_TEXT_CHARS` in a longer text (a recommendation);
- no text starts with `=`, `+`, `-` or `@` (after leading blanks): a spreadsheet would run
  it as a formula when a CSV export is opened;
- a name holding a date (`YYYY/MM/DD` or `YYYY-MM-DD`) looks like two rows run together
  and is refused;
- a website starts with `http://`, `https://` or `www.` (no other scheme) and holds no
  blanks.

Label and interview dates lie within `EARLIEST_DATE` .. today + `YEARS_AHEAD` years.

Each check returns why a value is refused (a readable reason), or None; callers add where
the value came from (a file and line, or a mutation's input path).
"""

from __future__ import annotations

import re
from datetime import date

__all__ = [
    "EARLIEST_DATE",
    "FORMULA_STARTS",
    "MAX_NAME_CHARS",
    "MAX_TEXT_CHARS",
    "MAX_WEBSITE_CHARS",
    "WEBSITE_PREFIXES",
    "YEARS_AHEAD",
    "date_problem",
    "latest_date",
    "name_text_problem",
    "parse_iso_date",
    "text_rule_problem",
    "website_form_problem",
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
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)


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


def date_problem(value: date, today: date | None = None) -> str | None:
    """Why `value` cannot be a label or interview date: outside `EARLIEST_DATE` ..
    `latest_date(today)`."""
    latest = latest_date(today)
    if not EARLIEST_DATE <= value <= latest:
        return f"outside the plausible range {EARLIEST_DATE.isoformat()} .. {latest.isoformat()}"
    return None


def text_rule_problem(value: str, limit: int = MAX_TEXT_CHARS) -> str | None:
    """Why `value` is refused: over `limit` characters, a control character, or a start a
    spreadsheet would read as a formula."""
    if len(value) > limit:
        return f"longer than {limit} characters ({len(value)})"
    control = _CONTROL.search(value)
    if control is not None:
        return (
            f"holds the control character U+{ord(control[0]):04X} "
            f"at character {control.start() + 1}"
        )
    if value.lstrip().startswith(FORMULA_STARTS):
        return f"starts with {value.lstrip()[0]!r}: a spreadsheet would read it as a formula"
    return None


def name_text_problem(value: str) -> str | None:
    """`text_rule_problem` for a name (`MAX_NAME_CHARS`), and a name holds no date."""
    problem = text_rule_problem(value, MAX_NAME_CHARS)
    if problem is not None:
        return problem
    inside = _DATE_INSIDE.search(value)
    if inside is not None:
        return f"holds the date {inside[0]!r}: looks like two rows run together"
    return None


def website_form_problem(value: str) -> str | None:
    """Why `value` is not an http(s) or `www.` address of at most `MAX_WEBSITE_CHARS`
    without blanks or control characters (a truncated one is only warned about, see
    `schema.rules.places.website_problem`)."""
    if len(value) > MAX_WEBSITE_CHARS:
        return f"longer than {MAX_WEBSITE_CHARS} characters ({len(value)})"
    if not value.lower().startswith(WEBSITE_PREFIXES):
        return "not a web address: only http://, https:// or www. addresses are accepted"
    control = _CONTROL.search(value) or _BLANKS.search(value)
    if control is not None:
        return (
            f"holds the character U+{ord(control[0]):04X}: a web address has no blanks "
            "or control characters"
        )
    if "\\" in value:
        # Browsers read `\` as `/`: `https://evil.example\@good.example` goes to evil.example.
        return "holds a backslash: a web address has none (browsers read it as a slash)"
    return None
