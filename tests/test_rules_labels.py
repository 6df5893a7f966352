"""Label status on a date, the date bounds of each status, and inferred award dates."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from schema.rules.labels import (
    STATUSES,
    add_years,
    days_remaining,
    inferred_award_date,
    label_status,
    status_bounds,
)

END = date(2016, 6, 30)


@pytest.mark.parametrize(
    ("as_of", "expected"),
    [
        pytest.param(date(2016, 3, 31), "VALID", id="91-days-before"),
        pytest.param(date(2016, 4, 1), "EXPIRING_SOON", id="90-days-before"),
        pytest.param(END, "EXPIRING_SOON", id="last-day"),
        pytest.param(date(2016, 7, 1), "RENEWABLE", id="day-after"),
        pytest.param(date(2017, 6, 29), "RENEWABLE", id="364-days-after"),
        pytest.param(date(2017, 6, 30), "EXPIRED", id="first-anniversary"),
    ],
)
def test_status_boundaries(as_of: date, expected: str) -> None:
    assert label_status(END, as_of) == expected


def test_days_remaining() -> None:
    assert days_remaining(END, date(2016, 6, 20)) == 10
    assert days_remaining(END, date(2016, 7, 1)) == -1


@pytest.mark.parametrize("as_of", [date(2014, 2, 20), date(2016, 2, 29), date(2019, 12, 31)])
def test_status_bounds_select_exactly_the_ends_with_that_status(as_of: date) -> None:
    # Every end of validity within three years either side has exactly one status, and it
    # lies inside that status's bounds and outside the others'.
    for offset in range(-3 * 366, 3 * 366):
        end = as_of + timedelta(days=offset)
        inside = [
            status
            for status in STATUSES
            if (low := status_bounds(status, as_of)[0]) is None or low <= end
            if (high := status_bounds(status, as_of)[1]) is None or end <= high
        ]
        assert inside == [label_status(end, as_of)], end


def test_add_years_keeps_the_day_or_the_end_of_february() -> None:
    assert add_years(date(2014, 3, 7), 2) == date(2016, 3, 7)
    assert add_years(date(2016, 2, 29), 1) == date(2017, 2, 28)
    assert add_years(date(2016, 2, 29), -4) == date(2012, 2, 29)


def test_inferred_award_dates() -> None:
    assert inferred_award_date("BRONZE", date(2016, 6, 30)) == date(2014, 6, 30)
    assert inferred_award_date("BRONZE", date(2019, 6, 30), renewal=True) == date(2016, 6, 30)
    assert inferred_award_date("GOLD", date(2019, 6, 30), renewal=True) == date(2017, 6, 30)


@pytest.mark.parametrize("day", [date.min, date(1, 12, 31), date(9999, 1, 1), date.max], ids=str)
def test_rules_never_raise_at_the_ends_of_the_calendar(day: date) -> None:
    assert add_years(date.max, 1) == date.max
    assert add_years(date.min, -1) == date.min
    for status in STATUSES:
        bounds = status_bounds(status, day)
        assert all(bound is None or isinstance(bound, date) for bound in bounds)
    label_status(day, day)
    inferred_award_date("BRONZE", day)
