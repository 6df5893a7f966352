"""The `ecei` command line: `serve`, `seed`, `keys` (`api.keys`) and `export-schema`.

Every expected failure (bad settings, bad input, unreachable database) ends as one line on
stderr and a non-zero exit code, never a traceback. The codes are `seed.exit_codes.ExitCode`,
listed by `ecei seed --help`. The flags of `seed` are built from the fields of
`seed.options.SeedOptions`.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import importlib.metadata
import os
import shutil
import sys
import textwrap
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal, get_args, get_origin, get_type_hints

from api.keys import add_keys_parser, keys_file_problem, run_keys
from api.settings import Settings, SettingsError
from seed.exit_codes import ExitCode
from seed.options import Flag, SeedOptions

__all__ = ["main"]


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        settings = Settings.from_env()
    except SettingsError as exc:
        print(f"ecei: {exc}", file=sys.stderr)
        return ExitCode.BAD_INPUT
    command: str = args.command
    if command == "serve":
        return _serve(settings, args)
    if command == "export-schema":
        return _export_schema(args)
    if command == "keys":
        return run_keys(settings, args)
    return _seed(settings, args)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ecei",
        description="GraphQL API for the ESCA cluster excellence label directory.",
    )
    parser.add_argument(
        "--version",
        action="version",
        version=f"%(prog)s {importlib.metadata.version('ecei-api')}",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = sub.add_parser("serve", help="run the API under uvicorn")
    serve.add_argument("--host", help=f"bind address (default: ECEI_HOST or {Settings.host})")
    serve.add_argument("--port", type=int, help=f"port (default: ECEI_PORT or {Settings.port})")
    serve.add_argument(
        "--workers",
        type=int,
        help=f"server processes (default: ECEI_WORKERS or {Settings.workers})",
    )

    export = sub.add_parser("export-schema", help="write the GraphQL SDL")
    export.add_argument(
        "--output",
        type=Path,
        default=None,
        help="file to write (default: schema/schema.graphql in the package; - for stdout)",
    )

    seed = sub.add_parser(
        "seed",
        help="load listings, the indicator catalogue and interviews into MongoDB",
        # Filled here, as argparse would, because the raw formatter that keeps the lines of
        # the exit-code table fills nothing.
        description=textwrap.fill(
            "Validate every input first, then write. With no FILE, loads the shipped ESCA "
            "listing and indicator catalogue. Needs MONGODB_URI unless --dry-run.",
            _help_width(),
        ),
        epilog=_exit_code_table(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _add_seed_flags(seed)
    add_keys_parser(sub)
    return parser


def _add_seed_flags(parser: argparse.ArgumentParser) -> None:
    """One flag per field of `SeedOptions`, following the field's type and its `Flag`; the
    parsed values are turned back into `SeedOptions` by `_seed_options`."""
    hints = get_type_hints(SeedOptions)
    for option in dataclasses.fields(SeedOptions):
        flag: Flag = option.metadata["flag"]
        hint = hints[option.name]
        name = option.name if flag.positional else "--" + option.name.replace("_", "-")
        if hint is bool:
            parser.add_argument(name, action="store_true", help=flag.help)
        elif get_origin(hint) is tuple and flag.positional:
            item = get_args(hint)[0]
            parser.add_argument(name, nargs="*", type=item, metavar=flag.metavar, help=flag.help)
        elif get_origin(hint) is tuple:
            item = get_args(hint)[0]
            parser.add_argument(
                name, type=item, action="append", default=[], metavar=flag.metavar, help=flag.help
            )
        elif get_origin(hint) is Literal:
            parser.add_argument(
                name,
                choices=get_args(hint),
                default=option.default,
                help=f"{flag.help} (default: {option.default})",
            )
        else:
            parser.add_argument(name, default=option.default, metavar=flag.metavar, help=flag.help)


def _seed_options(args: argparse.Namespace) -> SeedOptions:
    """The `SeedOptions` that `_add_seed_flags`'s flags parsed into `args`."""
    values: dict[str, Any] = {}
    for option in dataclasses.fields(SeedOptions):
        value = getattr(args, option.name)
        values[option.name] = tuple(value) if isinstance(value, list) else value
    return SeedOptions(**values)


def _help_width() -> int:
    """The width argparse fills help text to."""
    return shutil.get_terminal_size().columns - 2


def _exit_code_table() -> str:
    lines = [
        textwrap.fill(
            f"{code:d}  {code.meaning}",
            _help_width(),
            initial_indent="  ",
            subsequent_indent="     ",
        )
        for code in ExitCode
    ]
    return "exit codes:\n" + "\n".join(lines)


def _serve(settings: Settings, args: argparse.Namespace) -> int:
    from api.server import serve
    from api.tracing import TracingError, check

    problem = keys_file_problem(settings)
    if problem is not None:
        print(f"ecei: {problem}", file=sys.stderr)
        return ExitCode.BAD_INPUT
    workers: int = args.workers or settings.workers
    if not 1 <= workers <= 64:
        print(f"ecei: --workers must be between 1 and 64, not {workers}", file=sys.stderr)
        return ExitCode.BAD_INPUT
    try:
        check(os.environ)
    except TracingError as exc:
        print(f"ecei: {exc}", file=sys.stderr)
        return ExitCode.BAD_INPUT
    host: str = args.host or settings.host
    port: int = args.port or settings.port
    print(startup_line(settings, host, port), file=sys.stderr, flush=True)
    serve(settings, host, port, workers)
    return ExitCode.OK


def startup_line(settings: Settings, host: str, port: int) -> str:
    """What `ecei serve` says first: where to point a client, and which store answers."""
    shown = f"[{host}]" if ":" in host else host
    if settings.embedded:
        store = "the embedded in-memory store, seeded with the shipped data (MONGODB_URI unset)"
    else:  # the URI may hold a password: never shown
        store = f"MongoDB from MONGODB_URI, database {settings.db_name!r}"
    ide = "GraphiQL off" if settings.production else "GraphiQL on"
    return f"ecei: serving http://{shown}:{port}/graphql on {store}; {settings.environment}, {ide}"


def _export_schema(args: argparse.Namespace) -> int:
    from schema.sdl import SDL_PATH, export_sdl

    text = export_sdl()
    output: Path | None = args.output
    if output is not None and str(output) == "-":
        sys.stdout.write(text)
        return ExitCode.OK
    target = output or SDL_PATH
    target.write_text(text, encoding="utf-8")
    print(f"wrote {target}", file=sys.stderr)
    return ExitCode.OK


def _seed(settings: Settings, args: argparse.Namespace) -> int:
    from seed.command import run_seed

    options = _seed_options(args)
    if options.dry_run:
        return asyncio.run(run_seed(options, None))
    if settings.embedded:
        print(
            "ecei: MONGODB_URI is not set: `ecei seed` writes to a MongoDB server "
            "(the embedded store of `ecei serve` seeds itself); use --dry-run to validate only",
            file=sys.stderr,
        )
        return ExitCode.BAD_INPUT

    async def run() -> int:
        from api.database import connect

        connection = connect(settings)
        try:
            return await run_seed(options, connection.db)
        finally:
            connection.close()

    return asyncio.run(run())
