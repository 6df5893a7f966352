"""Turn a `ClusterFilter` (plus search text and a date) into a MongoDB `$match` document.

`ClusterFilter` is the store's own plain form of the GraphQL `ClusterWhere` input (which
converts itself with `ClusterWhere.to_filter`).

Conditions on a label (level, status, end of validity) are about the label in force on the
date: one `$elemMatch` on the embedded `history` picks the label with
`awardedOn <= date <= inForceUntil` (the rule of `schema.rules.labels.label_in_force`,
stored by `schema.store.documents.embedded_labels`). NOT_YET_LABELLED is the absence of such
a label. Every value placed in the document is a
vocabulary string, a date, a string compared for equality with `$in`, or search text
escaped for a regex, so no client value is ever interpreted as an operator. Shared by the
cluster connection and by the aggregates.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from schema.errors import BadUserInput
from schema.rules.labels import Status, status_bounds
from schema.rules.limits import MAX_SEARCH_LENGTH
from schema.rules.text import compact_key, search_key
from schema.rules.vocabulary import Level
from schema.store.documents import to_stored

__all__ = [
    "ClusterFilter",
    "cluster_match",
    "in_force",
    "normal_country",
    "search_match",
    "search_prefix",
]


@dataclass(frozen=True)
class ClusterFilter:
    """Conditions on clusters; each field that is not None must hold (see `ClusterWhere`)."""

    portfolio: Sequence[str] | None = None
    label_level: Sequence[Level] | None = None
    label_status: Sequence[Status] | None = None
    valid_until: tuple[date | None, date | None] | None = None  # inclusive bounds
    country: Sequence[str] | None = None
    and_: Sequence[ClusterFilter] | None = None
    or_: Sequence[ClusterFilter] | None = None
    not_: ClusterFilter | None = None


def cluster_match(
    where: ClusterFilter | None,
    as_of: date,
    search: str | None = None,
    *,
    portfolio: str | None = None,
) -> dict[str, Any]:
    """The `$match` document for clusters satisfying `where` and `search` on `as_of`, in
    `portfolio` (a slug) when given."""
    clauses: list[dict[str, Any]] = []
    if portfolio is not None:
        clauses.append({"portfolio": portfolio})
    if search is not None:
        clauses.extend(search_match(search))
    if where is not None:
        clauses.extend(_where(where, as_of))
    return _all(clauses)


def search_match(text: str) -> list[dict[str, Any]]:
    """Clauses for a search: folded text contained in the name's word key or compact key.

    `Pôle`, `pole` and `POLE` meet, as do `Nov@log`, `novlog` and `nov log`. Blank text is
    no filter; text of punctuation only (`.*`, `(`) folds to nothing and matches nothing,
    since no name contains it once punctuation is ignored.
    """
    if len(text) > MAX_SEARCH_LENGTH:
        raise BadUserInput(
            f"search is {len(text)} characters long; at most {MAX_SEARCH_LENGTH} are allowed"
        )
    if not text.strip():
        return []
    words, compact = search_key(text), compact_key(text)
    if not compact:
        return [_NOTHING]
    return [
        {
            "$or": [
                {"nameKey": {"$regex": re.escape(words)}},
                {"compactKey": {"$regex": re.escape(compact)}},
            ]
        }
    ]


def search_prefix(text: str | None) -> dict[str, Any] | None:
    """Clusters whose name starts with the search text (folded as in `search_match`); None
    when the text searches nothing (absent, blank, or punctuation only)."""
    if text is None or not text.strip():
        return None
    words, compact = search_key(text), compact_key(text)
    if not compact:
        return None
    return {
        "$or": [
            {"nameKey": {"$regex": "^" + re.escape(words)}},
            {"compactKey": {"$regex": "^" + re.escape(compact)}},
        ]
    }


def _where(where: ClusterFilter, as_of: date) -> list[dict[str, Any]]:
    clauses: list[dict[str, Any]] = []
    if where.portfolio is not None:
        clauses.append({"portfolio": {"$in": list(where.portfolio)}})
    if where.label_level is not None:
        clauses.append(in_force(as_of, level={"$in": list(where.label_level)}))
    if where.country is not None:
        clauses.append({"country": {"$in": [normal_country(c) for c in where.country]}})
    if where.valid_until is not None:
        bounds = _range(*where.valid_until)
        if bounds:
            clauses.append(in_force(as_of, validUntil=bounds))
    if where.label_status is not None:
        alternatives = []
        for status in dict.fromkeys(where.label_status):
            if status == "NOT_YET_LABELLED":
                alternatives.append({"$nor": [in_force(as_of)]})
            else:
                low, high = status_bounds(status, as_of)
                alternatives.append(in_force(as_of, validUntil=_range(low, high)))
        clauses.append({"$or": alternatives} if alternatives else _NOTHING)
    if where.and_ is not None:
        clauses.extend(_all(_where(sub, as_of)) for sub in where.and_)
    if where.or_ is not None:
        alternatives = [_all(_where(sub, as_of)) for sub in where.or_]
        clauses.append({"$or": alternatives} if alternatives else _NOTHING)
    if where.not_ is not None:
        clauses.append({"$nor": [_all(_where(where.not_, as_of))]})
    return clauses


def in_force(as_of: date, **conditions: Any) -> dict[str, Any]:
    """Clusters whose label in force on `as_of` meets `conditions` (on its stored fields)."""
    day = to_stored(as_of)
    return {
        "history": {
            "$elemMatch": {
                "awardedOn": {"$lte": day},
                "inForceUntil": {"$gte": day},
                **conditions,
            }
        }
    }


def normal_country(code: str) -> str:
    """A country code as stored: trimmed, upper case."""
    return code.strip().upper()


# Matches no document: every cluster has an _id. (`$or: []` is an error in MongoDB.)
_NOTHING: dict[str, Any] = {"_id": {"$exists": False}}


def _all(clauses: list[dict[str, Any]]) -> dict[str, Any]:
    if not clauses:
        return {}
    if len(clauses) == 1:
        return clauses[0]
    return {"$and": clauses}


def _range(low: date | None, high: date | None) -> dict[str, Any]:
    """Inclusive bounds on a stored date."""
    bounds: dict[str, Any] = {}
    if low is not None:
        bounds["$gte"] = to_stored(low)
    if high is not None:
        bounds["$lte"] = to_stored(high)
    return bounds
