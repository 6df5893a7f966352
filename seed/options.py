"""`SeedOptions`, what `ecei seed` is asked to do.

One field per command-line option, holding its default and its help text (`Flag`);
`api.cli` builds the flags from these fields and passes a `SeedOptions` to
`seed.command.run_seed`. A `bool` field is a switch, a `tuple` field a repeatable option
(or, when positional, the trailing arguments), a `Literal` field a choice.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from seed.exit_codes import ExitCode
from seed.shipped import SHIPPED_COUNTRY

__all__ = ["Flag", "ReportForm", "SeedOptions"]

ReportForm = Literal["text", "json"]


@dataclass(frozen=True)
class Flag:
    """How a `SeedOptions` field is shown on the command line."""

    help: str
    metavar: str | None = None
    positional: bool = False


def _flag(help: str, *, metavar: str | None = None, positional: bool = False) -> dict[str, Flag]:
    return {"flag": Flag(help, metavar, positional)}


@dataclass(frozen=True)
class SeedOptions:
    files: tuple[Path, ...] = field(
        default=(),
        metadata=_flag(
            "raw ESCA listing (.txt), CSV (.csv) or JSON (.json) listing files",
            metavar="FILE",
            positional=True,
        ),
    )
    interviews: tuple[Path, ...] = field(
        default=(),
        metadata=_flag("JSON file of interview results (repeatable)", metavar="FILE"),
    )
    sample_interviews: bool = field(
        default=False,
        metadata=_flag("also load generated sample interviews, one per cluster, flagged as sample"),
    )
    country: str | None = field(
        default=None,
        metadata=_flag(
            "ISO 3166 alpha-2 country for rows that have none "
            f"(default: {SHIPPED_COUNTRY} for the raw listing)"
        ),
    )
    dry_run: bool = field(
        default=False, metadata=_flag("parse and validate only; no database needed")
    )
    skip_invalid: bool = field(
        default=False,
        metadata=_flag(
            "write the valid rows and report every rejected one "
            f"(exit {int(ExitCode.ROWS_SKIPPED)} if any)"
        ),
    )
    report: ReportForm = field(default="text", metadata=_flag("summary format on stdout"))
    no_progress: bool = field(default=False, metadata=_flag("no progress bar on stderr"))
