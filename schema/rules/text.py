"""Folding of published names into search keys and slugs.

Names are stored and served exactly as published; these keys exist only for matching,
sorting and URLs. The seed loader computes them once at write time and the API folds user
input with the same functions, so both sides always agree.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

__all__ = ["compact_key", "fold", "search_key", "slugify"]

# Letters that NFKD does not decompose into an ASCII base letter.
_SPECIAL = str.maketrans(
    {
        "ß": "ss",
        "æ": "ae",
        "Æ": "AE",
        "œ": "oe",
        "Œ": "OE",
        "ø": "o",
        "Ø": "O",
        "ł": "l",
        "Ł": "L",
        "đ": "d",
        "Đ": "D",
        "þ": "th",
        "Þ": "TH",
        "ı": "i",
    }
)
_NON_ALNUM = re.compile(r"[^a-z0-9]+")


def fold(text: str) -> str:
    """Lower-case ASCII form of `text`: accents removed, `²` → `2`, `&` kept as a word.

    Punctuation is not removed here; see `search_key` and `slugify`.
    """
    text = text.translate(_SPECIAL)
    # Decomposed, accents are combining marks: never ASCII, so the encoding drops them.
    text = unicodedata.normalize("NFKD", text)
    text = text.replace("&", " and ").replace("@", " ")
    return text.encode("ascii", "ignore").decode("ascii").lower()


@lru_cache(maxsize=65536)  # a load folds each name several times (key, slug, compact key)
def search_key(text: str) -> str:
    """Words of `text`, folded, separated by single spaces: `Pôle EMC²` → `pole emc2`."""
    return _NON_ALNUM.sub(" ", fold(text)).strip()


def compact_key(text: str) -> str:
    """`search_key` without spaces, so that `nov log`, `novlog` and `Nov@log` all meet."""
    return search_key(text).replace(" ", "")


def slugify(text: str) -> str:
    """Stable ASCII slug: `Pôle EMC²` → `pole-emc2`. Never empty."""
    return search_key(text).replace(" ", "-") or "unnamed"
