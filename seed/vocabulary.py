"""Controlled vocabularies that validate every import: portfolios, countries, TLDs.

The portfolio list ships in `seed/data/portfolios.json`; the ISO 3166-1 alpha-2 codes live
in `schema.rules.vocabulary` (the API checks filters against them too); the top-level
domains used to flag suspicious websites are listed here.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from schema.rules.places import TLDS
from schema.rules.text import search_key
from schema.rules.vocabulary import COUNTRIES

__all__ = [
    "COUNTRIES",
    "PORTFOLIOS_PATH",
    "TLDS",
    "Portfolios",
    "load_portfolios",
]

PORTFOLIOS_PATH = Path(__file__).parent / "data" / "portfolios.json"


class Portfolios:
    """The comparative portfolio vocabulary, in its published spelling and order."""

    def __init__(self, names: list[str]) -> None:
        self.names: tuple[str, ...] = tuple(names)
        self._by_key = {search_key(name): name for name in names}
        # Longest first, so that a name ending with a shorter portfolio's text still splits
        # on the longest one it ends with.
        self.longest_first: tuple[str, ...] = tuple(sorted(names, key=len, reverse=True))

    def lookup(self, text: str) -> str | None:
        """The vocabulary name matching `text` (case, accents and punctuation ignored)."""
        return self._by_key.get(search_key(text))

    def known(self) -> str:
        # Quoted: three portfolio names contain commas themselves.
        return ", ".join(repr(name) for name in self.names)

    def __len__(self) -> int:
        return len(self.names)


@cache
def load_portfolios(path: Path = PORTFOLIOS_PATH) -> Portfolios:
    data = json.loads(path.read_text(encoding="utf-8"))
    names: list[str] = data["portfolios"]
    return Portfolios(names)
