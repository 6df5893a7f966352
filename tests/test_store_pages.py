"""Keyset pages and cursors (`schema.store.pages`), directly; plus the paging walk against a
real MongoDB server when one is configured."""

from __future__ import annotations

import base64
from datetime import date, datetime
from typing import Any

import orjson
import pytest

from schema.errors import BadUserInput
from schema.store.documents import CLUSTERS, Database
from schema.store.filters import ClusterFilter, cluster_match
from schema.store.pages import PageArgs, SortKey, decode_cursor, encode_cursor, fetch_page
from seed.shipped import load_shipped

ON = date(2014, 2, 20)


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
        .sort([("portfolioName", 1), ("nameKey", -1), ("_id", -1)])
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
    await load_shipped(db)
    walked, _ = await _walk(db)
    assert len(walked) == 88


@pytest.mark.anyio
@pytest.mark.mongodb
async def test_paging_walk_on_a_real_server(mongodb: Database) -> None:
    await load_shipped(mongodb)
    walked, _ = await _walk(mongodb)
    assert len(walked) == 88
    status = cluster_match(ClusterFilter(label_status=["RENEWABLE"]), ON)
    assert await mongodb[CLUSTERS].count_documents(status) > 0


@pytest.mark.anyio
@pytest.mark.parametrize("descending", [False, True], ids=["asc", "desc"])
async def test_paging_is_robust_to_any_stored_value(db: Database, descending: bool) -> None:
    """Documents written outside the loader, with a missing, null, numeric or nested sort
    key, or an `_id` that is not a string, are left out of the pages of that order; the
    others are paged exactly once each way, and no page is an error."""
    good = [{"_id": f"c{i:02d}", "nameKey": f"n{i % 5}"} for i in range(23)]
    odd: list[dict[str, Any]] = [
        {"_id": "missing"},
        {"_id": "null", "nameKey": None},
        {"_id": "number", "nameKey": 7},
        {"_id": "nested", "nameKey": {"$gt": ""}},
        {"_id": 12, "nameKey": "n1"},
    ]
    await db[CLUSTERS].insert_many(good + odd)
    keys = [SortKey("nameKey", descending=descending)]
    expected = sorted(good, key=lambda d: (d["nameKey"], d["_id"]), reverse=descending)
    walked: list[str] = []
    after = None
    while True:
        page = await fetch_page(db, CLUSTERS, {}, keys, PageArgs(4, after, None, None))
        walked += [d["_id"] for d in page.docs]
        if not page.has_next:
            break
        after = page.cursors[-1]
    assert walked == [d["_id"] for d in expected]
    back: list[str] = []
    before = None
    while True:
        page = await fetch_page(
            db, CLUSTERS, {}, keys, PageArgs(None, None, 4, before), need_opposite=True
        )
        back = [d["_id"] for d in page.docs] + back
        if not page.has_previous:
            break
        before = page.cursors[0]
    assert back == walked


@pytest.mark.parametrize(
    "values",
    [
        pytest.param([None, "a"], id="null"),
        pytest.param([7, "a"], id="number"),
        pytest.param([{"$gt": ""}, "a"], id="operator"),
        pytest.param(["a", 12], id="id-number"),
    ],
)
def test_a_cursor_with_values_of_another_type_is_refused(values: list[Any]) -> None:
    keys = [SortKey("nameKey")]
    payload = orjson.dumps({"o": "nameKey:A", "k": values})
    cursor = base64.urlsafe_b64encode(payload).decode("ascii")
    with pytest.raises(BadUserInput, match="invalid cursor"):
        decode_cursor(keys, cursor)
