"""The label in force on a date, the statuses derived from it, the date bounds of each status,
and inferred award dates (`schema.rules.labels`)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from schema.rules.labels import (
    FOREVER,
    VALIDITIES,
    Award,
    add_years,
    cluster_status,
    days_remaining,
    in_force_order,
    in_force_until,
    inferred_award_date,
    label_in_force,
    label_status,
    status_bounds,
    valid_spans,
)

FIRST = Award("BRONZE", date(2012, 3, 1), date(2014, 3, 1))
RENEWAL = Award("BRONZE", date(2014, 3, 1), date(2017, 3, 1))
# Awarded while FIRST still runs, ending before it would have.
SHORT = Award("GOLD", date(2013, 1, 1), date(2013, 6, 30))


def _in_force(history: list[Award], day: date) -> Award | None:
    return label_in_force(history, day, lambda a: a)


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        pytest.param(date(2012, 2, 29), None, id="before-any-award"),
        pytest.param(date(2012, 3, 1), FIRST, id="award-day"),
        pytest.param(date(2014, 2, 28), FIRST, id="day-before-renewal"),
        pytest.param(date(2014, 3, 1), RENEWAL, id="renewal-day"),
        pytest.param(date(2030, 1, 1), RENEWAL, id="long-after"),
    ],
)
def test_label_in_force_is_the_latest_awarded(day: date, expected: Award | None) -> None:
    assert _in_force([RENEWAL, FIRST], day) == expected


def test_a_later_award_replaces_a_longer_label() -> None:
    history = [FIRST, SHORT]
    assert _in_force(history, date(2013, 9, 1)) == SHORT
    assert cluster_status(history, date(2013, 9, 1)) == "RENEWABLE"
    assert cluster_status(history, date(2012, 12, 31)) == "VALID"


def test_same_day_awards_go_to_the_later_end_then_the_higher_level() -> None:
    bronze = Award("BRONZE", date(2014, 1, 1), date(2016, 1, 1))
    gold = Award("GOLD", date(2014, 1, 1), date(2016, 1, 1))
    longer = Award("BRONZE", date(2014, 1, 1), date(2017, 1, 1))
    assert _in_force([gold, bronze], date(2015, 1, 1)) == gold
    assert _in_force([gold, bronze, longer], date(2015, 1, 1)) == longer


@pytest.mark.parametrize(
    ("day", "status"),
    [
        pytest.param(date(2012, 2, 29), "NOT_YET_LABELLED", id="not-yet"),
        pytest.param(date(2012, 3, 1), "VALID", id="valid"),
        pytest.param(date(2014, 2, 28), "EXPIRING_SOON", id="expiring"),
        pytest.param(date(2017, 3, 2), "RENEWABLE", id="renewable"),
        pytest.param(date(2018, 3, 1), "EXPIRED", id="expired"),
    ],
)
def test_cluster_status_follows_the_label_in_force(day: date, status: str) -> None:
    assert cluster_status([FIRST, RENEWAL], day) == status


def test_in_force_until_is_the_day_before_the_next_award() -> None:
    history = sorted([RENEWAL, SHORT, FIRST], key=in_force_order)
    assert in_force_until(history) == [
        date(2012, 12, 31),
        date(2014, 2, 28),
        FOREVER,
    ]
    assert in_force_until([]) == []


def test_stored_bounds_pick_the_same_label_as_the_rule() -> None:
    same_day = Award("SILVER", date(2014, 3, 1), date(2016, 3, 1))
    history = sorted([FIRST, SHORT, RENEWAL, same_day], key=in_force_order)
    bounds = list(zip(history, in_force_until(history), strict=True))
    day = date(2011, 1, 1)
    while day < date(2019, 1, 1):
        chosen = [a for a, until in bounds if a.awarded_on <= day <= until]
        assert chosen == ([_in_force(history, day)] if _in_force(history, day) else []), day
        day += timedelta(days=1)


def test_valid_spans_are_the_days_the_label_in_force_is_valid() -> None:
    history = sorted([FIRST, SHORT, RENEWAL], key=in_force_order)
    assert valid_spans(history) == [
        (date(2012, 3, 1), date(2012, 12, 31)),
        (date(2013, 1, 1), date(2013, 6, 30)),
        (date(2014, 3, 1), date(2017, 3, 1)),
    ]
    day = date(2011, 1, 1)
    while day < date(2019, 1, 1):
        in_span = any(start <= day <= end for start, end in valid_spans(history))
        assert in_span == (cluster_status(history, day) in ("VALID", "EXPIRING_SOON")), day
        day += timedelta(days=1)


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
            for status in VALIDITIES
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
