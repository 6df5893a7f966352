"""`cluster_match`: which stored clusters a `ClusterFilter` and a search select, checked by
running the `$match` it builds on the embedded store (what the query returns, not its
shape)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from schema.errors import BadUserInput
from schema.rules.vocabulary import Level
from schema.store.documents import CLUSTERS, Database, LabelDoc, embedded_labels, to_stored
from schema.store.filters import ClusterFilter, cluster_match

ON = date(2014, 2, 20)


_DEFAULT: tuple[tuple[Level, date, date], ...] = (("BRONZE", date(2013, 1, 1), date(2015, 1, 1)),)


def _cluster(
    slug: str,
    name_key: str,
    compact: str,
    *labels: tuple[Level, date, date],
    **fields: Any,
) -> dict[str, Any]:
    """A cluster with its embedded labels, each `(level, awardedOn, validUntil)`; by
    default one BRONZE label from 2013-01-01 to 2015-01-01."""
    docs: list[LabelDoc] = [
        {
            "_id": f"{slug}/{level}/{end}",
            "cluster": slug,
            "level": level,
            "awardedOn": to_stored(awarded),
            "validUntil": to_stored(end),
            "awardedOnInferred": True,
            "source": {"file": "t", "line": 1},
        }
        for level, awarded, end in labels or _DEFAULT
    ]
    label, history = embedded_labels(docs)
    doc: dict[str, Any] = {
        "_id": slug,
        "nameKey": name_key,
        "compactKey": compact,
        "country": "FR",
        "portfolio": "ict",
        "label": label,
        "history": history,
    }
    doc.update(fields)
    return doc


CLUSTERS_ON_FILE = [
    _cluster("novalog", "nov log", "novlog"),
    _cluster("pole-mer", "pole mer", "polemer", portfolio="marine"),
    _cluster("de-cluster", "de cluster", "decluster", country="DE"),
    # Ends 2014-03-31: EXPIRING_SOON on ON (within 90 days).
    _cluster("soon", "soon", "soon", ("GOLD", date(2012, 3, 31), date(2014, 3, 31))),
    # Ended 2013-12-31: RENEWABLE on ON.
    _cluster("gone", "gone", "gone", ("SILVER", date(2011, 12, 31), date(2013, 12, 31))),
    # Awarded after ON: NOT_YET_LABELLED on ON.
    _cluster("later", "later", "later", ("GOLD", date(2014, 6, 1), date(2016, 6, 1))),
    # A GOLD label until 2014-02-01, then a BRONZE one from 2014-02-01 (in force on ON).
    _cluster(
        "renewed",
        "renewed",
        "renewed",
        ("GOLD", date(2012, 2, 1), date(2014, 2, 1)),
        ("BRONZE", date(2014, 2, 1), date(2016, 2, 1)),
    ),
]
EVERY = {"novalog", "pole-mer", "de-cluster", "soon", "gone", "later", "renewed"}


async def _selected(db: Database, match: dict[str, Any]) -> set[str]:
    await db[CLUSTERS].insert_many([dict(d) for d in CLUSTERS_ON_FILE])
    return {d["_id"] for d in await db[CLUSTERS].find(match).to_list(None)}


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("where", "search", "expected"),
    [
        pytest.param(None, None, EVERY, id="all"),
        pytest.param(None, "  ", EVERY, id="blank"),
        pytest.param(None, "Nov@log", {"novalog"}, id="search-compact"),
        pytest.param(None, "nov log", {"novalog"}, id="search-words"),
        pytest.param(None, "Pôle", {"pole-mer"}, id="search-folded"),
        pytest.param(None, ".*", set(), id="punctuation-only-matches-nothing"),
        pytest.param(None, "(x+y)*", set(), id="regex-escaped"),
        pytest.param(ClusterFilter(portfolio=["marine"]), None, {"pole-mer"}, id="portfolio"),
        pytest.param(ClusterFilter(portfolio=[]), None, set(), id="empty-list-nothing"),
        pytest.param(
            ClusterFilter(country=[" de "]), None, {"de-cluster"}, id="country-normalised"
        ),
        pytest.param(
            ClusterFilter(label_level=["GOLD", "SILVER"]), None, {"soon", "gone"}, id="level"
        ),
        pytest.param(
            ClusterFilter(label_level=["BRONZE"]),
            None,
            {"novalog", "pole-mer", "de-cluster", "renewed"},
            id="level-of-the-label-in-force",
        ),
        pytest.param(ClusterFilter(label_status=["EXPIRING_SOON"]), None, {"soon"}, id="status"),
        pytest.param(ClusterFilter(label_status=["RENEWABLE"]), None, {"gone"}, id="renewable"),
        pytest.param(
            ClusterFilter(label_status=["NOT_YET_LABELLED"]), None, {"later"}, id="not-yet"
        ),
        pytest.param(
            ClusterFilter(not_=ClusterFilter(label_level=["BRONZE"])),
            None,
            {"soon", "gone", "later"},
            id="not-level-includes-not-yet-labelled",
        ),
        pytest.param(ClusterFilter(label_status=[]), None, set(), id="no-status-nothing"),
        pytest.param(
            ClusterFilter(valid_until=(date(2014, 1, 1), date(2014, 12, 31))),
            None,
            {"soon"},
            id="valid-until-range",
        ),
        pytest.param(
            ClusterFilter(not_=ClusterFilter(portfolio=["ict"])), None, {"pole-mer"}, id="not"
        ),
        pytest.param(
            ClusterFilter(or_=[ClusterFilter(country=["DE"]), ClusterFilter(portfolio=["marine"])]),
            None,
            {"de-cluster", "pole-mer"},
            id="or",
        ),
        pytest.param(ClusterFilter(or_=[]), None, set(), id="empty-or-nothing"),
        pytest.param(
            ClusterFilter(and_=[ClusterFilter(portfolio=["ict"]), ClusterFilter(country=["FR"])]),
            "o",
            {"novalog", "soon", "gone"},
            id="and-with-search",
        ),
    ],
)
async def test_selected_clusters(
    db: Database, where: ClusterFilter | None, search: str | None, expected: set[str]
) -> None:
    assert await _selected(db, cluster_match(where, ON, search)) == expected


@pytest.mark.anyio
async def test_portfolio_scope_narrows_the_filter(db: Database) -> None:
    match = cluster_match(ClusterFilter(country=["FR"]), ON, portfolio="marine")
    assert await _selected(db, match) == {"pole-mer"}


def test_long_search_is_refused() -> None:
    with pytest.raises(BadUserInput, match="at most 100"):
        cluster_match(None, ON, "x" * 101)
