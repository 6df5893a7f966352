"""`cluster_match` (the `$match` builder the aggregates share) and keyset cursors, directly;
plus the paging walk against a real MongoDB server when one is configured."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

import pytest

from schema.documents import CLUSTERS, Database
from schema.enums import LabelLevel, LabelStatus
from schema.errors import BadUserInput
from schema.filters import cluster_match
from schema.inputs import ClusterWhere, DateRange
from schema.pagination import PageArgs, SortKey, decode_cursor, encode_cursor, fetch_page

ON = date(2014, 2, 20)


def test_no_filter_is_an_empty_match() -> None:
    assert cluster_match(None, ON) == {}
    assert cluster_match(ClusterWhere(), ON, "  ") == {}


def test_search_is_escaped_and_folded() -> None:
    match = cluster_match(None, ON, "Nov@log (x+y)*")
    regexes = [c["$regex"] for alt in match["$or"] for c in alt.values()]
    assert regexes == [re.escape("nov log x y"), re.escape("novlogxy")]


def test_where_builds_typed_clauses() -> None:
    where = ClusterWhere(
        portfolio=["ict"],
        label_level=[LabelLevel.BRONZE],
        label_status=[LabelStatus.VALID],
        valid_until=DateRange(gte=date(2014, 1, 1)),
        not_=ClusterWhere(country=["de"]),
    )
    match = cluster_match(where, ON)
    assert match["$and"][0] == {"portfolio": {"$in": ["ict"]}}
    assert match["$and"][1] == {"label.level": {"$in": ["BRONZE"]}}
    assert {"label.validUntil": {"$gte": datetime(2014, 1, 1)}} in match["$and"]
    assert {"$or": [{"label.validUntil": {"$gte": datetime(2014, 5, 22)}}]} in match["$and"]
    assert {"$nor": [{"country": {"$in": ["DE"]}}]} in match["$and"]


def test_long_search_is_refused() -> None:
    with pytest.raises(BadUserInput, match="at most 100"):
        cluster_match(None, ON, "x" * 101)


KEYS = [SortKey("label.validUntil", descending=True, is_date=True)]


def test_cursor_round_trip() -> None:
    doc: dict[str, Any] = {"_id": "a", "label": {"validUntil": datetime(2014, 3, 7)}}
    assert decode_cursor(KEYS, encode_cursor(KEYS, doc)) == [datetime(2014, 3, 7), "a"]


def test_cursor_from_another_order_is_refused() -> None:
    doc: dict[str, Any] = {"_id": "a", "nameKey": "a"}
    cursor = encode_cursor([SortKey("nameKey")], doc)
    with pytest.raises(BadUserInput, match="invalid cursor"):
        decode_cursor(KEYS, cursor)


def test_page_arguments() -> None:
    assert PageArgs.from_arguments(None, None, None, None).first == 20
    with pytest.raises(BadUserInput):
        PageArgs.from_arguments(101, None, None, None)


async def _walk(db: Database) -> tuple[list[str], list[str]]:
    keys = [SortKey("portfolioName"), SortKey("nameKey", descending=True)]
    everything = [
        d["_id"]
        for d in await db[CLUSTERS]
        .find({})
        .sort([("portfolioName", 1), ("nameKey", -1), ("_id", 1)])
        .to_list(length=None)
    ]
    walked: list[str] = []
    after = None
    while True:
        page = await fetch_page(db, CLUSTERS, {}, keys, PageArgs(9, after, None, None))
        walked += [d["_id"] for d in page.docs]
        if not page.has_next:
            break
        after = page.cursors[-1]
    back: list[str] = []
    before = None
    while True:
        page = await fetch_page(db, CLUSTERS, {}, keys, PageArgs(None, None, 9, before))
        back = [d["_id"] for d in page.docs] + back
        if not page.has_previous:
            break
        before = page.cursors[0]
    assert walked == everything == back
    return walked, everything


@pytest.mark.anyio
async def test_paging_walk_on_the_embedded_store(db: Database) -> None:
    from seed.shipped import load_shipped

    await load_shipped(db)
    walked, _ = await _walk(db)
    assert len(walked) == 88


@pytest.mark.anyio
@pytest.mark.mongodb
async def test_paging_walk_on_a_real_server(mongodb: Database) -> None:
    from seed.shipped import load_shipped

    await load_shipped(mongodb)
    walked, _ = await _walk(mongodb)
    assert len(walked) == 88
    status = cluster_match(ClusterWhere(label_status=[LabelStatus.RENEWABLE]), ON)
    assert await mongodb[CLUSTERS].count_documents(status) > 0
