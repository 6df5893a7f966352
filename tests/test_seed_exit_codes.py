"""`ExitCode`: the values scripts depend on, and the table `ecei seed --help` prints."""

from __future__ import annotations

import pytest

from api.cli import main
from seed.exit_codes import ExitCode


def test_the_codes_keep_their_values() -> None:
    assert {code.name: int(code) for code in ExitCode} == {
        "OK": 0,
        "ROWS_SKIPPED": 1,
        "BAD_INPUT": 2,
        "DATABASE_UNAVAILABLE": 3,
    }


def test_seed_help_lists_every_code_with_its_meaning(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("COLUMNS", "400")
    with pytest.raises(SystemExit):
        main(["seed", "--help"])
    out = capsys.readouterr().out
    table = out[out.index("exit codes:") :].splitlines()[1:]
    assert table == [f"  {code:d}  {code.meaning}" for code in ExitCode]
