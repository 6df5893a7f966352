"""`ecei seed`: reports, dry runs and exit codes, through `api.cli.main` and `run_seed`."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path
from typing import Any

import pytest
from motor.motor_asyncio import AsyncIOMotorClient

from schema.store.documents import CLUSTERS, INDICATORS, INTERVIEWS, LABELS, PORTFOLIOS, Database
from seed.command import PROGRESS_MIN_ROWS, run_seed
from seed.options import SeedOptions

COLLECTIONS = (PORTFOLIOS, INDICATORS, CLUSTERS, LABELS, INTERVIEWS)
CSV_HEADER = "name,portfolio,website,label_level,valid_until,country\n"


def args(*files: Path, **options: Any) -> SeedOptions:
    defaults: dict[str, Any] = {"files": files, "report": "json", "no_progress": True}
    return SeedOptions(**(defaults | options))


def bad_csv(tmp_path: Path) -> Path:
    path = tmp_path / "listing.csv"
    path.write_text(
        CSV_HEADER + "Good,ICT,,BRONZE,2016-01-01,FR\nBad,Energie,,BRONZE,2016-01-01,FR\n",
        encoding="utf-8",
    )
    return path


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.delenv("MONGODB_URI", raising=False)
    from api.cli import main

    return main


@pytest.mark.parametrize(
    ("extra", "interviews"),
    [
        pytest.param([], 0, id="listing-only"),
        pytest.param(["--sample-interviews"], 88, id="with-samples"),
    ],
)
def test_dry_run_json_report_of_the_shipped_listing(
    cli: Any, capsys: pytest.CaptureFixture[str], extra: list[str], interviews: int
) -> None:
    assert cli(["seed", "--dry-run", "--report", "json", *extra]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["dryRun"] is True
    assert report["writes"] is None  # no database was read: nothing to say about writes
    assert report["counts"] == {
        "portfolios": 14,
        "indicators": 36,
        "clusters": 88,
        "labels": 88,
        "interviews": interviews,
    }
    assert [w["value"] for w in report["warnings"]] == [
        "http://www.images-et-ré",
        "http://www.polenucleairebourgogne.fe",
    ]
    assert report["rejected"] == []


def test_dry_run_text_report(cli: Any, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli(["seed", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("dry run, nothing written: 88 clusters, 88 labels, 14 portfolios")


def test_dry_run_of_a_bad_file_exits_2(
    cli: Any, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    assert cli(["seed", "--dry-run", str(bad_csv(tmp_path))]) == 2
    err = capsys.readouterr().err
    assert "rejected: listing.csv:3: portfolio 'Energie': unknown portfolio" in err
    assert str(tmp_path) not in err


def test_unreadable_file_exits_2(
    cli: Any, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    assert cli(["seed", "--dry-run", str(tmp_path / "absent.csv")]) == 2
    assert capsys.readouterr().err.startswith("ecei seed: absent.csv: cannot read the file")


def test_bad_country_option_exits_2(cli: Any, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli(["seed", "--dry-run", "--country", "fr"]) == 2
    assert "--country: 'fr'" in capsys.readouterr().err


def test_seed_without_mongodb_uri_exits_2(cli: Any, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli(["seed"]) == 2
    assert "MONGODB_URI is not set" in capsys.readouterr().err


@pytest.mark.anyio
async def test_bad_file_writes_nothing(db: Database, tmp_path: Path) -> None:
    assert await run_seed(args(bad_csv(tmp_path)), db) == 2
    for name in COLLECTIONS:
        assert await db[name].count_documents({}) == 0, name


@pytest.mark.anyio
async def test_skip_invalid_writes_valid_rows_and_exits_1(
    db: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert await run_seed(args(bad_csv(tmp_path), skip_invalid=True), db) == 1
    report = json.loads(capsys.readouterr().out)
    assert [(r["line"], r["field"], r["value"]) for r in report["rejected"]] == [
        (3, "portfolio", "Energie")
    ]
    assert report["writes"]["clusters"]["inserted"] == 1
    assert await db[CLUSTERS].distinct("_id") == ["good"]


@pytest.mark.anyio
async def test_write_path_loads_and_is_idempotent(
    db: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    assert await run_seed(args(sample_interviews=True), db) == 0
    first = json.loads(capsys.readouterr().out)
    assert first["writes"]["clusters"]["inserted"] == 88
    assert await run_seed(args(sample_interviews=True), db) == 0
    second = json.loads(capsys.readouterr().out)
    assert all(w["inserted"] == 0 and w["updated"] == 0 for w in second["writes"].values())
    assert await db[INTERVIEWS].count_documents({"isSample": True}) == 88


@pytest.mark.anyio
async def test_examples_load_together(db: Database, capsys: pytest.CaptureFixture[str]) -> None:
    examples = Path(__file__).resolve().parent.parent / "seed" / "data" / "examples"
    options = args(
        examples / "listing-example.csv",
        examples / "listing-example.json",
        interviews=(examples / "interviews-example.json",),
    )
    assert await run_seed(options, db) == 0
    report = json.loads(capsys.readouterr().out)
    assert (report["counts"]["clusters"], report["counts"]["interviews"]) == (7, 2)
    assert await db[CLUSTERS].count_documents({"country": {"$ne": "FR"}}) == 5


@pytest.mark.anyio
async def test_unreachable_database_exits_3_without_the_uri(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    uri = "mongodb://seeduser:secret@127.0.0.1:1/?serverSelectionTimeoutMS=200"
    client: AsyncIOMotorClient[dict[str, Any]] = AsyncIOMotorClient(uri, tz_aware=False)
    try:
        assert await run_seed(args(), client["ecei"]) == 3
    finally:
        client.close()
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "could not be reached" in err
    assert "secret" not in err
    assert "Traceback" not in err


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("rows", "no_progress", "drawn"),
    [
        pytest.param(PROGRESS_MIN_ROWS + 1, False, True, id="large"),
        pytest.param(PROGRESS_MIN_ROWS, False, False, id="small"),
        pytest.param(PROGRESS_MIN_ROWS + 1, True, False, id="no-progress"),
    ],
)
async def test_progress_bar_on_large_inputs_at_a_terminal(
    db: Database,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    rows: int,
    no_progress: bool,
    drawn: bool,
) -> None:
    path = tmp_path / "large.csv"
    lines = [f"Cluster {n},ICT,,BRONZE,2016-01-01,DE" for n in range(rows)]
    path.write_text(CSV_HEADER + "\n".join(lines) + "\n", encoding="utf-8")
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    assert await run_seed(args(path, no_progress=no_progress), db) == 0
    bar = terminal.getvalue()
    assert ("\r[" in bar) is drawn
    if drawn:
        # Every document written is counted, the 14 portfolios and 36 indicators included.
        total = rows * 2 + 14 + 36
        assert bar.rstrip().endswith(f"] {total}/{total}")


INTERVIEWS_HEAD = '{"catalogueVersion": "bronze-36-2010", "interviews": [\n'
GOOD_ROW = "Good,ICT,,BRONZE,2016-01-01,FR\n"


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("name", "text", "interviews", "message"),
    [
        pytest.param(
            "l.csv",
            CSV_HEADER + GOOD_ROW + "n" * 200_000 + ",ICT,,BRONZE,2016-01-01,FR\n",
            "",
            "ecei seed: l.csv:3: not valid CSV: a field runs past 131,072 characters (a quote "
            "opened and never closed, or a value far longer than any field allows)",
            id="csv-field-over-128k",
        ),
        pytest.param(
            "l.csv",
            CSV_HEADER + GOOD_ROW + "Old,ICT,,BRONZE,0001-01-01,FR\n",
            "",
            "rejected: l.csv:3: valid_until '0001-01-01': outside the plausible range",
            id="year-1",
        ),
        pytest.param(
            "l.json",
            '{"clusters": [],\n"clusters": []}',
            "",
            'ecei seed: l.json:2: the key "clusters" is given twice in the top-level object',
            id="json-repeated-top-level-key",
        ),
        pytest.param(
            "l.json",
            '{"clusters": [\n' + "[" * 100_000 + "]" * 100_000 + "]}",
            "",
            "ecei seed: l.json:2: JSON nested too deeply",
            id="json-nested-100000",
        ),
        pytest.param(
            "l.csv",
            CSV_HEADER + GOOD_ROW + "=HYPERLINK(1),ICT,,BRONZE,2016-01-01,FR\n",
            "",
            "rejected: l.csv:3: name '=HYPERLINK(1)': starts with '='",
            id="formula-name",
        ),
        pytest.param(
            "l.csv",
            CSV_HEADER + GOOD_ROW,
            INTERVIEWS_HEAD
            + '{"cluster": "good", "conductedOn": "2012-03-07",'
            + ' "results": [{"code": "participants", "value": NaN}]}]}',
            "rejected: interviews.json:2: participants.value 'NaN': a COUNT value must be a finite",
            id="interview-nan",
        ),
        pytest.param(
            "l.csv",
            CSV_HEADER + GOOD_ROW,
            INTERVIEWS_HEAD
            + '{"cluster": "good", "conductedOn": "2012-03-07",'
            + ' "results": [{"code": "participants", "value": -Infinity}]}]}',
            "rejected: interviews.json:2: participants.value '-Infinity': a COUNT value must be",
            id="interview-minus-infinity",
        ),
    ],
)
async def test_hostile_inputs_exit_2_with_one_line_each_and_write_nothing(
    db: Database,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    name: str,
    text: str,
    interviews: str,
    message: str,
) -> None:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    extra = []
    if interviews:
        extra = [tmp_path / "interviews.json"]
        extra[0].write_text(interviews, encoding="utf-8")
    assert await run_seed(args(path, interviews=extra), db) == 2
    err = capsys.readouterr().err
    assert message in err
    assert "Traceback" not in err
    assert max(len(line) for line in err.splitlines()) < 300
    for collection in COLLECTIONS:
        assert await db[collection].count_documents({}) == 0, collection


@pytest.mark.anyio
async def test_a_document_the_database_refuses_exits_3_in_one_line(
    db: Database, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The input rules keep every document far under 16 MiB; should one still be refused
    ("document too large"), the command says so in one line, not a traceback."""
    from pymongo.errors import DocumentTooLarge

    import seed.command

    async def refusing(*_args: Any, **_kwargs: Any) -> Any:
        raise DocumentTooLarge("a document of 18,008,155 bytes is over the 16 MiB BSON limit")

    monkeypatch.setattr(seed.command, "load", refusing)
    assert await run_seed(args(), db) == 3
    err = capsys.readouterr().err
    assert err == (
        "ecei seed: the database refused a document: a document of 18,008,155 bytes is over "
        "the 16 MiB BSON limit\n"
    )


@pytest.mark.anyio
async def test_a_bad_row_is_reported_before_an_unreachable_database(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The row to fix is named (exit 2), not "the database could not be reached" (exit 3):
    nothing is asked of the database while the input itself is wrong."""
    path = tmp_path / "year1.csv"
    path.write_text(
        "name,portfolio,website,label_level,valid_until,country\n"
        "Good,ICT,,BRONZE,2016-01-01,FR\n"
        "Y1 Cluster,Biotechnology,,BRONZE,0001-01-01,FR\n",
        encoding="utf-8",
    )
    uri = "mongodb://127.0.0.1:1/?serverSelectionTimeoutMS=200"
    client: AsyncIOMotorClient[dict[str, Any]] = AsyncIOMotorClient(uri, tz_aware=False)
    try:
        assert await run_seed(args(path), client["ecei"]) == 2
    finally:
        client.close()
    err = capsys.readouterr().err
    assert "year1.csv:3: valid_until '0001-01-01'" in err
    assert "could not be reached" not in err
