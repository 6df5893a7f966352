"""Folding of published names into search keys and slugs.

Names are stored and served exactly as published; these keys exist only for matching,
sorting and URLs. The seed loader computes them once at write time and the API folds user
input with the same functions, so both sides always agree.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Mapping
from functools import lru_cache

__all__ = ["compact_key", "fold", "nearest", "search_key", "slugify"]

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


# Longer values are told they are unknown without suggestions (see `nearest`).
NEAREST_MAX_CHARS = 200


def nearest(value: str, known: Mapping[str, str], limit: int = 3) -> list[str]:
    """Up to `limit` keys of `known` (a key to its display name) closest to `value`.

    A value equal to a key or name once folded comes first (`ICT` → `ict`, `energy and
    environment` → `energy-and-environment`), then keys whose words start with the value's
    (`Energy` → `energy-and-environment`), then `difflib`'s close matches on keys and names.
    A value longer than `NEAREST_MAX_CHARS` gets none: no key is that long, and `difflib`'s
    work grows with the product of the lengths (a 60,000-character value took seconds).
    """
    if len(value) > NEAREST_MAX_CHARS:
        return []
    slug = slugify(value)
    words = search_key(value)
    names = {search_key(name): key for key, name in known.items()}
    found: list[str] = []
    if slug in known:
        found.append(slug)
    if words in names:
        found.append(names[words])
    found += [key for key in sorted(known) if words and search_key(key).startswith(words)]
    found += [
        key for name in sorted(names) if words and name.startswith(words) for key in [names[name]]
    ]
    found += [
        names[name]
        for name in sorted(names)
        if words and difflib.SequenceMatcher(None, words, name[: len(words)]).ratio() >= 0.7
    ]
    found += difflib.get_close_matches(value, sorted(known), n=limit, cutoff=0.5)
    found += [names[n] for n in difflib.get_close_matches(words, sorted(names), n=limit)]
    return list(dict.fromkeys(found))[:limit]
