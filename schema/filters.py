"""Turn a typed `ClusterWhere` (plus search text and a date) into a MongoDB `$match` document.

Every value placed in the document comes out of a typed GraphQL input (an enum, a date, a
string compared for equality with `$in`, or search text escaped for a regex), so no client
value is ever interpreted as an operator. Shared by the cluster connection and by the
aggregates.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time
from typing import Any, cast

from schema.errors import BadUserInput
from schema.inputs import ClusterWhere
from schema.labels import LabelStatus as StatusName
from schema.labels import status_bounds
from schema.limits import MAX_SEARCH_LENGTH, MAX_WHERE_DEPTH
from schema.text import compact_key, search_key

__all__ = ["cluster_match", "search_match"]


def cluster_match(
    where: ClusterWhere | None, as_of: date, search: str | None = None
) -> dict[str, Any]:
    """The `$match` document for clusters satisfying `where` and `search` on `as_of`."""
    clauses: list[dict[str, Any]] = []
    if search is not None:
        clauses.extend(search_match(search))
    if where is not None:
        clauses.extend(_where(where, as_of, depth=1))
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


def _where(where: ClusterWhere, as_of: date, depth: int) -> list[dict[str, Any]]:
    if depth > MAX_WHERE_DEPTH:
        raise BadUserInput(f"where is nested more than {MAX_WHERE_DEPTH} levels deep")
    clauses: list[dict[str, Any]] = []
    if where.portfolio is not None:
        clauses.append({"portfolio": {"$in": list(where.portfolio)}})
    if where.label_level is not None:
        clauses.append({"label.level": {"$in": [level.name for level in where.label_level]}})
    if where.country is not None:
        clauses.append({"country": {"$in": [c.strip().upper() for c in where.country]}})
    if where.valid_until is not None:
        bounds = _range(where.valid_until.gte, where.valid_until.lte)
        if bounds:
            clauses.append({"label.validUntil": bounds})
    if where.label_status is not None:
        alternatives = []
        for status in dict.fromkeys(where.label_status):
            low, high = status_bounds(cast(StatusName, status.name), as_of)
            alternatives.append({"label.validUntil": _range(low, high)})
        clauses.append({"$or": alternatives} if alternatives else _NOTHING)
    if where.and_ is not None:
        clauses.extend(_all(_where(sub, as_of, depth + 1)) for sub in where.and_)
    if where.or_ is not None:
        alternatives = [_all(_where(sub, as_of, depth + 1)) for sub in where.or_]
        clauses.append({"$or": alternatives} if alternatives else _NOTHING)
    if where.not_ is not None:
        clauses.append({"$nor": [_all(_where(where.not_, as_of, depth + 1))]})
    return clauses


# Matches no document: every cluster has an _id. (`$or: []` is an error in MongoDB.)
_NOTHING: dict[str, Any] = {"_id": {"$exists": False}}


def _all(clauses: list[dict[str, Any]]) -> dict[str, Any]:
    if not clauses:
        return {}
    if len(clauses) == 1:
        return clauses[0]
    return {"$and": clauses}


def _range(low: date | None, high: date | None) -> dict[str, datetime]:
    """Inclusive bounds on a stored date (naive UTC midnight datetimes)."""
    bounds: dict[str, datetime] = {}
    if low is not None:
        bounds["$gte"] = datetime.combine(low, time.min)
    if high is not None:
        bounds["$lte"] = datetime.combine(high, time.min)
    return bounds
