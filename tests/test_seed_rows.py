"""The checks every format shares: texts, names, websites and dates, at their limits."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from seed.errors import RowError
from seed.rows import (
    EARLIEST_DATE,
    MAX_NAME_CHARS,
    MAX_TEXT_CHARS,
    MAX_WEBSITE_CHARS,
    check_date,
    check_name,
    check_text,
    check_website,
    latest_date,
    parse_iso_date,
)


def test_a_name_at_the_length_limit_passes_and_one_character_more_is_refused() -> None:
    assert check_name("n" * MAX_NAME_CHARS, "l.csv", 2) == "n" * MAX_NAME_CHARS
    with pytest.raises(RowError, match=r"longer than 300 characters \(301\)$") as caught:
        check_name("n" * (MAX_NAME_CHARS + 1), "l.csv", 2)
    # The message repeats the start of the value only, and says how long it was.
    assert len(str(caught.value)) < 200
    assert "(301 characters)" in str(caught.value)


def test_a_text_at_the_length_limit_passes_and_one_character_more_is_refused() -> None:
    assert check_text("t" * MAX_TEXT_CHARS, "i.json", 3, "recommendations")
    with pytest.raises(RowError, match=r"longer than 2000 characters"):
        check_text("t" * (MAX_TEXT_CHARS + 1), "i.json", 3, "recommendations")


@pytest.mark.parametrize(
    "char",
    [
        pytest.param("\x00", id="nul"),
        pytest.param("\t", id="tab"),
        pytest.param("\n", id="newline"),
        pytest.param("\x1b", id="escape"),
        pytest.param("\x7f", id="delete"),
        pytest.param("\x85", id="c1"),
        pytest.param("\u2028", id="line-separator"),
        pytest.param("\u202e", id="bidi-override"),
        pytest.param("\ud800", id="lone-surrogate"),
    ],
)
def test_control_characters_are_refused_and_shown_escaped(char: str) -> None:
    with pytest.raises(
        RowError, match=rf"control character U\+{ord(char):04X} at character 4"
    ) as caught:
        check_name(f"Foo{char}Bar", "l.csv", 2)
    assert str(caught.value).isprintable()


@pytest.mark.parametrize(
    "name",
    [
        pytest.param('=HYPERLINK("http://x")', id="equals"),
        pytest.param("+1+1", id="plus"),
        pytest.param("-2+3", id="minus"),
        pytest.param("@SUM(A1)", id="at"),
        pytest.param("  =1+1", id="after-blanks"),
    ],
)
def test_a_name_that_a_spreadsheet_would_run_as_a_formula_is_refused(name: str) -> None:
    with pytest.raises(RowError, match=r"a spreadsheet would read it as a formula$"):
        check_name(name, "l.csv", 2)


@pytest.mark.parametrize(
    "name",
    ["Nov@log", "Pôle EMC²", "Lyon Urban Truck & Bus 2015", "TEAM²\u00a0(Technologies de l’Env)"],
)
def test_published_names_pass(name: str) -> None:
    assert check_name(name, "l.csv", 2) == name


@pytest.mark.parametrize("name", ["Foo ICT 2014/03/01 Bar", "Foo 2014-3-1", "Bar 2015/01/02"])
def test_a_name_holding_a_date_looks_like_two_rows_run_together(name: str) -> None:
    with pytest.raises(RowError, match=r"holds the date '.*': looks like two rows run together$"):
        check_name(name, "l.txt", 5)


@pytest.mark.parametrize(
    "website", ["http://a.fr", "HTTPS://a.fr/x?y=1", "www.a.fr", "https://" + "a" * 2037 + ".fr"]
)
def test_http_websites_up_to_the_limit_pass(website: str) -> None:
    assert len(website) <= MAX_WEBSITE_CHARS
    assert check_website(website, "l.csv", 2) == website


@pytest.mark.parametrize(
    ("website", "reason"),
    [
        pytest.param("javascript:alert(1)", "only http://, https:// or www.", id="javascript"),
        pytest.param("ftp://a.fr", "only http://, https:// or www.", id="ftp"),
        pytest.param("data:text/html,x", "only http://, https:// or www.", id="data"),
        pytest.param("a.fr", "only http://, https:// or www.", id="no-scheme"),
        pytest.param("http://a.fr/\x00", "U+0000", id="control"),
        pytest.param("http://a.fr/ b", "U+0020", id="blank"),
        pytest.param("https://evil.example\\@good.example", "backslash", id="backslash"),
        pytest.param("https://" + "a" * 2038 + ".fr", "longer than 2048", id="too-long"),
    ],
)
def test_other_websites_are_refused(website: str, reason: str) -> None:
    with pytest.raises(RowError, match=re.escape(reason)):
        check_website(website, "l.csv", 2)


@pytest.mark.parametrize(
    ("day", "accepted"),
    [
        pytest.param(EARLIEST_DATE, True, id="earliest"),
        pytest.param(EARLIEST_DATE - timedelta(days=1), False, id="before-earliest"),
        pytest.param(latest_date(), True, id="latest"),
        pytest.param(latest_date() + timedelta(days=1), False, id="after-latest"),
        pytest.param(date(1, 1, 1), False, id="year-1"),
        pytest.param(date(9999, 12, 31), False, id="year-9999"),
    ],
)
def test_dates_lie_from_1990_to_ten_years_ahead(day: date, accepted: bool) -> None:
    if accepted:
        assert check_date(day, "l.csv", 2, "valid_until", day.isoformat()) == day
    else:
        with pytest.raises(RowError, match=r"outside the plausible range 1990-01-01 \.\. "):
            check_date(day, "l.csv", 2, "valid_until", day.isoformat())


def test_ten_years_ahead_of_a_29_february_is_the_28th() -> None:
    assert latest_date(date(2028, 2, 29)) == date(2038, 2, 28)
    assert latest_date(date(2026, 11, 28)) == date(2036, 11, 28)


@pytest.mark.parametrize(
    ("raw", "parsed"),
    [
        pytest.param("2014-03-01", date(2014, 3, 1), id="calendar-date"),
        pytest.param("2014-W09-6", None, id="week-date"),
        pytest.param("20140301", None, id="compact"),
        pytest.param("2014-02-30", None, id="no-such-day"),
        pytest.param("2014-3-1", None, id="unpadded"),
        pytest.param("２０１４-03-01", None, id="non-ascii-digits"),
        pytest.param(20140301, None, id="not-text"),
    ],
)
def test_only_yyyy_mm_dd_is_a_date(raw: object, parsed: date | None) -> None:
    assert parse_iso_date(raw) == parsed
