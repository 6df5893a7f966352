"""`SeedOptions`: the flags of `ecei seed` are built from its fields and parsed back into
it."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

import seed.command
from api.cli import main
from schema.store.documents import Database
from seed.exit_codes import ExitCode
from seed.options import Flag, SeedOptions


@pytest.fixture
def passed(monkeypatch: pytest.MonkeyPatch) -> list[SeedOptions]:
    """The options `ecei seed` hands to `run_seed`, which is replaced by a recorder."""
    monkeypatch.delenv("MONGODB_URI", raising=False)
    seen: list[SeedOptions] = []

    async def record(options: SeedOptions, db: Database | None) -> ExitCode:
        seen.append(options)
        return ExitCode.OK

    monkeypatch.setattr(seed.command, "run_seed", record)
    return seen


@pytest.fixture
def wide(monkeypatch: pytest.MonkeyPatch) -> None:
    """A terminal wide enough that argparse wraps no help line."""
    monkeypatch.setenv("COLUMNS", "400")


def test_no_flags_give_the_defaults(passed: list[SeedOptions]) -> None:
    assert main(["seed", "--dry-run"]) == ExitCode.OK
    assert passed == [SeedOptions(dry_run=True)]


def test_every_flag_is_parsed_into_its_field(passed: list[SeedOptions]) -> None:
    argv = ["seed", "a.csv", "b.json", "--interviews", "i.json", "--interviews", "j.json"]
    argv += ["--sample-interviews", "--country", "DE", "--dry-run", "--skip-invalid"]
    argv += ["--report", "json", "--no-progress"]
    assert main(argv) == ExitCode.OK
    assert passed == [
        SeedOptions(
            files=(Path("a.csv"), Path("b.json")),
            interviews=(Path("i.json"), Path("j.json")),
            sample_interviews=True,
            country="DE",
            dry_run=True,
            skip_invalid=True,
            report="json",
            no_progress=True,
        )
    ]


@pytest.mark.usefixtures("wide")
def test_the_help_shows_every_option_with_its_help(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["seed", "--help"])
    out = capsys.readouterr().out
    for option in dataclasses.fields(SeedOptions):
        flag: Flag = option.metadata["flag"]
        if flag.positional:
            name = flag.metavar or option.name
        else:
            name = "--" + option.name.replace("_", "-")
        assert name in out
        assert flag.help in out
    assert "summary format on stdout (default: text)" in out
    assert "(default: FR for the raw listing)" in out
    assert "(exit 1 if any)" in out


def test_an_unknown_report_form_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["seed", "--dry-run", "--report", "xml"])
    assert exited.value.code == ExitCode.BAD_INPUT
    assert "invalid choice: 'xml'" in capsys.readouterr().err
