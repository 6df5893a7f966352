"""`ecei seed`: parse and validate every input, then load it (or, with --dry-run, report
what would be loaded).

Takes a `SeedOptions` and returns an `ExitCode` (`seed.exit_codes`): 3
(DATABASE_UNAVAILABLE) also when other loads kept changing the same documents (run it
again). The report goes to stdout, errors and the progress bar to stderr.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TextIO

from bson.errors import InvalidDocument
from pymongo.errors import PyMongoError

from schema.store.documents import Database
from seed.catalogue import load_catalogue
from seed.errors import InputError, LoadConflict, RowError, ValidationFailed
from seed.exit_codes import ExitCode
from seed.interviews import InterviewInput, parse_interviews
from seed.listing import parse_listing
from seed.loader import LoadInput, Progress, load
from seed.options import ReportForm, SeedOptions
from seed.report import LoadReport
from seed.rows import Parsed, check_country
from seed.shipped import CATALOGUE_PATH, SHIPPED_COUNTRY, SHIPPED_LISTING
from seed.tabular import parse_csv, parse_json
from seed.vocabulary import load_portfolios

__all__ = ["PROGRESS_MIN_ROWS", "load_listing", "parse_inputs", "run_seed"]

# Inputs with fewer rows load too fast for a progress bar to be useful.
PROGRESS_MIN_ROWS = 500


async def run_seed(options: SeedOptions, db: Database | None) -> ExitCode:
    """Run `ecei seed` with `options`; `db` is None for a dry run."""
    try:
        data = parse_inputs(
            files=list(options.files),
            interviews=list(options.interviews),
            country=options.country,
            sample_interviews=options.sample_interviews,
        )
    except InputError as exc:
        print(f"ecei seed: {exc}", file=sys.stderr)
        return ExitCode.BAD_INPUT
    show_progress = (
        db is not None
        and not options.no_progress
        and sys.stderr.isatty()
        and len(data.rows) + len(data.interviews) > PROGRESS_MIN_ROWS
    )
    progress: Progress | None = _progress_bar(sys.stderr) if show_progress else None
    try:
        report = await load(db, data, skip_invalid=options.skip_invalid, progress=progress)
    except ValidationFailed as exc:
        _print_errors(exc.errors)
        print(
            f"ecei seed: {len(exc.errors)} row(s) rejected, nothing written "
            "(--skip-invalid writes the valid rows)",
            file=sys.stderr,
        )
        _print_report(LoadReport(dry_run=db is None, rejected=exc.errors), options.report)
        return ExitCode.BAD_INPUT
    except LoadConflict as exc:
        if progress is not None:
            print(file=sys.stderr)
        print(f"ecei seed: {exc}", file=sys.stderr)
        return ExitCode.DATABASE_UNAVAILABLE
    except InvalidDocument as exc:
        # Every document is bounded by the input rules; this is the last line behind them.
        if progress is not None:
            print(file=sys.stderr)
        print(f"ecei seed: the database refused a document: {exc}", file=sys.stderr)
        return ExitCode.DATABASE_UNAVAILABLE
    except PyMongoError as exc:
        if progress is not None:
            print(file=sys.stderr)
        # The exception text can name hosts; the connection string is never shown.
        print(
            f"ecei seed: the database could not be reached or refused a write "
            f"({type(exc).__name__}); run the same command again to complete the load",
            file=sys.stderr,
        )
        return ExitCode.DATABASE_UNAVAILABLE
    if progress is not None:
        print(file=sys.stderr)
    _print_errors(report.rejected)
    _print_report(report, options.report)
    return ExitCode.ROWS_SKIPPED if report.rejected else ExitCode.OK


async def load_listing(db: Database, path: Path) -> LoadReport:
    """Load the listing file `path` with the catalogue and sample interviews into `db`: the
    embedded store's seed when `ECEI_EMBEDDED_LISTING` is set. Raises `InputError` or
    `ValidationFailed` (nothing written) when the file is unusable or has a bad row."""
    data = parse_inputs(files=[path], interviews=[], country=None, sample_interviews=True)
    return await load(db, data, bulk=True)  # the embedded store is private to this process


def parse_inputs(
    *,
    files: list[Path],
    interviews: list[Path],
    country: str | None,
    sample_interviews: bool,
) -> LoadInput:
    """Parse every input file into one `LoadInput`; raises `InputError` on unusable files."""
    if country is not None:
        try:
            check_country(country, "--country", 0)
        except RowError as error:
            raise InputError("--country", None, f"{error.value!r}: {error.reason}") from None
    portfolios = load_portfolios()
    catalogue, errors = load_catalogue(CATALOGUE_PATH, portfolios=portfolios)
    rows = []
    for path in files or [SHIPPED_LISTING]:
        parsed = _parse(path, country)
        rows.extend(parsed.rows)
        errors.extend(parsed.errors)
    records: list[InterviewInput] = []
    for path in interviews:
        found, rejected = parse_interviews(path, catalogue)
        records.extend(found)
        errors.extend(rejected)
    return LoadInput(
        rows=rows,
        catalogue=catalogue,
        interviews=records,
        errors=errors,
        sample_interviews=sample_interviews,
        portfolios=portfolios,
    )


def _parse(path: Path, country: str | None) -> Parsed:
    suffix = path.suffix.lower()
    if suffix == ".txt":
        return parse_listing(path, country=country or SHIPPED_COUNTRY)
    if suffix == ".csv":
        return parse_csv(path, country=country)
    if suffix == ".json":
        return parse_json(path, country=country)
    raise InputError(path.name, None, "unknown format: expected a .txt, .csv or .json file")


def _print_errors(errors: list[RowError]) -> None:
    for error in errors:
        print(f"rejected: {error}", file=sys.stderr)


def _print_report(report: LoadReport, form: ReportForm) -> None:
    if form == "json":
        print(json.dumps(report.to_json(), ensure_ascii=False, indent=2))
    else:
        print(report.to_text())


def _progress_bar(stream: TextIO, width: int = 30) -> Progress:
    def draw(done: int, total: int) -> None:
        filled = width * done // total if total else width
        stream.write(f"\r[{'#' * filled}{' ' * (width - filled)}] {done}/{total}")
        stream.flush()

    return draw
