"""CSV and JSON listing formats: parsing, validation and round trips."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pytest

from seed.errors import InputError
from seed.listing import parse_listing
from seed.shipped import SHIPPED_LISTING
from seed.tabular import parse_csv, parse_json, write_csv, write_json

EXAMPLES = Path(__file__).resolve().parent.parent / "seed" / "data" / "examples"
CSV_HEADER = "name,portfolio,website,label_level,valid_until,country\n"


def write(tmp_path: Path, text: str, name: str = "listing.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_example_csv_loads_without_errors() -> None:
    parsed = parse_csv(EXAMPLES / "listing-example.csv")
    assert parsed.errors == []
    assert len(parsed.rows) == 4
    assert {row.level for row in parsed.rows} == {"BRONZE", "SILVER", "GOLD"}
    assert {row.country for row in parsed.rows} == {"FR", "NO", "DE"}
    assert parsed.rows[3].portfolio == "Micro, nano and optical technologies"


def test_example_json_loads_without_errors_with_object_lines() -> None:
    parsed = parse_json(EXAMPLES / "listing-example.json")
    assert parsed.errors == []
    assert [row.line for row in parsed.rows] == [3, 11, 19]
    assert [row.level for row in parsed.rows] == ["SILVER", "GOLD", "BRONZE"]
    assert parsed.rows[1].website == "https://maritime.example.no"
    assert parsed.rows[1].warnings == ()


def test_csv_round_trip_of_the_shipped_listing(tmp_path: Path) -> None:
    rows = parse_listing(SHIPPED_LISTING).rows
    write_csv(rows, tmp_path / "out.csv")
    again = parse_csv(tmp_path / "out.csv")
    assert again.errors == []
    assert again.rows == rows
    assert again.rows[0].line == 2


def test_json_round_trip_of_the_shipped_listing(tmp_path: Path) -> None:
    rows = parse_listing(SHIPPED_LISTING).rows
    write_json(rows, tmp_path / "out.json")
    again = parse_json(tmp_path / "out.json")
    assert again.errors == []
    assert again.rows == rows
    team = next(row for row in again.rows if row.name.startswith("TEAM²"))
    assert "\u00a0" in team.name
    assert "\u2019" in team.name


def test_csv_level_is_case_insensitive_and_country_defaults(tmp_path: Path) -> None:
    text = "name,portfolio,website,label_level,valid_until\nFoo,ict,,gold,2016-04-29\n"
    [row] = parse_csv(write(tmp_path, text), country="BE").rows
    assert (row.portfolio, row.level, row.country) == ("ICT", "GOLD", "BE")
    assert row.valid_until == date(2016, 4, 29)


@pytest.mark.parametrize(
    ("cells", "field", "reason"),
    [
        pytest.param("Foo,Energie,,BRONZE,2016-01-01,FR", "portfolio", "known: 'Aviation", id="pf"),
        pytest.param("Foo,ICT,,PLATINUM,2016-01-01,FR", "label_level", "unknown level", id="lvl"),
        pytest.param("Foo,ICT,,BRONZE,2016/01/01,FR", "valid_until", "YYYY-MM-DD", id="slash"),
        pytest.param("Foo,ICT,,BRONZE,2016-02-30,FR", "valid_until", "calendar", id="feb-30"),
        pytest.param("Foo,ICT,,BRONZE,2016-01-01,fr", "country", "use upper case", id="lower"),
        pytest.param("Foo,ICT,,BRONZE,2016-01-01,XX", "country", "ISO 3166", id="unknown"),
        pytest.param("Foo,ICT,,BRONZE,2016-01-01,", "country", "--country", id="no-country"),
        pytest.param(",ICT,,BRONZE,2016-01-01,FR", "name", "missing", id="empty-name"),
        pytest.param("Foo,ICT,,BRONZE,2016-01-01,FR,x", "row", "more cells", id="extra-cell"),
        pytest.param("Foo,ICT,,BRONZE,0001-01-01,FR", "valid_until", "plausible", id="year-1"),
        pytest.param("Foo,ICT,,BRONZE,1989-12-31,FR", "valid_until", "plausible", id="1989"),
        pytest.param("Foo,ICT,,BRONZE,9999-12-31,FR", "valid_until", "plausible", id="9999"),
        pytest.param("=1+1,ICT,,BRONZE,2016-01-01,FR", "name", "formula", id="formula-equals"),
        pytest.param("+1,ICT,,BRONZE,2016-01-01,FR", "name", "formula", id="formula-plus"),
        pytest.param("-1,ICT,,BRONZE,2016-01-01,FR", "name", "formula", id="formula-minus"),
        pytest.param("@A1,ICT,,BRONZE,2016-01-01,FR", "name", "formula", id="formula-at"),
        pytest.param("Foo\x0bBar,ICT,,BRONZE,2016-01-01,FR", "name", "U+000B", id="vtab"),
        pytest.param("Foo\x00,ICT,,BRONZE,2016-01-01,FR", "name", "U+0000", id="nul"),
        pytest.param("Foo 2016-01-01,ICT,,BRONZE,2016-01-01,FR", "name", "two rows", id="date"),
        pytest.param("n" * 301 + ",ICT,,BRONZE,2016-01-01,FR", "name", "300", id="long-name"),
        pytest.param(
            "Foo,ICT,javascript:alert(1),BRONZE,2016-01-01,FR", "website", "http", id="js"
        ),
        pytest.param("Foo,ICT,ftp://f.fr,BRONZE,2016-01-01,FR", "website", "http", id="ftp"),
        pytest.param(
            "Foo,ICT,https://" + "f" * 2038 + ".fr,BRONZE,2016-01-01,FR",
            "website",
            "longer than 2048",
            id="long-website",
        ),
    ],
)
def test_csv_bad_rows_rejected(tmp_path: Path, cells: str, field: str, reason: str) -> None:
    parsed = parse_csv(write(tmp_path, CSV_HEADER + "Good,ICT,,BRONZE,2016-01-01,FR\n" + cells))
    assert [row.name for row in parsed.rows] == ["Good"]
    [error] = parsed.errors
    assert (error.file, error.line, error.field) == ("listing.csv", 3, field)
    assert reason in error.reason


def test_csv_values_at_their_limits_pass(tmp_path: Path) -> None:
    website = "https://" + "f" * 2037 + ".fr"
    text = CSV_HEADER + f"{'n' * 300},ICT,{website},BRONZE,1990-01-01,FR\n"
    parsed = parse_csv(write(tmp_path, text))
    assert parsed.errors == []
    [row] = parsed.rows
    assert (len(row.name), len(row.website or "")) == (300, 2048)


def test_csv_cell_over_the_csv_field_limit_is_an_input_error(tmp_path: Path) -> None:
    limit = csv.field_size_limit()
    at_limit = CSV_HEADER + "n" * limit + ",ICT,,BRONZE,2016-01-01,FR\n"
    [error] = parse_csv(write(tmp_path, at_limit)).errors
    assert (error.line, error.field) == (2, "name")
    assert f"({limit} characters)" in str(error)
    assert len(str(error)) < 200
    over = CSV_HEADER + "Good,ICT,,BRONZE,2016-01-01,FR\n" + "n" * (limit + 1) + ",ICT\n"
    with pytest.raises(InputError, match=r"^listing\.csv:3: not valid CSV: a field runs past"):
        parse_csv(write(tmp_path, over))


def test_a_huge_bad_value_is_shortened_in_the_message(tmp_path: Path) -> None:
    text = CSV_HEADER + "Foo," + "P" * 100_000 + ",,BRONZE,2016-01-01,FR\n"
    [error] = parse_csv(write(tmp_path, text)).errors
    assert error.field == "portfolio"
    assert error.value.endswith("… (100000 characters)")
    assert len(error.value) < 120


def test_csv_unknown_and_missing_columns_are_named(tmp_path: Path) -> None:
    path = write(
        tmp_path, "name,portfolio,www,label_level,valid_until\nFoo,ICT,,BRONZE,2016-01-01\n"
    )
    with pytest.raises(InputError) as caught:
        parse_csv(path)
    assert "unknown column(s) www" in str(caught.value)
    assert "missing column(s) website" in str(caught.value)


def test_a_repeated_csv_column_is_refused(tmp_path: Path) -> None:
    path = write(
        tmp_path, CSV_HEADER.replace("name,", "name,name,", 1) + "A,B,ICT,,BRONZE,2016-01-01,FR\n"
    )
    with pytest.raises(InputError) as caught:
        parse_csv(path)
    assert "repeated column(s) name" in str(caught.value)


def test_csv_website_warning_is_kept(tmp_path: Path) -> None:
    text = CSV_HEADER + "Foo,ICT,http://www.foo.fe,BRONZE,2016-01-01,FR\n"
    [row] = parse_csv(write(tmp_path, text)).rows
    assert row.website == "http://www.foo.fe"
    assert [w.line for w in row.warnings] == [2]


def test_json_errors_name_the_object_line(tmp_path: Path) -> None:
    text = (
        '{"clusters": [\n'
        '  {"name": "A", "portfolio": "ICT", "website": null, "labelLevel": "BRONZE",\n'
        '   "validUntil": "2016-04-29", "country": "FR"},\n'
        '  {"name": "B", "portfolio": "ICT", "labelLevel": "BRONZE", "validUntil": "2016-04-29",\n'
        '   "country": "FR", "colour": "red"},\n'
        '  {"name": "C", "portfolio": "ICT", "labelLevel": "BRONZE", "validUntil": 2016}\n'
        "]}\n"
    )
    parsed = parse_json(write(tmp_path, text, "l.json"), country="DE")
    assert [row.name for row in parsed.rows] == ["A"]
    assert [(e.line, e.field) for e in parsed.errors] == [(4, "colour"), (6, "validUntil")]


@pytest.mark.parametrize(
    ("cluster", "field", "reason"),
    [
        pytest.param('"name": "A", "name": "B"', "name", "given twice", id="repeated-key"),
        pytest.param('"name": NaN', "name", "expected a string", id="nan"),
        pytest.param('"name": "A\\ud800"', "name", "U+D800", id="lone-surrogate"),
        pytest.param('"name": "A\\u202eB"', "name", "U+202E", id="bidi"),
        pytest.param('"name": "=A"', "name", "formula", id="formula"),
        pytest.param('"name": "A", "website": "javascript:x"', "website", "http", id="js"),
    ],
)
def test_json_bad_clusters_rejected(tmp_path: Path, cluster: str, field: str, reason: str) -> None:
    rest = '"portfolio": "ICT", "labelLevel": "BRONZE", "validUntil": "2016-04-29"'
    text = (
        '{"clusters": [\n  {"name": "Good", ' + rest + "},\n  {" + cluster + ", " + rest + "}\n]}"
    )
    parsed = parse_json(write(tmp_path, text, "l.json"), country="FR")
    assert [row.name for row in parsed.rows] == ["Good"]
    [error] = parsed.errors
    assert (error.line, error.field) == (3, field)
    assert reason in error.reason


def test_json_syntax_error_is_an_input_error_with_line(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"^l\.json:2: not valid JSON"):
        parse_json(write(tmp_path, '{"clusters": [\n  {"name": }\n]}', "l.json"))
