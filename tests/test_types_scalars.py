"""The `Date` scalar: `YYYY-MM-DD` within the supported range, nothing else; `DateTime`
answers in UTC with `Z`."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from strawberry.exceptions import StrawberryInputCoercionError

from schema.errors import BadUserInput
from schema.rules.limits import MAX_DATE, MAX_DATE_INPUT_CHARS, MIN_DATE
from schema.types.scalars import format_utc, parse_date


def test_a_calendar_date_in_range() -> None:
    assert parse_date("2014-03-01") == date(2014, 3, 1)
    assert parse_date(MIN_DATE.isoformat()) == MIN_DATE
    assert parse_date(MAX_DATE.isoformat()) == MAX_DATE


@pytest.mark.parametrize(
    "value",
    [
        pytest.param("20140301", id="compact"),
        pytest.param("2014-W10", id="week"),
        pytest.param("2014-W09-6", id="week-day"),
        pytest.param("2014-02-30", id="no-such-day"),
        pytest.param("2014-3-1", id="unpadded"),
        pytest.param(20140301, id="number"),
    ],
)
def test_other_forms_are_refused(value: object) -> None:
    with pytest.raises(StrawberryInputCoercionError, match="cannot represent a Date"):
        parse_date(value)


@pytest.mark.parametrize("length", [MAX_DATE_INPUT_CHARS, MAX_DATE_INPUT_CHARS + 1, 50_000])
def test_a_long_text_is_refused_without_being_quoted(length: int) -> None:
    """A 50 kB `asOf` was quoted twice in its error, a 100 kB answer."""
    value = "x" * length
    with pytest.raises(StrawberryInputCoercionError) as raised:
        parse_date(value)
    message = str(raised.value)
    if length <= MAX_DATE_INPUT_CHARS:
        assert value in message
    else:
        assert message == (
            f"Value cannot represent a Date: a text of {length:,} characters; expected YYYY-MM-DD."
        )


@pytest.mark.parametrize("value", ["0001-01-01", "9999-12-31"])
def test_dates_out_of_range_are_client_errors(value: str) -> None:
    with pytest.raises(BadUserInput, match="outside the supported range"):
        parse_date(value)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        pytest.param(datetime(2026, 11, 29, 1), "2026-11-29T01:00:00Z", id="whole-seconds"),
        pytest.param(
            datetime(2026, 11, 28, 23, 23, 54, 911000), "2026-11-28T23:23:54.911Z", id="millis"
        ),
        pytest.param(datetime(2026, 11, 29, 1, tzinfo=UTC), "2026-11-29T01:00:00Z", id="aware"),
        pytest.param(
            datetime(2026, 11, 29, 2, tzinfo=timezone(timedelta(hours=1))),
            "2026-11-29T01:00:00Z",
            id="other-zone",
        ),
    ],
)
def test_a_date_time_is_answered_in_utc_with_z(value: datetime, text: str) -> None:
    assert format_utc(value) == text
