"""The raw ESCA listing parser, over the shipped file and tiny malformed inputs."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from schema.rules.text import slugify
from seed.errors import InputError
from seed.listing import parse_listing
from seed.rows import ListingRow
from seed.shipped import SHIPPED_LISTING

HEADER = "Some prose.\n\nName Comparative portfolio www Label valid until\n"


def shipped() -> dict[str, ListingRow]:
    parsed = parse_listing(SHIPPED_LISTING)
    assert parsed.errors == []
    return {row.name: row for row in parsed.rows}


def write(tmp_path: Path, text: str | bytes, name: str = "listing.txt") -> Path:
    path = tmp_path / name
    if isinstance(text, str):
        path.write_text(text, encoding="utf-8", newline="")
    else:
        path.write_bytes(text)
    return path


def test_shipped_listing_has_88_rows_in_14_portfolios() -> None:
    rows = parse_listing(SHIPPED_LISTING).rows
    assert len(rows) == 88
    assert len({row.portfolio for row in rows}) == 14
    assert min(row.valid_until for row in rows) == date(2013, 10, 10)
    assert max(row.valid_until for row in rows) == date(2018, 9, 7)
    assert {row.level for row in rows} == {"BRONZE"}
    assert {row.country for row in rows} == {"FR"}
    assert sum(1 for row in rows if row.website) == 2


@pytest.mark.parametrize(
    ("name", "portfolio", "valid_until"),
    [
        pytest.param(
            "Lyon Urban Truck & Bus 2015",
            "Transportation and mobility",
            date(2014, 3, 2),
            id="digits-in-name",
        ),
        pytest.param(
            "ALPhA - Route des lasers",
            "Micro, nano and optical technologies",
            date(2014, 2, 14),
            id="comma-portfolio-micro",
        ),
        pytest.param(
            "Pôle EAU", "Maritime technologies, water resources", date(2014, 3, 1), id="comma-eau"
        ),
        pytest.param("Nov@log", "Production and engineering", date(2014, 3, 20), id="at-sign"),
        pytest.param(
            "Flière Équine (HIPPOLIA)",
            "Sports, Leisure and Tourism",
            date(2014, 2, 8),
            id="source-typo-kept",
        ),
        pytest.param(
            "TEAM²\u00a0(Technologies de l\u2019Environnement Appliquées au Matières et aux "
            "Matériaux)",
            "Energy and environment",
            date(2014, 3, 12),
            id="no-break-space-and-apostrophe",
        ),
    ],
)
def test_tricky_rows_split_exactly(name: str, portfolio: str, valid_until: date) -> None:
    row = shipped()[name]
    assert (row.portfolio, row.valid_until, row.website) == (portfolio, valid_until, None)


@pytest.mark.parametrize(
    ("name", "website", "tld"),
    [
        pytest.param(
            "Pôle Nucléaire Bourgogne",
            "http://www.polenucleairebourgogne.fe",
            "'fe'",
            id="unknown-tld",
        ),
        pytest.param(
            "Pôle Images et Réseaux", "http://www.images-et-ré", "'images-et-ré'", id="non-ascii"
        ),
    ],
)
def test_truncated_websites_kept_verbatim_and_warned(name: str, website: str, tld: str) -> None:
    row = shipped()[name]
    assert row.website == website
    assert len(row.warnings) == 1
    assert row.warnings[0].field == "website"
    assert tld in row.warnings[0].message
    assert "probably truncated" in row.warnings[0].message


def test_images_et_reseaux_is_ict() -> None:
    assert shipped()["Pôle Images et Réseaux"].portfolio == "ICT"


def test_slugs_are_unique_ascii_over_the_listing() -> None:
    slugs = [slugify(name) for name in shipped()]
    assert len(set(slugs)) == 88
    assert all(slug.isascii() and slug == slug.lower() and " " not in slug for slug in slugs)
    assert slugify("Pôle EMC²") == "pole-emc2"
    assert "pole-emc2" in slugs


def test_country_option_applies_to_every_row(tmp_path: Path) -> None:
    path = write(tmp_path, HEADER + "Foo ICT 2014/03/01")
    assert parse_listing(path, country="BE").rows[0].country == "BE"


def test_bom_crlf_trailing_spaces_and_blank_lines_give_identical_rows(tmp_path: Path) -> None:
    plain = HEADER + "Foo Bar ICT 2014/03/01\nBaz Construction www.baz.fr 2015/01/02"
    messy = "\ufeff" + plain.replace("\n", "\r\n").replace("2014/03/01", "2014/03/01   \r\n\r\n")
    clean_rows = parse_listing(write(tmp_path, plain, "a.txt")).rows
    messy_rows = parse_listing(write(tmp_path, messy, "b.txt")).rows
    assert len(clean_rows) == 2
    assert messy_rows == clean_rows
    assert clean_rows[1].website == "www.baz.fr"
    assert clean_rows[1].warnings == ()


def test_runs_of_blanks_between_columns_are_tolerated(tmp_path: Path) -> None:
    plain = HEADER + "Foo Bar ICT 2014/03/01\nBaz Construction www.baz.fr 2015/01/02"
    spaced = HEADER + "  Foo Bar  ICT\t2014/03/01\n\tBaz   Construction  www.baz.fr 2015/01/02"
    assert (
        parse_listing(write(tmp_path, spaced, "b.txt")).rows
        == parse_listing(write(tmp_path, plain, "a.txt")).rows
    )


def test_a_no_break_space_is_part_of_the_name_not_a_separator(tmp_path: Path) -> None:
    [row] = parse_listing(
        write(tmp_path, HEADER + "TEAM²\u00a0(X) Energy and environment 2014/03/12")
    ).rows
    assert row.name == "TEAM²\u00a0(X)"


@pytest.mark.parametrize(
    ("row", "field", "reason"),
    [
        pytest.param("Foo Energie 2014/03/01", "portfolio", "known: 'Aviation and space", id="pf"),
        pytest.param("Foo ICT 2014/02/30", "valid_until", "not a calendar date", id="feb-30"),
        pytest.param("Foo ICT", "valid_until", "YYYY/MM/DD", id="missing-date"),
        pytest.param("ICT 2014/02/03", "name", "empty name", id="portfolio-only"),
        pytest.param(" ICT 2014/02/03", "name", "empty name", id="empty-name"),
        pytest.param(
            "Foo ICT 2014/02/03 Bar Energy and environment 2015/01/02",
            "row",
            "holds 2 dates: looks like two rows run together",
            id="two-rows",
        ),
        pytest.param("Foo 2014-02-03 Bar ICT 2015/01/02", "name", "two rows", id="name-date"),
        pytest.param("=cmd|' /C calc'!A0 ICT 2015/01/02", "name", "formula", id="formula"),
        pytest.param("@SUM(1) ICT 2015/01/02", "name", "formula", id="at"),
        pytest.param("Foo\x1bBar ICT 2015/01/02", "name", "U+001B", id="escape"),
        pytest.param("n" * 301 + " ICT 2015/01/02", "name", "longer than 300", id="long-name"),
        pytest.param("Foo ICT 1989/12/31", "valid_until", "plausible range", id="before-1990"),
        pytest.param("Foo ICT 0001/01/01", "valid_until", "plausible range", id="year-1"),
        pytest.param("Foo ICT 9999/12/31", "valid_until", "plausible range", id="year-9999"),
        pytest.param(
            "Foo ICT www.foo.fr/\x7f 2015/01/02", "website", "U+007F", id="website-control"
        ),
    ],
)
def test_malformed_rows_are_rejected_with_line(
    tmp_path: Path, row: str, field: str, reason: str
) -> None:
    path = write(tmp_path, HEADER + "Good ICT 2014/01/01\n" + row + "\n")
    parsed = parse_listing(path)
    assert [r.name for r in parsed.rows] == ["Good"]
    [error] = parsed.errors
    assert (error.file, error.line, error.field) == ("listing.txt", 5, field)
    assert reason in error.reason
    assert str(error).startswith(f"listing.txt:5: {field} ")


def test_limits_of_names_and_dates_pass(tmp_path: Path) -> None:
    rows = ["n" * 300 + " ICT 1990/01/01", "Bus 2015 ICT 2015/01/02"]
    parsed = parse_listing(write(tmp_path, HEADER + "\n".join(rows)))
    assert parsed.errors == []
    assert [len(row.name) for row in parsed.rows] == [300, 8]


def test_unknown_portfolio_message_lists_the_known_ones(tmp_path: Path) -> None:
    path = write(tmp_path, HEADER + "Foo Energie 2014/03/01")
    [error] = parse_listing(path).errors
    assert "Transportation and mobility" in str(error)
    assert "'Foo Energie'" in str(error)


def test_missing_header_is_an_input_error(tmp_path: Path) -> None:
    path = write(tmp_path, "Name Portfolio Until\nFoo ICT 2014/03/01\n")
    with pytest.raises(InputError, match=r"^listing\.txt: no table header"):
        parse_listing(path)


def test_invalid_utf8_names_the_line(tmp_path: Path) -> None:
    data = (HEADER + "Foo ICT 2014/03/01\n").encode() + b"Caf\xe9 ICT 2014/03/01\n"
    with pytest.raises(InputError) as caught:
        parse_listing(write(tmp_path, data))
    assert (caught.value.file, caught.value.line) == ("listing.txt", 5)
    assert "0xe9" in str(caught.value)


def test_unreadable_file_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot read"):
        parse_listing(tmp_path / "absent.txt")
