"""The `Date` scalar: an ISO 8601 calendar date, `YYYY-MM-DD`, mapped to `datetime.date`,
limited to the range the API supports (`schema.rules.limits.MIN_DATE`..`MAX_DATE`); and
`DateTime`, answered in UTC with `Z` (`format_utc`), to the second, or to the millisecond
when the time has a fraction (a stored time holds milliseconds), the same form as
`extensions.rateLimit.resetAt`."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime

from strawberry.exceptions import StrawberryInputCoercionError
from strawberry.schema.types.base_scalars import DateDefinition, DateTimeDefinition, wrap_parser
from strawberry.types.scalar import ScalarDefinition

from schema.errors import BadUserInput
from schema.rules.limits import MAX_DATE, MAX_DATE_INPUT_CHARS, MIN_DATE
from schema.rules.values import parse_iso_date

__all__ = ["SCALAR_MAP", "format_utc", "parse_date"]


def _calendar_date(value: str) -> date:
    """`YYYY-MM-DD` only: Python's `date.fromisoformat` also reads week dates and compact
    forms (`2014-W10`, `20140301`), which the schema does not promise."""
    day = parse_iso_date(value)
    if day is None:
        raise ValueError(f"not a YYYY-MM-DD calendar date: {value!r}")
    return day


_parse_iso_date = wrap_parser(_calendar_date, "Date")


def parse_date(value: object) -> date:
    """A `Date` input; a date outside the supported range is refused with BAD_USER_INPUT
    (date arithmetic near year 1 or 9999 would overflow, and no label lives there)."""
    if isinstance(value, str) and len(value) > MAX_DATE_INPUT_CHARS:
        raise StrawberryInputCoercionError(
            f"Value cannot represent a Date: a text of {len(value):,} characters; "
            "expected YYYY-MM-DD."
        )
    day = _parse_iso_date(value)
    assert isinstance(day, date)
    if not MIN_DATE <= day <= MAX_DATE:
        raise BadUserInput(
            f"date {day.isoformat()} is outside the supported range "
            f"{MIN_DATE.isoformat()}..{MAX_DATE.isoformat()}"
        )
    return day


_Date = dataclasses.replace(
    DateDefinition,
    description=(
        "ISO 8601 calendar date, YYYY-MM-DD (no time, no time zone), from "
        f"{MIN_DATE.isoformat()} to {MAX_DATE.isoformat()}; a date outside that range is "
        "refused with BAD_USER_INPUT."
    ),
    specified_by_url="https://www.iso.org/iso-8601-date-and-time-format.html",
    parse_value=parse_date,
)


def format_utc(value: datetime) -> str:
    """`value` in ISO 8601, UTC, ending in `Z` (a naive time is taken as UTC): to the
    second, or to the millisecond when it has a fraction."""
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    timespec = "seconds" if value.microsecond == 0 else "milliseconds"
    return value.isoformat(timespec=timespec) + "Z"


def _serialize_datetime(value: object) -> str:
    if not isinstance(value, datetime):
        raise TypeError(f"DateTime cannot represent {value!r}")
    return format_utc(value)


_DateTime = dataclasses.replace(
    DateTimeDefinition,
    description=(
        "ISO 8601 date and time. Answered in UTC with `Z`, to the second, or to the "
        "millisecond when the time has a fraction (`2026-11-29T01:00:00Z`, "
        "`2026-11-28T23:23:54.911Z`); an input without a time zone is taken as UTC."
    ),
    serialize=_serialize_datetime,
)

SCALAR_MAP: dict[object, ScalarDefinition] = {date: _Date, datetime: _DateTime}
