"""The exported contract: `schema/schema.graphql`, written by `ecei export-schema`.

The file is committed, and a test fails when the code's schema differs from it, so every
change to the API shows up in review.
"""

from __future__ import annotations

from pathlib import Path

from strawberry.printer import print_schema

from schema.build import build_schema

__all__ = ["SDL_PATH", "export_sdl"]

SDL_PATH = Path(__file__).resolve().parent / "schema.graphql"


def export_sdl() -> str:
    """The SDL of the development schema (production serves the same types)."""
    return print_schema(build_schema(production=False)) + "\n"
