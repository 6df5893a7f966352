"""`ExitCode`, the exit status of every `ecei` command, and what each one means.

The table is written here only: `api.cli` returns these codes and prints the table in
`ecei seed --help`, and `seed.command` returns them.
"""

from __future__ import annotations

from enum import IntEnum

__all__ = ["ExitCode"]


class ExitCode(IntEnum):
    OK = 0
    ROWS_SKIPPED = 1
    BAD_INPUT = 2
    DATABASE_UNAVAILABLE = 3

    @property
    def meaning(self) -> str:
        """One line for a user: what happened, and what was written."""
        return _MEANINGS[self]


_MEANINGS = {
    ExitCode.OK: "success; for `seed`, loaded (or, with --dry-run, valid)",
    ExitCode.ROWS_SKIPPED: (
        "`seed`: rows rejected and skipped with --skip-invalid; the valid ones were written"
    ),
    ExitCode.BAD_INPUT: ("usage error, bad setting, unreadable or invalid input: nothing written"),
    ExitCode.DATABASE_UNAVAILABLE: (
        "the database could not be reached or refused a write, or other loads kept changing "
        "the same documents: run the same command again to complete the load"
    ),
}
