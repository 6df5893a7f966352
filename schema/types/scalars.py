"""The `Date` scalar: an ISO 8601 calendar date, `YYYY-MM-DD`, mapped to `datetime.date`,
limited to the range the API supports (`schema.rules.limits.MIN_DATE`..`MAX_DATE`)."""

from __future__ import annotations

import dataclasses
from datetime import date

from strawberry.schema.types.base_scalars import DateDefinition, wrap_parser
from strawberry.types.scalar import ScalarDefinition

from schema.errors import BadUserInput
from schema.rules.limits import MAX_DATE, MIN_DATE
from schema.rules.values import parse_iso_date

__all__ = ["SCALAR_MAP", "parse_date"]


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

SCALAR_MAP: dict[object, ScalarDefinition] = {date: _Date}
