"""CSV and JSON listing formats, for listings the raw page does not cover (other countries,
later years, SILVER and GOLD labels), and their writers for export and round trips.

CSV: a header `name,portfolio,website,label_level,valid_until,country` (`country` optional;
columns in any order), UTF-8, `valid_until` as `YYYY-MM-DD`, an empty `website` for none.

JSON: `{"clusters": [{"name": ..., "portfolio": ..., "website": null, "labelLevel":
"BRONZE", "validUntil": "2016-04-29", "country": "FR"}]}` (`country` optional).

A row without a country takes the caller's default; without either it is rejected.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from seed.errors import InputError, RowError, file_name
from seed.rows import (
    ListingRow,
    Parsed,
    check_country,
    check_date,
    check_level,
    check_name,
    check_portfolio,
    check_website,
    parse_iso_date,
    website_warnings,
)
from seed.source import json_items, read_lines
from seed.vocabulary import Portfolios, load_portfolios

__all__ = [
    "CSV_COLUMNS",
    "JSON_FIELDS",
    "csv_text",
    "json_text",
    "parse_csv",
    "parse_json",
    "write_csv",
    "write_json",
]

CSV_COLUMNS = ("name", "portfolio", "website", "label_level", "valid_until", "country")
_CSV_REQUIRED = frozenset(CSV_COLUMNS) - {"country"}
# JSON key -> the CSV column it stands for (error messages use the JSON key).
JSON_FIELDS = {
    "name": "name",
    "portfolio": "portfolio",
    "website": "website",
    "labelLevel": "label_level",
    "validUntil": "valid_until",
    "country": "country",
}


def parse_csv(
    path: Path, *, country: str | None = None, portfolios: Portfolios | None = None
) -> Parsed:
    """Rows of the CSV listing at `path`, read one record at a time.

    Raises `InputError` when the file cannot be read, decoded or parsed as CSV (a cell over
    the `csv` module's field limit included), or its header is wrong.
    """
    name = file_name(path)
    lines = (text for _, text in read_lines(path, keep_ends=True))
    # Cells beyond the header land under the key "" and reject their row.
    reader = csv.DictReader(lines, restkey="")
    try:
        fieldnames = reader.fieldnames
    except csv.Error as exc:
        raise InputError(name, reader.reader.line_num, _csv_error(exc)) from None
    header = [column.strip() for column in fieldnames or []]
    unknown = [column for column in header if column not in CSV_COLUMNS]
    missing = sorted(_CSV_REQUIRED - set(header))
    repeated = sorted({column for column in header if header.count(column) > 1})
    if unknown or missing or repeated:
        problems = []
        if unknown:
            problems.append(f"unknown column(s) {', '.join(unknown)}")
        if missing:
            problems.append(f"missing column(s) {', '.join(missing)}")
        if repeated:  # which of the two would hold the value? (as for duplicate JSON keys)
            problems.append(f"repeated column(s) {', '.join(repeated)}")
        raise InputError(
            name, 1, f"{'; '.join(problems)}; expected the columns {','.join(CSV_COLUMNS)}"
        )
    reader.fieldnames = header

    def records() -> Iterator[tuple[int, Mapping[str, Any]]]:
        while True:
            try:
                record = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                # The DictReader's own count is set after a record only.
                raise InputError(name, reader.reader.line_num, _csv_error(exc)) from None
            if all(not (value or "").strip() for value in record.values()):
                continue
            yield reader.line_num, record

    return _rows(records(), name, country, portfolios, lambda key: key)


def parse_json(
    path: Path, *, country: str | None = None, portfolios: Portfolios | None = None
) -> Parsed:
    name = file_name(path)
    _, items, rejected = json_items(path, "clusters")
    records: list[tuple[int, Mapping[str, Any]]] = []
    parsed = Parsed(errors=rejected)
    for line, item in items:
        if not isinstance(item, dict):
            parsed.errors.append(RowError(name, line, "cluster", str(item), "not an object"))
            continue
        extra = [key for key in item if key not in JSON_FIELDS]
        if extra:
            parsed.errors.append(
                RowError(
                    name,
                    line,
                    extra[0],
                    str(item[extra[0]]),
                    f"unknown field; known: {', '.join(JSON_FIELDS)}",
                )
            )
            continue
        records.append((line, {JSON_FIELDS[key]: value for key, value in item.items()}))
    by_column = {column: key for key, column in JSON_FIELDS.items()}
    result = _rows(records, name, country, portfolios, lambda column: by_column[column])
    parsed.rows, parsed.errors = result.rows, parsed.errors + result.errors
    parsed.errors.sort(key=lambda error: error.line)
    return parsed


def _rows(
    records: Iterable[tuple[int, Mapping[str, Any]]],
    file: str,
    country: str | None,
    portfolios: Portfolios | None,
    label: Callable[[str], str],
) -> Parsed:
    vocabulary = portfolios or load_portfolios()
    parsed = Parsed()
    for line, record in records:
        try:
            parsed.rows.append(_row(record, file, line, country, vocabulary, label))
        except RowError as error:
            parsed.errors.append(error)
    return parsed


def _row(
    record: Mapping[str, Any],
    file: str,
    line: int,
    default_country: str | None,
    portfolios: Portfolios,
    label: Callable[[str], str],
) -> ListingRow:
    if "" in record:
        raise RowError(file, line, "row", ",".join(record[""]), "more cells than columns")

    def text(column: str, *, required: bool = True) -> str:
        value = record.get(column)
        if value is None:
            value = ""
        if not isinstance(value, str):
            raise RowError(file, line, label(column), json.dumps(value), "expected a string")
        if required and not value.strip():
            raise RowError(file, line, label(column), value, "missing")
        return value

    name = check_name(text("name"), file, line, label("name"))
    portfolio = check_portfolio(portfolios, text("portfolio").strip(), file, line)
    website = text("website", required=False).strip() or None
    if website is not None:
        check_website(website, file, line, label("website"))
    level = check_level(text("label_level"), file, line)
    raw_date = text("valid_until").strip()
    valid_until = parse_iso_date(raw_date)
    if valid_until is None:
        raise RowError(file, line, label("valid_until"), raw_date, "not a YYYY-MM-DD calendar date")
    check_date(valid_until, file, line, label("valid_until"), raw_date)
    country = text("country", required=False).strip() or default_country
    if country is None:
        raise RowError(
            file, line, label("country"), "", "missing; give a country column or --country"
        )
    check_country(country, file, line, label("country"))
    return ListingRow(
        name=name,
        portfolio=portfolio,
        website=website,
        level=level,
        valid_until=valid_until,
        country=country,
        file=file,
        line=line,
        warnings=website_warnings(website, file, line) if website else (),
    )


def csv_text(rows: Iterable[ListingRow]) -> str:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        writer.writerow(
            [
                row.name,
                row.portfolio,
                row.website or "",
                row.level,
                row.valid_until.isoformat(),
                row.country,
            ]
        )
    return buffer.getvalue()


def json_text(rows: Iterable[ListingRow]) -> str:
    clusters = [
        {
            "name": row.name,
            "portfolio": row.portfolio,
            "website": row.website,
            "labelLevel": row.level,
            "validUntil": row.valid_until.isoformat(),
            "country": row.country,
        }
        for row in rows
    ]
    return json.dumps({"clusters": clusters}, ensure_ascii=False, indent=2) + "\n"


def write_csv(rows: Iterable[ListingRow], path: Path) -> None:
    path.write_text(csv_text(rows), encoding="utf-8", newline="")


def write_json(rows: Iterable[ListingRow], path: Path) -> None:
    path.write_text(json_text(rows), encoding="utf-8")


def _csv_error(exc: csv.Error) -> str:
    """The `csv` module's error, said for the person fixing the file."""
    if "field larger than field limit" in str(exc):
        return (
            f"not valid CSV: a field runs past {csv.field_size_limit():,} characters (a quote "
            "opened and never closed, or a value far longer than any field allows)"
        )
    return f"not valid CSV: {exc}"
