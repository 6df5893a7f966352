"""The `ecei` command line: `serve`, `seed` and `export-schema`.

Every expected failure (bad settings, bad input, unreachable database) ends as one line on
stderr and a non-zero exit code, never a traceback:

| exit | meaning                                                        |
|------|----------------------------------------------------------------|
| 0    | success                                                        |
| 1    | `seed`: some rows were rejected (with `--skip-invalid` the valid ones were written) |
| 2    | usage error, bad settings, unreadable or invalid input: nothing written |
| 3    | the database could not be reached or refused a write           |
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence
from pathlib import Path

from api.settings import Settings, SettingsError

__all__ = ["main"]


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        settings = Settings.from_env()
    except SettingsError as exc:
        print(f"ecei: {exc}", file=sys.stderr)
        return 2
    command: str = args.command
    if command == "serve":
        return _serve(settings, args)
    if command == "export-schema":
        return _export_schema(args)
    return _seed(settings, args)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ecei",
        description="GraphQL API for the ESCA cluster excellence label directory.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = sub.add_parser("serve", help="run the API under uvicorn")
    serve.add_argument("--host", help="bind address (default: ECEI_HOST or 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port (default: ECEI_PORT or 8000)")

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
        description=(
            "Validate every input first, then write. With no FILE, loads the shipped ESCA "
            "listing and indicator catalogue. Needs MONGODB_URI unless --dry-run."
        ),
    )
    seed.add_argument(
        "files",
        nargs="*",
        type=Path,
        metavar="FILE",
        help="raw ESCA listing (.txt), CSV (.csv) or JSON (.json) listing files",
    )
    seed.add_argument(
        "--interviews",
        type=Path,
        action="append",
        default=[],
        metavar="FILE",
        help="JSON file of interview results (repeatable)",
    )
    seed.add_argument(
        "--sample-interviews",
        action="store_true",
        help="also load generated sample interviews, one per cluster, flagged as sample",
    )
    seed.add_argument(
        "--country",
        default=None,
        help="ISO 3166 alpha-2 country for rows that have none (default: FR for the raw listing)",
    )
    seed.add_argument(
        "--dry-run", action="store_true", help="parse and validate only; no database needed"
    )
    seed.add_argument(
        "--skip-invalid",
        action="store_true",
        help="write the valid rows and report every rejected one (exit 1 if any)",
    )
    seed.add_argument(
        "--report",
        choices=("text", "json"),
        default="text",
        help="summary format on stdout (default: text)",
    )
    seed.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")
    return parser


def _serve(settings: Settings, args: argparse.Namespace) -> int:
    import uvicorn

    from api.app import create_app

    uvicorn.run(
        create_app(settings),
        host=args.host or settings.host,
        port=args.port or settings.port,
        log_level="info",
        proxy_headers=False,
    )
    return 0


def _export_schema(args: argparse.Namespace) -> int:
    from schema.sdl import SDL_PATH, export_sdl

    text = export_sdl()
    output: Path | None = args.output
    if output is not None and str(output) == "-":
        sys.stdout.write(text)
        return 0
    target = output or SDL_PATH
    target.write_text(text, encoding="utf-8")
    print(f"wrote {target}", file=sys.stderr)
    return 0


def _seed(settings: Settings, args: argparse.Namespace) -> int:
    from seed.command import run_seed

    if args.dry_run:
        return asyncio.run(run_seed(args, None))
    if settings.embedded:
        print(
            "ecei: MONGODB_URI is not set: `ecei seed` writes to a MongoDB server "
            "(the embedded store of `ecei serve` seeds itself); use --dry-run to validate only",
            file=sys.stderr,
        )
        return 2

    async def run() -> int:
        from api.database import connect

        connection = connect(settings)
        try:
            return await run_seed(args, connection.db)
        finally:
            connection.close()

    return asyncio.run(run())
