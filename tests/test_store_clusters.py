"""Orders of the cluster pages (`schema.store.clusters.sort_plan`): each walked page by page
in both directions on the embedded store, against the same order computed in Python."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from schema.errors import BadUserInput
from schema.rules.text import compact_key, search_key
from schema.rules.vocabulary import Level
from schema.store.clusters import ORDER_KEYS, OrderKey, fetch_clusters, sort_plan
from schema.store.documents import CLUSTERS, Database, LabelDoc, embedded_labels, to_stored
from schema.store.filters import cluster_match
from schema.store.indexes import INDEXES
from schema.store.pages import PageArgs

pytestmark = pytest.mark.anyio

LEVEL_RANK = {"BRONZE": 1, "SILVER": 2, "GOLD": 3}


def _cluster(
    name: str, country: str, level: Level, awarded: date, portfolio: str = "ICT"
) -> dict[str, Any]:
    slug = search_key(name).replace(" ", "-")
    label: LabelDoc = {
        "_id": f"{slug}/{level}",
        "cluster": slug,
        "level": level,
        "awardedOn": to_stored(awarded),
        "validUntil": to_stored(awarded.replace(year=awarded.year + 2)),
        "awardedOnInferred": False,
        "source": {"file": "t", "line": 1},
    }
    current, history = embedded_labels([label])
    return {
        "_id": slug,
        "name": name,
        "nameKey": search_key(name),
        "compactKey": compact_key(name),
        "country": country,
        "portfolio": search_key(portfolio),
        "portfolioName": portfolio,
        "website": None,
        "warnings": [],
        "label": current,
        "history": history,
    }


CLUSTERS_ON_FILE = [
    _cluster("Pôle Mer", "FR", "BRONZE", date(2014, 1, 1), "Sea"),
    _cluster("Aéro Pôle", "FR", "GOLD", date(2013, 1, 1), "Sea"),
    _cluster("Polaris", "DE", "SILVER", date(2015, 1, 1)),
    _cluster("Le Pôle Image", "BE", "GOLD", date(2014, 1, 1), "Sea"),
    _cluster("Nov@log", "FR", "BRONZE", date(2012, 6, 1)),
    _cluster("Pole Nucléaire", "ES", "SILVER", date(2013, 1, 1)),
    _cluster("Grand Pôle", "DE", "BRONZE", date(2016, 1, 1)),
]


def _expected(order: list[tuple[OrderKey, bool]], search: str | None) -> list[str]:
    docs = [d for d in CLUSTERS_ON_FILE if not search or search_key(search) in d["nameKey"]]
    # `_id` breaks ties in the direction of the last stored sort key.
    docs.sort(key=lambda d: d["_id"], reverse=sort_plan(order, search).keys[-1].descending)
    for key, descending in reversed(order):
        if key == "RELEVANCE":
            docs.sort(key=lambda d: d["nameKey"], reverse=descending)
            starts = search_key(search or "")
            docs.sort(key=lambda d: not d["nameKey"].startswith(starts), reverse=descending)
            continue
        value = {
            "NAME": lambda d: d["nameKey"],
            "PORTFOLIO": lambda d: d["portfolioName"],
            "VALID_UNTIL": lambda d: d["label"]["validUntil"],
            "COUNTRY": lambda d: d["country"],
            "LABEL_LEVEL": lambda d: LEVEL_RANK[d["label"]["level"]],
            "AWARDED_ON": lambda d: d["label"]["awardedOn"],
        }[key]
        docs.sort(key=value, reverse=descending)
    return [d["_id"] for d in docs]


async def _walk(
    db: Database, order: list[tuple[OrderKey, bool]], search: str | None, size: int
) -> tuple[list[str], list[str]]:
    plan = sort_plan(order, search)
    match = cluster_match(None, date(2020, 1, 1), search)
    forward: list[str] = []
    after = None
    while True:
        args = PageArgs(size, after, None, None)
        page = await fetch_clusters(db, match, plan, args, need_opposite=True)
        assert page.has_previous == (after is not None)
        forward += [d["_id"] for d in page.docs]
        if not page.has_next:
            break
        after = page.cursors[-1]
    backward: list[str] = []
    before = None
    while True:
        args = PageArgs(None, None, size, before)
        page = await fetch_clusters(db, match, plan, args, need_opposite=True)
        assert page.has_next == (before is not None)
        backward = [d["_id"] for d in page.docs] + backward
        if not page.has_previous:
            break
        before = page.cursors[0]
    return forward, backward


@pytest.mark.parametrize("size", [1, 2, 3])
@pytest.mark.parametrize(
    ("order", "search"),
    [
        pytest.param([("COUNTRY", False)], None, id="country"),
        pytest.param([("LABEL_LEVEL", True)], None, id="level-desc"),
        pytest.param([("AWARDED_ON", False)], None, id="awarded-on"),
        pytest.param([("PORTFOLIO", False), ("NAME", False)], None, id="portfolio-name"),
        pytest.param([("PORTFOLIO", False), ("NAME", True)], None, id="portfolio-name-desc"),
        pytest.param([("PORTFOLIO", True), ("VALID_UNTIL", False)], None, id="portfolio-desc"),
        pytest.param([("PORTFOLIO", True), ("VALID_UNTIL", True)], "pole", id="both-desc"),
        pytest.param([("RELEVANCE", False)], "pole", id="relevance"),
        pytest.param([("RELEVANCE", True)], "pole", id="relevance-desc"),
        pytest.param([("RELEVANCE", False)], None, id="relevance-without-search-is-name"),
    ],
)
async def test_orders_walk_both_ways(
    db: Database, order: list[tuple[OrderKey, bool]], search: str | None, size: int
) -> None:
    await db[CLUSTERS].insert_many([dict(d) for d in CLUSTERS_ON_FILE])
    forward, backward = await _walk(db, order, search, size)
    assert forward == backward == _expected(order, search)


async def test_relevance_puts_names_starting_with_the_text_first(db: Database) -> None:
    await db[CLUSTERS].insert_many([dict(d) for d in CLUSTERS_ON_FILE])
    forward, _ = await _walk(db, [("RELEVANCE", False)], "Pôle", 10)
    assert forward == [
        "pole-mer",
        "pole-nucleaire",
        "aero-pole",
        "grand-pole",
        "le-pole-image",
    ]


async def test_a_relevance_cursor_works_only_with_its_search(db: Database) -> None:
    await db[CLUSTERS].insert_many([dict(d) for d in CLUSTERS_ON_FILE])
    match = cluster_match(None, date(2020, 1, 1), "pole")
    plan = sort_plan([("RELEVANCE", False)], "pole")
    page = await fetch_clusters(db, match, plan, PageArgs(2, None, None, None), need_opposite=False)
    other = sort_plan([("RELEVANCE", False)], "pol")
    with pytest.raises(BadUserInput, match="invalid cursor"):
        await fetch_clusters(
            db, match, other, PageArgs(2, page.cursors[-1], None, None), need_opposite=False
        )


@pytest.mark.parametrize(
    "order",
    [
        pytest.param([("NAME", False), ("RELEVANCE", False)], id="after"),
        pytest.param([("RELEVANCE", False), ("COUNTRY", False)], id="before"),
    ],
)
def test_relevance_comes_alone(order: list[tuple[OrderKey, bool]]) -> None:
    with pytest.raises(BadUserInput, match=r"^orderBy \[\w+, \w+\] is not supported"):
        sort_plan(order, "pole")


def test_every_order_has_an_index_with_the_id_tie_breaker() -> None:
    declared = [model.document["key"] for model in INDEXES[CLUSTERS]]
    for path, _ in ORDER_KEYS.values():
        assert any(list(key.items()) == [(path, 1), ("_id", 1)] for key in declared), path
